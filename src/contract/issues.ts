// One problem found in a contract file, with the position a human (or an editor) can jump to.

export interface ContractIssue {
  file: string;
  /** 1-based; file-level problems (too large, binary, missing) point at 1:1. */
  line: number;
  column: number;
  /** Field path such as `slas[0].credits.tiers[1].below`; empty for the file as a whole. */
  path: string;
  message: string;
  expected?: string;
  severity: 'error' | 'warning';
}

/** `file:line:column: field.path: what is wrong (expected …)`; warnings say so. */
export function formatIssue(i: ContractIssue): string {
  const where = `${i.file}:${i.line}:${i.column}:`;
  const sev = i.severity === 'warning' ? ' warning:' : '';
  const path = i.path ? ` ${i.path}:` : '';
  const expected = i.expected ? ` (expected ${i.expected})` : '';
  return `${where}${sev}${path} ${i.message}${expected}`;
}

export type PathSegment = string | number;

/** ['slas', 0, 'credits'] → `slas[0].credits`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += `[${JSON.stringify(seg)}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

export function compareIssues(a: ContractIssue, b: ContractIssue): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.column !== b.column) return a.column - b.column;
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

export function hasErrors(issues: readonly ContractIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}
