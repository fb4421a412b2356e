// Maps a field path of the parsed document back to a line:column in the YAML source, using the node
// ranges that yaml's Document API keeps and a LineCounter.
import { isAlias, isCollection, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import type { PathSegment } from './issues.js';

export interface Position {
  line: number;
  column: number;
}

export interface Located extends Position {
  /** false when the path does not exist (the position is then that of the nearest existing parent). */
  found: boolean;
  node?: Node;
}

export class PositionMap {
  /** Per mapping, its entries by key text (first one wins, as with find): one lookup per issue stays O(1). */
  private readonly index = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    private readonly doc: Document | undefined,
    private readonly lines: LineCounter,
  ) {}

  at(offset: number): Position {
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  /**
   * Where `path` is written. `target: 'key'` prefers the key of a mapping entry (unknown fields,
   * duplicate ids); otherwise the value, except for block collections, where the key line is the
   * readable place. A missing path gives the position of its parent mapping.
   */
  locate(path: readonly PathSegment[], target: 'key' | 'value' = 'value'): Located {
    const root = this.doc?.contents as Node | null | undefined;
    if (!root) return { line: 1, column: 1, found: path.length === 0 };
    let node: Node = root;
    let key: Node | undefined;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      if (isAlias(node)) return { ...this.place(node, key, target), found: false };
      let next: { key?: Node; value: Node | null | undefined } | undefined;
      if (isMap(node)) {
        const pair = this.entries(node).get(String(seg));
        if (pair) next = { key: pair.key as Node, value: pair.value as Node | null };
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (item !== undefined) next = { value: item };
      }
      if (!next) return { ...this.place(node, key, 'key'), found: false };
      if (next.value === null || next.value === undefined) {
        // `key:` with nothing after it: point at the key; deeper paths do not exist.
        const pos = next.key ? this.start(next.key) : this.start(node);
        return { ...pos, found: i === path.length - 1 };
      }
      key = next.key;
      node = next.value;
    }
    return { ...this.place(node, key, target), found: true, node };
  }

  private entries(map: YAMLMap): Map<string, Pair> {
    let m = this.index.get(map);
    if (!m) {
      m = new Map();
      for (const p of map.items as Pair[]) {
        const k = keyText(p.key);
        if (k !== undefined && !m.has(k)) m.set(k, p);
      }
      this.index.set(map, m);
    }
    return m;
  }

  private place(node: Node, key: Node | undefined, target: 'key' | 'value'): Position {
    if (key && (target === 'key' || (isCollection(node) && !node.flow))) return this.start(key);
    return this.start(node);
  }

  start(node: Node): Position {
    return this.at(node.range?.[0] ?? 0);
  }
}

export function keyText(k: unknown): string | undefined {
  if (isScalar(k)) return String(k.value);
  if (k === null || k === undefined) return undefined;
  return String(k);
}

/**
 * Position of character `index` of a scalar's value in the source. Exact for plain and quoted
 * one-line scalars and for block literals (each value line is found in the source); for folded or
 * escaped text falls back to the scalar's start.
 */
export function scalarCharOffset(source: string, node: Node, index: number): number {
  const [start, end] = node.range ?? [0, 0];
  if (!isScalar(node) || typeof node.value !== 'string') return start;
  const value = node.value;
  const raw = source.slice(start, end);
  const lines = value.split('\n');
  let cursor = 0;
  let consumed = 0;
  for (const line of lines) {
    const at = line === '' ? cursor : raw.indexOf(line, cursor);
    if (at < 0) return start;
    if (index <= consumed + line.length) return start + at + (index - consumed);
    consumed += line.length + 1;
    cursor = at + line.length;
  }
  return start;
}
