// OPA's builtin declarations (`opa capabilities --current`) in the notation of compile/types.ts:
// `name: '(x: number) => y: number'`. Used by typecheck-decls.test.ts to check BUILTIN_TYPES in
// builtins/decls.ts against the real OPA, and run by hand to regenerate that table:
//   npx tsx test/policy/typecheck-decls.ts [path/to/opa]   (prints the table body)
import { spawnSync } from 'node:child_process';

interface JType {
  type: string;
  name?: string;
  of?: JType | JType[];
  static?: (JType | { key: unknown; value: JType })[];
  dynamic?: JType | { key: JType; value: JType };
  args?: JType[];
  result?: JType;
  variadic?: JType;
}

function typeNotation(t: JType | undefined): string {
  if (!t) return 'any';
  switch (t.type) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return t.type;
    case 'any': {
      const of = (t.of as JType[] | undefined) ?? [];
      return of.length ? `any<${of.map(typeNotation).join(', ')}>` : 'any';
    }
    case 'set':
      return `set[${typeNotation(t.of as JType)}]`;
    case 'array': {
      let s = 'array';
      if (t.static?.length) s += `<${(t.static as JType[]).map(typeNotation).join(', ')}>`;
      if (t.dynamic) s += `[${typeNotation(t.dynamic as JType)}]`;
      return s;
    }
    case 'object': {
      let s = 'object';
      const st = t.static as { key: unknown; value: JType }[] | undefined;
      if (st?.length) s += `<${st.map((p) => `${JSON.stringify(p.key)}: ${typeNotation(p.value)}`).join(', ')}>`;
      const d = t.dynamic as { key: JType; value: JType } | undefined;
      if (d) s += `[${typeNotation(d.key)}: ${typeNotation(d.value)}]`;
      return s;
    }
    default:
      throw new Error(`unknown type ${t.type}`);
  }
}

const label = (t: JType): string => (t.name ? `${t.name}: ` : '');

export function signatureNotation(decl: JType): string {
  const parts = (decl.args ?? []).map((a) => label(a) + typeNotation(a));
  if (decl.variadic) parts.push(typeNotation(decl.variadic) + '...');
  const res = decl.result ? label(decl.result) + typeNotation(decl.result) : 'void';
  return `(${parts.join(', ')}) => ${res}`;
}

/** name -> signature for every builtin the given opa binary declares. */
export function opaSignatures(opaPath: string): Map<string, string> {
  const r = spawnSync(opaPath, ['capabilities', '--current'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`opa capabilities failed: ${r.stderr}`);
  const caps = JSON.parse(r.stdout) as { builtins: { name: string; decl: JType }[] };
  return new Map(caps.builtins.map((b) => [b.name, signatureNotation(b.decl)]));
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const sigs = opaSignatures(process.argv[2] ?? 'opa');
  for (const [name, sig] of [...sigs].sort(([a], [b]) => (a < b ? -1 : 1))) console.log(`  ${JSON.stringify(name)}: ${JSON.stringify(sig)},`);
}
