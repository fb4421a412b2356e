// Ported from vektah/gqlparser v2.5.64, Copyright (c) 2018 Adam Scarr, MIT licence (THIRD_PARTY_NOTICES.md).
// A port of gqlparser v2.5.64's query validator (validator/core/walk.go and the 27 default rules of
// validator/rules, run in the order of their names as OPA's ValidateWithRules runs them): every
// problem of a query against a schema as gqlparser loaded it (graphql-schema.ts), in gqlparser's
// words, positions and order. Like the Go walker, it annotates the query's nodes as it goes
// (Definition, ObjectDefinition, ExpectedType, …); callers take the policy-visible AST before.
import { POSITIONS } from './graphql-gqlparser.js';
import { selectionKind } from './graphql-decode.js';
import { arr, forName, isCompatible, str, typeName, typeString, type LoadedSchema } from './graphql-schema.js';
import { grown, step } from './graphql-budget.js';

type Obj = Record<string, unknown>;
interface Pos { line: number; column: number }

/** One problem: gqlparser's message and its locations (the first is the one reported). */
export interface GqlProblem {
  message: string;
  locations: Pos[];
}


const isLeaf = (d: Obj): boolean => d.Kind === 'ENUM' || d.Kind === 'SCALAR';
const isAbstract = (d: Obj): boolean => d.Kind === 'INTERFACE' || d.Kind === 'UNION';
const isComposite = (d: Obj): boolean => d.Kind === 'OBJECT' || d.Kind === 'INTERFACE' || d.Kind === 'UNION';
const isInput = (d: Obj): boolean => d.Kind === 'SCALAR' || d.Kind === 'ENUM' || d.Kind === 'INPUT_OBJECT';

type SelKind = 'Field' | 'FragmentSpread' | 'InlineFragment';
function kindOf(s: Obj): SelKind {
  return selectionKind.get(s) ?? ('Alias' in s ? 'Field' : 'TypeCondition' in s ? 'InlineFragment' : 'FragmentSpread');
}

/** ast.Value.String(). */
function valueString(v: Obj | null | undefined): string {
  if (!v) return '<nil>';
  const raw = str(v.Raw);
  switch (v.Kind) {
    case 0:
      return '$' + raw;
    case 3:
    case 4:
      return quoteString(raw);
    case 8:
      return '[' + arr(v.Children).map((c) => valueString(c.Value as Obj)).join(',') + ']';
    case 9:
      return '{' + arr(v.Children).map((c) => `${str(c.Name)}:${valueString(c.Value as Obj)}`).join(',') + '}';
    default:
      return raw;
  }
}

/** ast's quoteString (graphql-js's escaping of a string value). */
function quoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f)) out += '\\u00' + c.toString(16).toUpperCase().padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

// ---- suggestions (core/helpers.go)

function levenshtein(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  if (!s.length) return t.length;
  if (!t.length) return s.length;
  let prev = Array.from({ length: t.length + 1 }, (_, i) => i);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[t.length]!;
}

function lexicalDistance(a: string, b: string): number {
  if (a === b) return 0;
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la === lb) return 1;
  return levenshtein(la, lb);
}

function suggestionList(input: string, options: string[]): string[] {
  const threshold = Math.max(Math.floor(Buffer.byteLength(input) * 0.4) + 1, 1);
  const dist = new Map<string, number>();
  const results: string[] = [];
  for (const o of options) {
    const d = lexicalDistance(input, o);
    if (d <= threshold) {
      results.push(o);
      dist.set(o, d);
    }
  }
  return results.sort((x, y) => dist.get(x)! - dist.get(y)!);
}

function orList(items: string[]): string {
  items = items.slice(0, 5);
  if (items.length === 2) return `${items[0]} or ${items[1]}`;
  return items.map((it, i) => (i === 0 ? '' : i === items.length - 1 ? ', or ' : ', ') + it).join('');
}

const quotedOrList = (items: string[]): string => orList(items.map((i) => `"${i}"`));

function suggestQuoted(prefix: string, typed: string, options: string[]): string {
  const s = suggestionList(typed, options);
  return s.length ? ` ${prefix} ${quotedOrList(s)}?` : '';
}

function suggestUnquoted(prefix: string, typed: string, options: string[]): string {
  const s = suggestionList(typed, options);
  return s.length ? ` ${prefix} ${orList(s)}?` : '';
}

// ---- the walker (core/walk.go)

interface Events {
  operation: ((w: Walker, op: Obj) => void)[];
  field: ((w: Walker, f: Obj) => void)[];
  fragment: ((w: Walker, f: Obj) => void)[];
  inlineFragment: ((w: Walker, f: Obj) => void)[];
  fragmentSpread: ((w: Walker, f: Obj) => void)[];
  directive: ((w: Walker, d: Obj) => void)[];
  directiveList: ((w: Walker, ds: Obj[]) => void)[];
  value: ((w: Walker, v: Obj) => void)[];
  variable: ((w: Walker, v: Obj) => void)[];
}

interface SchemaView extends LoadedSchema {
  possibleTypes: Map<string, Obj[]>;
}

class Walker {
  currentOperation: Obj | undefined;
  private fragments = new Map<string, Obj>();
  private validatedSpreads = new Set<string>();

  constructor(
    readonly schema: SchemaView,
    readonly doc: Obj,
    private readonly on: Events,
  ) {}

  walk(): void {
    for (const f of arr(this.doc.Fragments)) if (!this.fragments.has(str(f.Name))) this.fragments.set(str(f.Name), f);
    for (const op of arr(this.doc.Operations)) {
      this.validatedSpreads = new Set();
      this.walkOperation(op);
    }
    for (const f of arr(this.doc.Fragments)) {
      this.validatedSpreads = new Set();
      this.walkFragment(f);
    }
  }

  private walkOperation(op: Obj): void {
    this.currentOperation = op;
    for (const vd of arr(op.VariableDefinitions)) {
      vd.Definition = this.schema.types.get(typeName(vd.Type as Obj)) ?? null;
      for (const f of this.on.variable) f(this, vd);
      if (vd.DefaultValue) {
        (vd.DefaultValue as Obj).ExpectedType = vd.Type;
        (vd.DefaultValue as Obj).Definition = this.schema.types.get(typeName(vd.Type as Obj)) ?? null;
      }
    }
    let def: Obj | undefined;
    let loc = '';
    switch (op.Operation) {
      case 'query':
      case '':
        def = this.schema.query;
        loc = 'QUERY';
        break;
      case 'mutation':
        def = this.schema.mutation;
        loc = 'MUTATION';
        break;
      case 'subscription':
        def = this.schema.subscription;
        loc = 'SUBSCRIPTION';
        break;
    }
    for (const vd of arr(op.VariableDefinitions)) {
      if (vd.DefaultValue) this.walkValue(vd.DefaultValue as Obj);
      this.walkDirectives((vd.Definition as Obj | null) ?? undefined, arr(vd.Directives), 'VARIABLE_DEFINITION');
    }
    this.walkDirectives(def, arr(op.Directives), loc);
    this.walkSelectionSet(def, arr(op.SelectionSet));
    for (const f of this.on.operation) f(this, op);
    this.currentOperation = undefined;
  }

  private walkFragment(it: Obj): void {
    const def = this.schema.types.get(str(it.TypeCondition));
    it.Definition = def ?? null;
    this.walkDirectives(def, arr(it.Directives), 'FRAGMENT_DEFINITION');
    this.walkSelectionSet(def, arr(it.SelectionSet));
    for (const f of this.on.fragment) f(this, it);
  }

  private walkDirectives(parent: Obj | undefined, dirs: Obj[], location: string): void {
    for (const dir of dirs) {
      const def = this.schema.directives.get(str(dir.Name));
      dir.Definition = def ?? null;
      dir.ParentDefinition = parent ?? null;
      dir.Location = location;
      for (const arg of arr(dir.Arguments)) this.walkArgument(def ? forName(def.Arguments, str(arg.Name)) : undefined, arg);
      for (const f of this.on.directive) f(this, dir);
    }
    for (const f of this.on.directiveList) f(this, dirs);
  }

  private walkValue(value: Obj): void {
    step();
    if (value.Kind === 0 && this.currentOperation) {
      const vd = forVariable(this.currentOperation, str(value.Raw));
      value.VariableDefinition = vd ?? null;
      if (vd) vd.Used = true;
    }
    if (value.Kind === 9) {
      for (const child of arr(value.Children)) {
        const cv = child.Value as Obj;
        if (value.Definition) {
          const fd = forName((value.Definition as Obj).Fields, str(child.Name));
          if (fd) {
            cv.ExpectedType = fd.Type;
            cv.ExpectedTypeHasDefault = !!fd.DefaultValue && (fd.DefaultValue as Obj).Kind !== 6;
            cv.Definition = this.schema.types.get(typeName(fd.Type as Obj)) ?? null;
          }
        }
        this.walkValue(cv);
      }
    }
    if (value.Kind === 8) {
      for (const child of arr(value.Children)) {
        const cv = child.Value as Obj;
        const et = value.ExpectedType as Obj | null;
        if (et && et.Elem) {
          cv.ExpectedType = et.Elem;
          cv.Definition = value.Definition;
        }
        this.walkValue(cv);
      }
    }
    for (const f of this.on.value) f(this, value);
  }

  private walkArgument(argDef: Obj | undefined, arg: Obj): void {
    const v = arg.Value as Obj;
    if (argDef) {
      v.ExpectedType = argDef.Type;
      v.ExpectedTypeHasDefault = !!argDef.DefaultValue && (argDef.DefaultValue as Obj).Kind !== 6;
      v.Definition = this.schema.types.get(typeName(argDef.Type as Obj)) ?? null;
    }
    this.walkValue(v);
  }

  private walkSelectionSet(parent: Obj | undefined, set: Obj[]): void {
    for (const child of set) this.walkSelection(parent, child);
  }

  private walkSelection(parent: Obj | undefined, it: Obj): void {
    step();
    switch (kindOf(it)) {
      case 'Field': {
        let def: Obj | undefined;
        if (it.Name === '__typename') def = { Name: '__typename', Type: { NamedType: 'String', Elem: null, NonNull: false }, Arguments: null };
        else if (parent) def = forName(parent.Fields, str(it.Name));
        it.Definition = def ?? null;
        it.ObjectDefinition = parent ?? null;
        const next = def ? this.schema.types.get(typeName(def.Type as Obj)) : undefined;
        for (const arg of arr(it.Arguments)) this.walkArgument(def ? forName(def.Arguments, str(arg.Name)) : undefined, arg);
        this.walkDirectives(next, arr(it.Directives), 'FIELD');
        this.walkSelectionSet(next, arr(it.SelectionSet));
        for (const f of this.on.field) f(this, it);
        break;
      }
      case 'InlineFragment': {
        it.ObjectDefinition = parent ?? null;
        const next = str(it.TypeCondition) !== '' ? this.schema.types.get(str(it.TypeCondition)) : parent;
        this.walkDirectives(next, arr(it.Directives), 'INLINE_FRAGMENT');
        this.walkSelectionSet(next, arr(it.SelectionSet));
        for (const f of this.on.inlineFragment) f(this, it);
        break;
      }
      case 'FragmentSpread': {
        const def = this.fragments.get(str(it.Name));
        it.Definition = def ?? null;
        it.ObjectDefinition = parent ?? null;
        const next = def ? this.schema.types.get(str(def.TypeCondition)) : undefined;
        this.walkDirectives(next, arr(it.Directives), 'FRAGMENT_SPREAD');
        if (def && !this.validatedSpreads.has(str(def.Name))) {
          this.validatedSpreads.add(str(def.Name));
          this.walkDirectives(next, arr(def.Directives), 'FRAGMENT_DEFINITION');
          this.walkSelectionSet(next, arr(def.SelectionSet));
        }
        for (const f of this.on.fragmentSpread) f(this, it);
        break;
      }
    }
  }
}

function forVariable(op: Obj, name: string): Obj | undefined {
  for (const v of arr(op.VariableDefinitions)) {
    step();
    if (v.Variable === name) return v;
  }
  return undefined;
}

// ---- the rules (validator/rules/*.go)

type AddError = (message: string, ...at: unknown[]) => void;
type RuleFn = (on: Events, addError: AddError) => void;

const RULES: Record<string, RuleFn> = {
  FieldsOnCorrectType: (on, addError) => {
    on.field.push((w, field) => {
      const od = field.ObjectDefinition as Obj | null;
      if (!od || field.Definition) return;
      let message = `Cannot query field "${str(field.Name)}" on type "${str(od.Name)}".`;
      const types = suggestedTypeNames(w, od, str(field.Name));
      if (types) message += ' Did you mean to use an inline fragment on ' + quotedOrList(types) + '?';
      else {
        const fields = od.Kind === 'OBJECT' || od.Kind === 'INTERFACE' ? suggestionList(str(field.Name), arr(od.Fields).map((f) => str(f.Name))) : undefined;
        if (fields && fields.length) message += ' Did you mean ' + quotedOrList(fields) + '?';
      }
      addError(message, field);
    });
  },
  FragmentsOnCompositeTypes: (on, addError) => {
    on.inlineFragment.push((w, f) => {
      const t = w.schema.types.get(str(f.TypeCondition));
      if (!t || isComposite(t)) return;
      addError(`Fragment cannot condition on non composite type "${str(f.TypeCondition)}".`, f);
    });
    on.fragment.push((w, f) => {
      const d = f.Definition as Obj | null;
      if (!d || str(f.TypeCondition) === '' || isComposite(d)) return;
      addError(`Fragment "${str(f.Name)}" cannot condition on non composite type "${str(f.TypeCondition)}".`, f);
    });
  },
  KnownArgumentNames: (on, addError) => {
    on.field.push((w, field) => {
      const def = field.Definition as Obj | null;
      if (!def || !field.ObjectDefinition) return;
      for (const arg of arr(field.Arguments)) {
        if (forName(def.Arguments, str(arg.Name))) continue;
        const suggestions = arr(def.Arguments).map((a) => str(a.Name));
        addError(`Unknown argument "${str(arg.Name)}" on field "${str((field.ObjectDefinition as Obj).Name)}.${str(field.Name)}".` + suggestQuoted('Did you mean', str(arg.Name), suggestions), field);
      }
    });
    on.directive.push((w, dir) => {
      const def = dir.Definition as Obj | null;
      if (!def) return;
      for (const arg of arr(dir.Arguments)) {
        if (forName(def.Arguments, str(arg.Name))) continue;
        const suggestions = arr(def.Arguments).map((a) => str(a.Name));
        addError(`Unknown argument "${str(arg.Name)}" on directive "@${str(dir.Name)}".` + suggestQuoted('Did you mean', str(arg.Name), suggestions), dir);
      }
    });
  },
  KnownDirectives: (on, addError) => {
    const seen = new Set<string>();
    on.directive.push((w, dir) => {
      const def = dir.Definition as Obj | null;
      if (!def) {
        addError(`Unknown directive "@${str(dir.Name)}".`, dir);
        return;
      }
      if (arr(def.Locations).includes(dir.Location as unknown as Obj)) return;
      const p = POSITIONS.get(dir);
      const key = `${str(dir.Name)}\u0000${p?.line ?? 0}\u0000${p?.column ?? 0}`;
      if (!seen.has(key)) {
        addError(`Directive "@${str(dir.Name)}" may not be used on ${str(dir.Location)}.`, dir);
        seen.add(key);
      }
    });
  },
  KnownFragmentNames: (on, addError) => {
    on.fragmentSpread.push((w, s) => {
      if (!s.Definition) addError(`Unknown fragment "${str(s.Name)}".`, s);
    });
  },
  KnownRootType: (on, addError) => {
    on.operation.push((w, op) => {
      const def = op.Operation === 'mutation' ? w.schema.mutation : op.Operation === 'subscription' ? w.schema.subscription : w.schema.query;
      if (!def) addError(`Schema does not support operation type "${str(op.Operation)}"`, op);
    });
  },
  KnownTypeNames: (on, addError) => {
    on.variable.push((w, v) => {
      const name = typeName(v.Type as Obj);
      if (!w.schema.types.has(name)) addError(`Unknown type "${name}".`, v);
    });
    on.inlineFragment.push((w, f) => {
      const name = str(f.TypeCondition);
      if (name === '' || w.schema.types.has(name)) return;
      addError(`Unknown type "${name}".`, f);
    });
    on.fragment.push((w, f) => {
      const name = str(f.TypeCondition);
      if (w.schema.types.has(name)) return;
      addError(`Unknown type "${name}".` + suggestQuoted('Did you mean', name, [...w.schema.types.values()].map((t) => str(t.Name))), f);
    });
  },
  LoneAnonymousOperation: (on, addError) => {
    on.operation.push((w, op) => {
      if (str(op.Name) === '' && arr(w.doc.Operations).length > 1) addError('This anonymous operation must be the only defined operation.', op);
    });
  },
  MaxIntrospectionDepth: (on, addError) => {
    const visiting = new Map<string, number>();
    const memo = new Map<string, boolean>();
    const checkSet = (set: Obj[], depth: number): boolean => {
      for (const child of set) {
        const k = kindOf(child);
        if (k === 'Field' && checkField(child, depth)) return true;
        if (k === 'FragmentSpread' && checkSpread(child, depth)) return true;
        if (k === 'InlineFragment' && checkSet(arr(child.SelectionSet), depth)) return true;
      }
      return false;
    };
    const checkField = (field: Obj, depth: number): boolean => {
      if (['fields', 'interfaces', 'possibleTypes', 'inputFields'].includes(str(field.Name))) {
        depth++;
        if (depth >= 3) return true;
      }
      return checkSet(arr(field.SelectionSet), depth);
    };
    const checkSpread = (spread: Obj, depth: number): boolean => {
      const name = str(spread.Name);
      const entry = visiting.get(name);
      if (entry !== undefined) return depth > entry;
      const fragment = spread.Definition as Obj | null;
      if (!fragment) return false;
      const key = `${name}\u0000${depth}`;
      const m = memo.get(key);
      if (m !== undefined) return m;
      visiting.set(name, depth);
      try {
        const exceeded = checkSet(arr(fragment.SelectionSet), depth);
        memo.set(key, exceeded);
        return exceeded;
      } finally {
        visiting.delete(name);
      }
    };
    on.field.push((w, field) => {
      if ((field.Name === '__schema' || field.Name === '__type') && checkField(field, 0)) addError('Maximum introspection depth exceeded', field);
    });
  },
  NoFragmentCycles: (on, addError) => {
    const visited = new Set<string>();
    on.fragment.push((w, fragment) => {
      const spreadPath: Obj[] = [];
      const indexByName = new Map<string, number>();
      const recursive = (frag: Obj): void => {
        if (visited.has(str(frag.Name))) return;
        visited.add(str(frag.Name));
        const spreads = fragmentSpreads(arr(frag.SelectionSet));
        if (!spreads.length) return;
        indexByName.set(str(frag.Name), spreadPath.length);
        for (const spread of spreads) {
          const name = str(spread.Name);
          const cycle = indexByName.get(name);
          spreadPath.push(spread);
          if (cycle === undefined) {
            const sf = forName(w.doc.Fragments, name);
            if (sf) recursive(sf);
          } else {
            const names = spreadPath.slice(cycle, spreadPath.length - 1).map((s) => `"${str(s.Name)}"`);
            addError(`Cannot spread fragment "${name}" within itself${names.length ? ` via ${names.join(', ')}` : ''}.`, spread);
          }
          spreadPath.pop();
        }
        indexByName.delete(str(frag.Name));
      };
      recursive(fragment);
    });
  },
  NoUndefinedVariables: (on, addError) => {
    on.value.push((w, v) => {
      if (!w.currentOperation || v.Kind !== 0 || v.VariableDefinition) return;
      const op = str(w.currentOperation.Name);
      addError(op !== '' ? `Variable "${valueString(v)}" is not defined by operation "${op}".` : `Variable "${valueString(v)}" is not defined.`, v);
    });
  },
  NoUnusedFragments: (on, addError) => {
    let inFragmentDefinition = false;
    const used = new Set<string>();
    on.fragmentSpread.push((w, s) => {
      if (!inFragmentDefinition) used.add(str(s.Name));
    });
    on.fragment.push((w, f) => {
      inFragmentDefinition = true;
      if (!used.has(str(f.Name))) addError(`Fragment "${str(f.Name)}" is never used.`, f);
    });
  },
  NoUnusedVariables: (on, addError) => {
    on.operation.push((w, op) => {
      for (const vd of arr(op.VariableDefinitions)) {
        if (vd.Used) continue;
        addError(str(op.Name) !== '' ? `Variable "$${str(vd.Variable)}" is never used in operation "${str(op.Name)}".` : `Variable "$${str(vd.Variable)}" is never used.`, vd);
      }
    });
  },
  OverlappingFieldsCanBeMerged: (on, addError) => {
    const m = new Overlapping();
    const report = (w: Walker, set: unknown): void => {
      m.walker = w;
      for (const c of m.findConflictsWithin(arr(set))) addError(`Fields "${c.responseName}" conflict because ${conflictText(c)}. Use different aliases on the fields to fetch both if this was intentional.`, c.at);
    };
    on.operation.push((w, op) => report(w, op.SelectionSet));
    on.field.push((w, f) => {
      if (w.currentOperation) report(w, f.SelectionSet);
    });
    on.inlineFragment.push((w, f) => report(w, f.SelectionSet));
    on.fragment.push((w, f) => report(w, f.SelectionSet));
  },
  PossibleFragmentSpreads: (on, addError) => {
    const check = (w: Walker, parent: Obj | null, fragmentName: string, emit: () => void): void => {
      if (!parent) return;
      let parents: Obj[];
      if (parent.Kind === 'OBJECT') parents = [parent];
      else if (parent.Kind === 'INTERFACE' || parent.Kind === 'UNION') parents = w.schema.possibleTypes.get(str(parent.Name)) ?? [];
      else return;
      const fragType = w.schema.types.get(fragmentName);
      if (!fragType || !isComposite(fragType)) return;
      for (const fd of w.schema.possibleTypes.get(str(fragType.Name)) ?? []) for (const p of parents) if (p && fd && p.Name === fd.Name) return;
      emit();
    };
    on.inlineFragment.push((w, f) => {
      const od = f.ObjectDefinition as Obj | null;
      check(w, od, str(f.TypeCondition), () => addError(`Fragment cannot be spread here as objects of type "${str(od!.Name)}" can never be of type "${str(f.TypeCondition)}".`, f));
    });
    on.fragmentSpread.push((w, s) => {
      const def = s.Definition as Obj | null;
      if (!def) return;
      const od = s.ObjectDefinition as Obj | null;
      check(w, od, str(def.TypeCondition), () => addError(`Fragment "${str(s.Name)}" cannot be spread here as objects of type "${str(od!.Name)}" can never be of type "${str(def.TypeCondition)}".`, s));
    });
  },
  ProvidedRequiredArguments: (on, addError) => {
    on.field.push((w, field) => {
      const def = field.Definition as Obj | null;
      if (!def) return;
      for (const ad of arr(def.Arguments)) {
        if (!(ad.Type as Obj).NonNull || ad.DefaultValue) continue;
        if (arr(field.Arguments).some((a) => a.Name === ad.Name)) continue;
        addError(`Field "${str(field.Name)}" argument "${str(ad.Name)}" of type "${typeString(ad.Type as Obj)}" is required, but it was not provided.`, field);
      }
    });
    on.directive.push((w, dir) => {
      const def = dir.Definition as Obj | null;
      if (!def) return;
      for (const ad of arr(def.Arguments)) {
        if (!(ad.Type as Obj).NonNull || ad.DefaultValue) continue;
        if (arr(dir.Arguments).some((a) => a.Name === ad.Name)) continue;
        addError(`Directive "@${str(def.Name)}" argument "${str(ad.Name)}" of type "${typeString(ad.Type as Obj)}" is required, but it was not provided.`, dir);
      }
    });
  },
  ScalarLeafs: (on, addError) => {
    on.field.push((w, field) => {
      const def = field.Definition as Obj | null;
      if (!def) return;
      const ft = w.schema.types.get(typeName(def.Type as Obj));
      if (!ft) return;
      const hasSel = arr(field.SelectionSet).length > 0;
      if (isLeaf(ft) && hasSel) addError(`Field "${str(field.Name)}" must not have a selection since type "${str(ft.Name)}" has no subfields.`, field);
      if (!isLeaf(ft) && !hasSel) addError(`Field "${str(field.Name)}" of type "${typeString(def.Type as Obj)}" must have a selection of subfields. Did you mean "${str(field.Name)} { ... }"?`, field);
    });
  },
  SingleFieldSubscriptions: (on, addError) => {
    on.operation.push((w, op) => {
      if (!w.schema.subscription || op.Operation !== 'subscription') return;
      const fields: { name: string; at: Obj }[] = [];
      const inFragment = new Set<string>();
      const walk = (set: Obj[]): void => {
        for (const sel of set) {
          const k = kindOf(sel);
          if (k === 'Field') fields.push({ name: str(sel.Name), at: sel });
          else if (k === 'InlineFragment') walk(arr(sel.SelectionSet));
          else {
            const def = sel.Definition as Obj | null;
            if (!def) return;
            if (!inFragment.has(str(def.Name))) {
              inFragment.add(str(def.Name));
              walk(arr(def.SelectionSet));
            }
          }
        }
      };
      walk(arr(op.SelectionSet));
      const seen = new Set<string>();
      const unique = fields.filter((f) => {
        const first = !seen.has(f.name);
        seen.add(f.name);
        return first;
      });
      const name = str(op.Name) !== '' ? `Subscription ${JSON.stringify(str(op.Name))}` : 'Anonymous Subscription';
      if (unique.length > 1) addError(`${name} must select only one top level field.`, unique[1]!.at);
      for (const f of unique) if (f.name.startsWith('__')) addError(`${name} must not select an introspection top level field.`, f.at);
    });
  },
  UniqueArgumentNames: (on, addError) => {
    const check = (args: Obj[]): void => {
      const known = new Map<string, number>();
      for (const arg of args) {
        if (known.get(str(arg.Name)) === 1) addError(`There can be only one argument named "${str(arg.Name)}".`, arg);
        known.set(str(arg.Name), (known.get(str(arg.Name)) ?? 0) + 1);
      }
    };
    on.field.push((w, f) => check(arr(f.Arguments)));
    on.directive.push((w, d) => check(arr(d.Arguments)));
  },
  UniqueDirectivesPerLocation: (on, addError) => {
    on.directiveList.push((w, dirs) => {
      const seen = new Set<string>();
      for (const dir of dirs) {
        const def = dir.Definition as Obj | null;
        if ((!def || !def.IsRepeatable) && seen.has(str(dir.Name))) addError(`The directive "@${str(dir.Name)}" can only be used once at this location.`, dir);
        seen.add(str(dir.Name));
      }
    });
  },
  UniqueFragmentNames: (on, addError) => {
    const seen = new Set<string>();
    on.fragment.push((w, f) => {
      if (seen.has(str(f.Name))) addError(`There can be only one fragment named "${str(f.Name)}".`, f);
      seen.add(str(f.Name));
    });
  },
  UniqueInputFieldNames: (on, addError) => {
    on.value.push((w, v) => {
      if (v.Kind !== 9) return;
      const seen = new Set<string>();
      for (const field of arr(v.Children)) {
        if (seen.has(str(field.Name))) addError(`There can be only one input field named "${str(field.Name)}".`, field);
        seen.add(str(field.Name));
      }
    });
  },
  UniqueOperationNames: (on, addError) => {
    const seen = new Set<string>();
    on.operation.push((w, op) => {
      if (seen.has(str(op.Name))) addError(`There can be only one operation named "${str(op.Name)}".`, op);
      seen.add(str(op.Name));
    });
  },
  UniqueVariableNames: (on, addError) => {
    on.operation.push((w, op) => {
      const seen = new Map<string, number>();
      for (const vd of arr(op.VariableDefinitions)) {
        if (seen.get(str(vd.Variable)) === 1) addError(`There can be only one variable named "$${str(vd.Variable)}".`, vd);
        seen.set(str(vd.Variable), (seen.get(str(vd.Variable)) ?? 0) + 1);
      }
    });
  },
  ValuesOfCorrectType: (on, addError) => {
    on.value.push((w, value) => valuesOfCorrectType(value, addError));
  },
  VariablesAreInputTypes: (on, addError) => {
    on.operation.push((w, op) => {
      for (const vd of arr(op.VariableDefinitions)) {
        const d = vd.Definition as Obj | null;
        if (!d) continue;
        if (!isInput(d)) addError(`Variable "$${str(vd.Variable)}" cannot be non-input type "${typeString(vd.Type as Obj)}".`, vd);
      }
    });
  },
  VariablesInAllowedPosition: (on, addError) => {
    on.value.push((w, value) => {
      const et = value.ExpectedType as Obj | null;
      const vd = value.VariableDefinition as Obj | null;
      if (value.Kind !== 0 || !et || !vd || !w.currentOperation) return;
      const tmp = { ...et };
      if (vd.DefaultValue && (vd.DefaultValue as Obj).Kind !== 6 && et.NonNull) tmp.NonNull = false;
      if (value.ExpectedTypeHasDefault) tmp.NonNull = false;
      if (!isCompatible(vd.Type as Obj, tmp)) {
        addError(`Variable "${valueString(value)}" of type "${typeString(vd.Type as Obj)}" used in position expecting type "${typeString(et)}".`, value);
      }
    });
    on.value.push((w, value) => {
      const def = value.Definition as Obj | null;
      if (value.Kind !== 9 || !def) return;
      if (!forName(def.Directives, 'oneOf')) return;
      for (const child of arr(value.Children)) {
        const fv = child.Value as Obj | null;
        if (!fv || fv.Kind !== 0 || !fv.VariableDefinition) continue;
        const vd = fv.VariableDefinition as Obj;
        if (!(vd.Type as Obj).NonNull) {
          addError(`Variable "${valueString(fv)}" is of type "${typeString(vd.Type as Obj)}" but must be non-nullable to be used for OneOf Input Object "${str(def.Name)}".`, vd, fv);
        }
      }
    });
  },
};

function suggestedTypeNames(w: Walker, parent: Obj, name: string): string[] | undefined {
  if (!isAbstract(parent)) return undefined;
  const possible = w.schema.possibleTypes.get(str(parent.Name)) ?? [];
  const objects: string[] = [];
  const interfaces: string[] = [];
  const usage = new Map<string, number>();
  for (const pt of possible) {
    if (!pt || !forName(pt.Fields, name)) continue;
    objects.push(str(pt.Name));
    for (const pi of (pt.Interfaces as string[] | null) ?? []) {
      const it = w.schema.types.get(pi);
      if (it && forName(it.Fields, name)) {
        if (!usage.get(pi)) interfaces.push(pi);
        usage.set(pi, (usage.get(pi) ?? 0) + 1);
      }
    }
  }
  const all = [...interfaces, ...objects];
  // (Go's append of nothing to a nil slice stays nil: no suggestion at all)
  if (!all.length) return undefined;
  // stable: usage count descending, then name
  return all
    .map((t, i) => ({ t, i }))
    .sort((a, b) => {
      const diff = (usage.get(b.t) ?? 0) - (usage.get(a.t) ?? 0);
      if (diff !== 0) return diff;
      return a.t < b.t ? -1 : a.t > b.t ? 1 : a.i - b.i;
    })
    .map((x) => x.t);
}

function fragmentSpreads(set: Obj[]): Obj[] {
  const spreads: Obj[] = [];
  const toVisit: Obj[][] = [set];
  while (toVisit.length) {
    const s = toVisit.pop()!;
    for (const sel of s) {
      const k = kindOf(sel);
      if (k === 'FragmentSpread') spreads.push(sel);
      else toVisit.push(arr(sel.SelectionSet));
    }
  }
  return spreads;
}

// ValuesOfCorrectType

/** ast.Value.Value(nil): whether converting the literal fails (an integer or float out of range). */
function valueFails(v: Obj | null | undefined): boolean {
  if (!v) return false;
  switch (v.Kind) {
    case 0:
      return valueFails((v.VariableDefinition as Obj | null)?.DefaultValue as Obj | null);
    case 1:
      return !goParseInt(str(v.Raw), 64).ok;
    case 2:
      return !goParseFloatOK(str(v.Raw));
    case 8:
    case 9:
      return arr(v.Children).some((c) => valueFails(c.Value as Obj));
    default:
      return false;
  }
}

/** strconv.ParseInt(s, 10, bits): ok, or the error's kind. */
function goParseInt(s: string, bits: 32 | 64): { ok: boolean; range?: boolean } {
  if (!/^[+-]?[0-9]+$/.test(s)) return { ok: false, range: false };
  const n = BigInt(s);
  const lim = 1n << BigInt(bits - 1);
  if (n < -lim || n >= lim) return { ok: false, range: true };
  return { ok: true };
}

/** strconv.ParseFloat(s, 64) without error: an error only beyond the float range (underflow is 0, no error). */
function goParseFloatOK(s: string): boolean {
  return Number.isFinite(Number(s));
}

function unexpectedTypeMessage(v: Obj): string {
  const et = typeString(v.ExpectedType as Obj);
  switch (et) {
    case 'Int':
    case 'Int!': {
      const r = goParseInt(str(v.Raw), 32);
      if (!r.ok && r.range) return `Int cannot represent non 32-bit signed integer value: ${valueString(v)}`;
      return `Int cannot represent non-integer value: ${valueString(v)}`;
    }
    case 'String':
    case 'String!':
    case '[String]':
      return `String cannot represent a non string value: ${valueString(v)}`;
    case 'Boolean':
    case 'Boolean!':
      return `Boolean cannot represent a non boolean value: ${valueString(v)}`;
    case 'Float':
    case 'Float!':
      return `Float cannot represent non numeric value: ${valueString(v)}`;
    case 'ID':
    case 'ID!':
      return `ID cannot represent a non-string and non-integer value: ${valueString(v)}`;
    default:
      if ((v.Definition as Obj).Kind === 'ENUM') return `Enum "${et}" cannot represent non-enum value: ${valueString(v)}.`;
      return `Expected value of type "${et}", found ${valueString(v)}.`;
  }
}

function valuesOfCorrectType(value: Obj, addError: AddError): void {
  const def = value.Definition as Obj | null;
  const et = value.ExpectedType as Obj | null;
  if (!def || !et) return;
  if (value.Kind === 6 && et.NonNull) addError(`Expected value of type "${typeString(et)}", found ${valueString(value)}.`, value);
  if (def.Kind === 'SCALAR' && !['Int', 'Float', 'String', 'Boolean', 'ID'].includes(str(def.Name))) return;
  const enums = def.Kind === 'ENUM' ? arr(def.EnumValues).map((e) => str(e.Name)) : [];
  if (valueFails(value)) addError(unexpectedTypeMessage(value), value);
  const oneOf = (...names: string[]): boolean => names.includes(str(def.Name));
  const raw = str(value.Raw);
  switch (value.Kind) {
    case 6:
      return;
    case 8:
      if (!et.Elem) addError(unexpectedTypeMessage(value), value);
      return;
    case 1:
      if (!oneOf('Int', 'Float', 'ID')) addError(unexpectedTypeMessage(value), value);
      return;
    case 2:
      if (!oneOf('Float')) addError(unexpectedTypeMessage(value), value);
      return;
    case 3:
    case 4:
      if (def.Kind === 'ENUM') addError(`Enum "${typeString(et)}" cannot represent non-enum value: ${valueString(value)}.` + suggestQuoted('Did you mean the enum value', raw, enums), value);
      else if (!oneOf('String', 'ID')) addError(unexpectedTypeMessage(value), value);
      return;
    case 7:
      if (def.Kind !== 'ENUM') addError(unexpectedTypeMessage(value) + suggestUnquoted('Did you mean the enum value', raw, enums), value);
      else if (!forName(def.EnumValues, raw)) addError(`Value "${valueString(value)}" does not exist in "${typeString(et)}" enum.` + suggestQuoted('Did you mean the enum value', raw, enums), value);
      return;
    case 5:
      if (!oneOf('Boolean')) addError(unexpectedTypeMessage(value), value);
      return;
    case 9: {
      const children = arr(value.Children);
      for (const field of arr(def.Fields)) {
        if ((field.Type as Obj).NonNull && !forName(children, str(field.Name)) && !field.DefaultValue) {
          addError(`Field "${str(def.Name)}.${str(field.Name)}" of required type "${typeString(field.Type as Obj)}" was not provided.`, value);
        }
      }
      for (const d of arr(def.Directives)) {
        if (d.Name !== 'oneOf') continue;
        if (children.length !== 1) {
          addError(`OneOf Input Object "${str(def.Name)}" must specify exactly one key.`, value);
          continue;
        }
        const fv = children[0]!.Value as Obj | null;
        if (!fv || fv.Kind === 6) addError(`Field "${str(def.Name)}.${str(arr(def.Fields)[0]?.Name)}" must be non-null.`, fv);
      }
      for (const fv of children) {
        if (forName(def.Fields, str(fv.Name))) continue;
        addError(`Field "${str(fv.Name)}" is not defined by type "${str(def.Name)}".` + suggestQuoted('Did you mean', str(fv.Name), arr(def.Fields).map((f) => str(f.Name))), fv);
      }
      return;
    }
    default:
      return;
  }
}

// OverlappingFieldsCanBeMerged

interface Conflict {
  responseName: string;
  message?: string;
  sub?: Conflict[];
  at: Obj;
}

function conflictText(c: Conflict): string {
  if (!c.sub || !c.sub.length) return c.message ?? '';
  return c.sub.map((s) => `subfields "${s.responseName}" conflict because ${conflictText(s)}`).join(' and ');
}

interface FieldsMap {
  seq: string[];
  data: Map<string, Obj[]>;
}

const EMPTY_SET_KEY = {};

class Overlapping {
  walker!: Walker;
  private comparedFieldsAndFragments = new Map<FieldsMap, Map<string, boolean>>();
  private comparedFragments = new Map<string, Map<string, boolean>>();
  private cache = new Map<unknown, { fields: FieldsMap; spreads: Obj[] }>();

  private static has<A>(m: Map<A, Map<string, boolean>>, a: A, b: string, exclusive: boolean): boolean {
    const bs = m.get(a);
    if (!bs || !bs.has(b)) return false;
    return exclusive ? true : !bs.get(b);
  }

  private static add<A>(m: Map<A, Map<string, boolean>>, a: A, b: string, exclusive: boolean): void {
    let bs = m.get(a);
    if (!bs) m.set(a, (bs = new Map()));
    bs.set(b, exclusive);
  }

  findConflictsWithin(set: Obj[]): Conflict[] {
    if (!set.length) return [];
    const { fields, spreads } = this.fieldsAndFragments(set);
    const conflicts: Conflict[] = [];
    this.collectWithin(conflicts, fields);
    spreads.forEach((a, i) => {
      this.collectBetweenFieldsAndFragment(conflicts, false, fields, a);
      for (const b of spreads.slice(i + 1)) this.collectBetweenFragments(conflicts, false, a, b);
    });
    return conflicts;
  }

  private collectBetweenFieldsAndFragment(conflicts: Conflict[], exclusive: boolean, fields: FieldsMap, spread: Obj): void {
    if (Overlapping.has(this.comparedFieldsAndFragments, fields, str(spread.Name), exclusive)) return;
    Overlapping.add(this.comparedFieldsAndFragments, fields, str(spread.Name), exclusive);
    const def = spread.Definition as Obj | null;
    if (!def) return;
    const b = this.fieldsAndFragments(arr(def.SelectionSet));
    if (fields === b.fields) return;
    this.collectBetween(conflicts, exclusive, fields, b.fields);
    for (const s of b.spreads) this.collectBetweenFieldsAndFragment(conflicts, exclusive, fields, s);
  }

  private collectBetweenFragments(conflicts: Conflict[], exclusive: boolean, a0: Obj, b0: Obj): void {
    const check = (a: Obj, b: Obj): void => {
      step();
      if (a.Name === b.Name) return;
      if (Overlapping.has(this.comparedFragments, str(a.Name), str(b.Name), exclusive)) return;
      Overlapping.add(this.comparedFragments, str(a.Name), str(b.Name), exclusive);
      Overlapping.add(this.comparedFragments, str(b.Name), str(a.Name), exclusive);
      const da = a.Definition as Obj | null;
      const db = b.Definition as Obj | null;
      if (!da || !db) return;
      const fa = this.fieldsAndFragments(arr(da.SelectionSet));
      const fb = this.fieldsAndFragments(arr(db.SelectionSet));
      this.collectBetween(conflicts, exclusive, fa.fields, fb.fields);
      for (const s of fb.spreads) check(a, s);
      for (const s of fa.spreads) check(s, b);
    };
    check(a0, b0);
  }

  private findBetweenSubSelectionSets(exclusive: boolean, setA: Obj[], setB: Obj[]): Conflict[] | undefined {
    const conflicts: Conflict[] = [];
    const a = this.fieldsAndFragments(setA);
    const b = this.fieldsAndFragments(setB);
    this.collectBetween(conflicts, exclusive, a.fields, b.fields);
    for (const s of b.spreads) this.collectBetweenFieldsAndFragment(conflicts, exclusive, a.fields, s);
    for (const s of a.spreads) this.collectBetweenFieldsAndFragment(conflicts, exclusive, b.fields, s);
    for (const sa of a.spreads) for (const sb of b.spreads) this.collectBetweenFragments(conflicts, exclusive, sa, sb);
    return conflicts.length ? conflicts : undefined;
  }

  private collectWithin(conflicts: Conflict[], fields: FieldsMap): void {
    for (const name of fields.seq) {
      const fs = fields.data.get(name)!;
      for (let i = 0; i < fs.length; i++) {
        for (let j = i + 1; j < fs.length; j++) {
          const c = this.findConflict(false, fs[i]!, fs[j]!);
          if (c) found(conflicts.push(c));
        }
      }
    }
  }

  private collectBetween(conflicts: Conflict[], exclusive: boolean, a: FieldsMap, b: FieldsMap): void {
    for (const name of a.seq) {
      const fb = b.data.get(name);
      if (!fb) continue;
      for (const fa of a.data.get(name)!) {
        for (const x of fb) {
          const c = this.findConflict(exclusive, fa, x);
          if (c) found(conflicts.push(c));
        }
      }
    }
  }

  private findConflict(parentExclusive: boolean, a: Obj, b: Obj): Conflict | undefined {
    step();
    const oa = a.ObjectDefinition as Obj | null;
    const ob = b.ObjectDefinition as Obj | null;
    if (!oa || !ob) return undefined;
    let exclusive = parentExclusive;
    if (!exclusive) exclusive = oa.Name !== ob.Name && oa.Kind === 'OBJECT' && ob.Kind === 'OBJECT' && !!a.Definition && !!b.Definition;
    const responseName = str(a.Alias) !== '' ? str(a.Alias) : str(a.Name);
    if (!exclusive) {
      if (a.Name !== b.Name) return { responseName, message: `"${str(a.Name)}" and "${str(b.Name)}" are different fields`, at: b };
      if (!sameArguments(arr(a.Arguments), arr(b.Arguments))) return { responseName, message: 'they have differing arguments', at: b };
    }
    const da = a.Definition as Obj | null;
    const db = b.Definition as Obj | null;
    if (da && db && this.typesConflict(da.Type as Obj, db.Type as Obj)) {
      return { responseName, message: `they return conflicting types "${typeString(da.Type as Obj)}" and "${typeString(db.Type as Obj)}"`, at: b };
    }
    const sub = this.findBetweenSubSelectionSets(exclusive, arr(a.SelectionSet), arr(b.SelectionSet));
    return sub ? { responseName, sub, at: b } : undefined;
  }

  private typesConflict(t1: Obj, t2: Obj): boolean {
    if (!!t1.NonNull !== !!t2.NonNull || !t1.Elem !== !t2.Elem) return true;
    if (t1.Elem) return this.typesConflict(t1.Elem as Obj, t2.Elem as Obj);
    const d1 = this.walker.schema.types.get(str(t1.NamedType))!;
    const d2 = this.walker.schema.types.get(str(t2.NamedType))!;
    if (isLeaf(d1) || isLeaf(d2)) return d1.Name !== d2.Name;
    return false;
  }

  private fieldsAndFragments(set: Obj[]): { fields: FieldsMap; spreads: Obj[] } {
    // gqlparser keys its cache by the selection set's first element and length: all empty sets share one entry
    const key = set.length ? set : EMPTY_SET_KEY;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const fields: FieldsMap = { seq: [], data: new Map() };
    const spreads: Obj[] = [];
    const walk = (s: Obj[]): void => {
      for (const sel of s) {
        const k = kindOf(sel);
        if (k === 'Field') {
          const rn = str(sel.Alias) !== '' ? str(sel.Alias) : str(sel.Name);
          const same = fields.data.get(rn);
          if (same) same.push(sel);
          else {
            fields.seq.push(rn);
            fields.data.set(rn, [sel]);
          }
        } else if (k === 'InlineFragment') walk(arr(sel.SelectionSet));
        else spreads.push(sel);
      }
    };
    walk(set);
    const entry = { fields, spreads };
    this.cache.set(key, entry);
    return entry;
  }
}

function sameArguments(a1: Obj[], a2: Obj[]): boolean {
  if (a1.length !== a2.length) return false;
  return a1.every((x) => a2.some((y) => x.Name === y.Name && sameValue(x.Value as Obj, y.Value as Obj)));
}

function sameValue(v1: Obj, v2: Obj): boolean {
  if (v1.Kind !== v2.Kind || v1.Raw !== v2.Raw) return false;
  let c1 = arr(v1.Children);
  let c2 = arr(v2.Children);
  if (c1.length !== c2.length) return false;
  if (v1.Kind === 9) {
    const byName = (a: Obj, b: Obj): number => (str(a.Name) < str(b.Name) ? -1 : str(a.Name) > str(b.Name) ? 1 : 0);
    c1 = [...c1].sort(byName);
    c2 = [...c2].sort(byName);
  }
  return c1.every((x, i) => x.Name === c2[i]!.Name && sameValue(x.Value as Obj, c2[i]!.Value as Obj));
}

/** Thrown at the first problem when only whether there is one matters (is_valid, parse_and_verify). */
const FIRST_PROBLEM = new Error('a first problem');
let stopAtFirst = false;

/**
 * A problem or a conflict (n so far in its list) was found: with stopAtFirst, that settles it (every
 * conflict found ends in a problem reported: findConflict passes sub-conflicts up to the rule, which
 * reports each); else the list is bounded (graphql-budget.ts).
 */
function found(n: number): void {
  if (stopAtFirst) throw FIRST_PROBLEM;
  grown(n);
}

/** Does the query have a problem against the schema? Stops at the first (a hostile query can have millions). */
export function hasProblems(schema: LoadedSchema & { possibleTypes: Map<string, Obj[]> }, doc: Obj): boolean {
  stopAtFirst = true;
  try {
    return validateQuery(schema, doc).length > 0;
  } catch (e) {
    if (e === FIRST_PROBLEM) return true;
    throw e;
  } finally {
    stopAtFirst = false;
  }
}

/** gqlparser's ValidateWithRules(schema, query, default rules): every problem, in its order. */
export function validateQuery(schema: LoadedSchema & { possibleTypes: Map<string, Obj[]> }, doc: Obj): GqlProblem[] {
  const problems: GqlProblem[] = [];
  const on: Events = { operation: [], field: [], fragment: [], inlineFragment: [], fragmentSpread: [], directive: [], directiveList: [], value: [], variable: [] };
  for (const name of Object.keys(RULES).sort()) {
    RULES[name]!(on, (message, ...at) => {
      const locations: Pos[] = [];
      for (const node of at) {
        const p = node && typeof node === 'object' ? POSITIONS.get(node) : undefined;
        if (p) locations.push(p);
      }
      found(problems.push({ message, locations }));
    });
  }
  new Walker(schema, doc, on).walk();
  return problems;
}
