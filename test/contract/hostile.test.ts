// Hostile input (issue 7): terminal-spoofing characters, files that are not files, nesting that would
// overflow the stack, and files with 100,000 errors. Each gets one clear issue (or a capped list) with
// file:line:column, in time linear in the input, and never stops the other contracts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { formatIssue, loadContractText, loadContracts, validateCommand, type ContractIssue } from '../../src/contract/index.js';
import { MAX_ISSUES_PER_FILE } from '../../src/contract/issues.js';
import { compileCommand } from '../../src/compile/compile-command.js';
import { memoryIO } from '../../src/cli/io.js';
import { requireTool } from '../helpers/tools.js';

const tmp = mkdtempSync(join(tmpdir(), 'obligo-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const VALID = readFileSync(join(import.meta.dirname, '../fixtures/contracts/valid/minimal-provider.yaml'), 'utf8');
// Line 6 of the fixture is `  title: Minimal provider contract`: the value starts at column 10.
const TITLE_LINE = 6;
const TITLE_COL = 10;
expect(VALID.split('\n')[TITLE_LINE - 1]).toBe('  title: Minimal provider contract');
// (a function replacement: `$'` in a generated title must not be a replacement pattern)
const withTitle = (yamlValue: string) => VALID.replace('title: Minimal provider contract', () => `title: ${yamlValue}`);

async function validate(argv: string[]) {
  let out = '';
  let err = '';
  const code = await validateCommand(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err, lines: out.trimEnd().split('\n') };
}

/** Independent statement of the rule (code points, not the loader's regular expression). */
function unsafe(cp: number): boolean {
  if (cp < 0x20) return cp !== 0x09 && cp !== 0x0a && cp !== 0x0d;
  if (cp >= 0x7f && cp <= 0x9f) return true;
  return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

describe('control and bidirectional characters in contract text', () => {
  it('a raw ESC in a title: file:line:column of the character, field, message, expected', () => {
    const { contract, issues } = loadContractText('c.yaml', withTitle('Evil\x1b[2J contract'));
    expect(contract).toBeUndefined();
    expect(issues.map(formatIssue)).toEqual([
      `c.yaml:${TITLE_LINE}:${TITLE_COL + 4}: metadata.title: contains a control character U+001B (ESC) (expected printable text: no control characters (tab and line breaks are allowed) and no bidirectional overrides)`,
    ]);
  });

  it('every class is refused, written raw or as a YAML escape, in titles, names, reasons, ids and keys', () => {
    const cases: [string, number, string][] = [
      ['\x01', 0x01, 'a control character U+0001 (SOH)'],
      ['\x07', 0x07, 'a control character U+0007 (BEL)'],
      ['\x08', 0x08, 'a control character U+0008 (BS)'],
      ['\x0b', 0x0b, 'a control character U+000B (VT)'],
      ['\x0c', 0x0c, 'a control character U+000C (FF)'],
      ['\x1f', 0x1f, 'a control character U+001F (US)'],
      ['\x7f', 0x7f, 'a control character U+007F (DEL)'],
      ['\x85', 0x85, 'a C1 control character U+0085'],
      ['\x9b', 0x9b, 'a C1 control character U+009B'],
      ['\u202a', 0x202a, 'a bidirectional control U+202A (LEFT-TO-RIGHT EMBEDDING)'],
      ['\u202b', 0x202b, 'a bidirectional control U+202B (RIGHT-TO-LEFT EMBEDDING)'],
      ['\u202c', 0x202c, 'a bidirectional control U+202C (POP DIRECTIONAL FORMATTING)'],
      ['\u202d', 0x202d, 'a bidirectional control U+202D (LEFT-TO-RIGHT OVERRIDE)'],
      ['\u202e', 0x202e, 'a bidirectional control U+202E (RIGHT-TO-LEFT OVERRIDE)'],
      ['\u2066', 0x2066, 'a bidirectional control U+2066 (LEFT-TO-RIGHT ISOLATE)'],
      ['\u2067', 0x2067, 'a bidirectional control U+2067 (RIGHT-TO-LEFT ISOLATE)'],
      ['\u2068', 0x2068, 'a bidirectional control U+2068 (FIRST STRONG ISOLATE)'],
      ['\u2069', 0x2069, 'a bidirectional control U+2069 (POP DIRECTIONAL ISOLATE)'],
    ];
    for (const [ch, cp, what] of cases) {
      const esc = `\\u${cp.toString(16).padStart(4, '0')}`;
      const variants: [string, string, string, number, number][] = [
        // [description, text, path, line, column]
        ['raw title', withTitle(`Acme${ch}Corp`), 'metadata.title', TITLE_LINE, TITLE_COL + 4],
        ['escaped title', withTitle(`"Acme${esc}Corp"`), 'metadata.title', TITLE_LINE, TITLE_COL], // escapes: the scalar's start
        ['party name', VALID.replace('{ name: Example Corp }', `{ name: "Ex${esc}" }`), 'parties.vendor.name', 9, 19],
        ['maintenance reason', `${VALID}maintenance:\n  - { schedule: "0 2 * * 0", durationMinutes: 60, reason: "patch${esc}" }\n`, 'maintenance[0].reason', 26, 59],
        ['raw obligation title', `${VALID}obligations:\n  - { id: o, title: Renew${ch} }\n`, 'obligations[0].title', 26, 26],
        ['SLA id', VALID.replace('- id: availability', `- id: "avail${esc}"`), 'slas[0].id', 18, 9],
        ['label key', VALID.replace('title: Minimal provider contract', `title: t\n  labels: { "team${esc}": x }`), `metadata.labels[${JSON.stringify(`team${String.fromCodePoint(cp)}`)}]`, 7, 13],
      ];
      for (const [desc, text, path, line, column] of variants) {
        const { contract, issues } = loadContractText('c.yaml', text);
        const label = `${desc} with U+${cp.toString(16)}`;
        expect(contract, label).toBeUndefined();
        const hit = issues.filter((i) => /^(key )?contains /.test(i.message));
        expect(hit.map((i) => ({ path: i.path, line: i.line, column: i.column })), label).toEqual([{ path, line, column }]);
        expect(hit[0]!.message, label).toMatch(new RegExp(`^(key )?contains ${what.replace(/[()+]/g, '\\$&')}$`));
        // the printed line stays one line, with the character escaped
        const printed = formatIssue(hit[0]!);
        expect(printed.split('\n'), label).toHaveLength(1);
        for (const c of printed) expect(unsafe(c.codePointAt(0)!), `${label}: printed ${JSON.stringify(printed)}`).toBe(false);
      }
    }
  });

  it('tab, line feed and carriage return are text YAML allows: the contract stays valid', () => {
    for (const v of ['"Acme\\tCorp"', '"two\\nlines"', '"a\\rb"', '|\n    line one\n    line two']) {
      const r = loadContractText('c.yaml', withTitle(v));
      expect(r.issues.map(formatIssue), v).toEqual([]);
      expect(r.contract, v).toBeDefined();
    }
  });

  it('property: a title is refused exactly when it holds an unsafe code point (checked independently)', () => {
    const interesting = fc.constantFrom(0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1b, 0x1f, 0x20, 0x41, 0x7e, 0x7f, 0x80, 0x85, 0x9f, 0xa0, 0x200e, 0x2028, 0x2029, 0x202a, 0x202e, 0x202f, 0x2065, 0x2066, 0x2069, 0x206a, 0xe9, 0x1f600);
    fc.assert(
      fc.property(fc.array(fc.oneof(interesting, fc.integer({ min: 0x20, max: 0x7e })), { minLength: 1, maxLength: 12 }), (cps) => {
        if (cps.includes(0)) cps = cps.map((c) => (c === 0 ? 0x41 : c)); // NUL makes the whole file binary (its own check)
        const title = String.fromCodePoint(...cps);
        // JSON string syntax is YAML double-quoted syntax for these characters.
        const { contract, issues } = loadContractText('p.yaml', withTitle(JSON.stringify(title).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)));
        const first = cps.findIndex(unsafe);
        const control = issues.filter((i) => /^(key )?contains /.test(i.message));
        if (first < 0) {
          expect(control).toEqual([]);
          if (title.trim() !== '') expect(contract).toBeDefined();
        } else {
          expect(contract).toBeUndefined();
          expect(control).toHaveLength(1);
          expect(control[0]!.message).toContain(`U+${cps[first]!.toString(16).toUpperCase().padStart(4, '0')}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('file names are printed escaped: a hostile name cannot rewrite the terminal or add a line', async () => {
    const issue: ContractIssue = { file: 'evil\x1b[2J\n\u202e.yaml', line: 1, column: 1, path: '', message: 'm\r', severity: 'error' };
    expect(formatIssue(issue)).toBe('evil\\u001b[2J\\n\\u202e.yaml:1:1: m\\r');
    // on disk, through validate (text and JSON): JSON stays JSON and gives the name back exactly
    const dir = join(tmp, 'names');
    mkdirSync(dir, { recursive: true });
    const name = 'x\u202egpj.yaml';
    writeFileSync(join(dir, name), withTitle('"\\e"'));
    const text = await validate([dir]);
    expect(text.code).toBe(1);
    expect(text.lines[0]).toBe(`${dir}/x\\u202egpj.yaml:${TITLE_LINE}:${TITLE_COL}: metadata.title: contains a control character U+001B (ESC) (expected printable text: no control characters (tab and line breaks are allowed) and no bidirectional overrides)`);
    const json = await validate(['--format', 'json', dir]);
    expect(json.out).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u007f-\u009f]/);
    expect(json.out).toContain('x\\u202egpj.yaml');
    expect(JSON.parse(json.out).files).toEqual([join(dir, name)]);
  });
});

describe('a file with 100,000 errors', () => {
  const HEAD = VALID.slice(0, VALID.indexOf('slas:'));
  it(`lists the first ${MAX_ISSUES_PER_FILE} and counts the rest; validate's totals count all of them`, async () => {
    const n = 100_000;
    const text = `${HEAD}slas:\n${'  - 1\n'.repeat(n)}`;
    const first = HEAD.split('\n').length + 1; // line of the first `- 1`
    const { issues } = loadContractText('big.yaml', text);
    expect(issues).toHaveLength(MAX_ISSUES_PER_FILE + 1);
    issues.slice(0, MAX_ISSUES_PER_FILE).forEach((i, k) => expect(i).toMatchObject({ line: first + k, column: 5, path: `slas[${k}]`, message: 'wrong type' }));
    expect(issues.at(-1)).toEqual({
      file: 'big.yaml',
      line: first + MAX_ISSUES_PER_FILE,
      column: 5,
      path: '',
      message: `… and ${n - MAX_ISSUES_PER_FILE} more (${n - MAX_ISSUES_PER_FILE} errors) in this file; only the first ${MAX_ISSUES_PER_FILE} are listed`,
      severity: 'error',
      omitted: { errors: n - MAX_ISSUES_PER_FILE, warnings: 0 },
    });
    const path = join(tmp, 'big.yaml');
    writeFileSync(path, text);
    const r = await validate([path]);
    expect(r.lines).toHaveLength(MAX_ISSUES_PER_FILE + 2);
    expect(r.lines.at(-1)).toBe(`0 contracts valid, 1 invalid (${n} errors, 0 warnings)`);
    const j = JSON.parse((await validate(['--format', 'json', path])).out);
    expect(j.issues).toHaveLength(MAX_ISSUES_PER_FILE + 1);
    expect(j.summary).toEqual({ valid: 0, invalid: 1, errors: n, warnings: 0 });
  });

  // Shapes that were quadratic: a key looked up by scanning its mapping once per issue, yaml's
  // unique-key check (each key against all earlier ones), yaml's pretty errors (a copy of the whole
  // line per error), pairwise tier checks. bench/hostile-input.ts times them; here: complete, capped, right.
  it('100,000 unknown fields in one mapping: located by key (first one at its column)', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `k${i.toString(36)}: 1`);
    const prefix = 'obligations: [{id: o, title: t, ';
    const { issues } = loadContractText('u.yaml', `${VALID}${prefix}${keys.join(', ')}}]\n`);
    expect(issues).toHaveLength(MAX_ISSUES_PER_FILE + 1);
    expect(issues[0]).toMatchObject({ line: VALID.split('\n').length, column: prefix.length + 1, path: 'obligations[0].k0', message: 'unknown field' });
    expect(issues[1]).toMatchObject({ column: prefix.length + 1 + keys[0]!.length + 2, path: 'obligations[0].k1' });
    expect(issues.at(-1)!.omitted).toEqual({ errors: 100_000 - MAX_ISSUES_PER_FILE, warnings: 0 });
  });

  it('100,000 duplicate keys: "Map keys must be unique" at each repeated key', () => {
    const { issues } = loadContractText('d.yaml', `${VALID}x:\n${'  k: 1\n'.repeat(100_001)}`);
    const xLine = VALID.split('\n').length; // VALID ends with a newline: `x:` starts the next line
    // the first `k` is on xLine + 1; the first repeat, the first error, on xLine + 2
    expect(issues[0]).toMatchObject({ line: xLine + 2, column: 3, path: '', message: 'YAML: Map keys must be unique' });
    expect(issues.at(-1)!.omitted).toEqual({ errors: 100_000 - MAX_ISSUES_PER_FILE, warnings: 0 });
  });

  it('100,000 YAML errors on one line (tags): positions exact, not the line start', () => {
    const { issues } = loadContractText('t.yaml', `x: ${'!!str '.repeat(100_001)}y\n`);
    expect(issues.slice(0, 3).map((i) => [i.line, i.column, i.message])).toEqual([
      [1, 10, 'YAML: A node can have at most one tag'],
      [1, 16, 'YAML: A node can have at most one tag'],
      [1, 22, 'YAML: A node can have at most one tag'],
    ]);
    expect(issues.at(-1)!.omitted?.errors).toBe(100_000 - MAX_ISSUES_PER_FILE);
  });

  it('20,000 disjoint tiers: the duplicate check is linear, the pairwise "never applies" check is skipped', () => {
    const tiers = Array.from({ length: 20_000 }, (_, i) => `{below: ${((i + 1) / 1000).toFixed(3)}, above: ${(i / 1000).toFixed(3)}, percent: 1}`);
    const text = VALID.replace('measurement: { method: events }', `measurement: { method: events }\n    credits: { tiers: [${tiers.join(', ')}, {below: 0.002, above: 0.001, percent: 1}] }`);
    const { issues } = loadContractText('tiers.yaml', text);
    // tiers[0] has lower bound 0 (outside (0, 100]); the copy of tiers[1]'s bounds at the end is found
    expect(issues.map((i) => i.path)).toEqual(['slas[0].credits.tiers[0].above', 'slas[0].credits.tiers[20000]']);
    expect(issues[1]!.message).toBe('same bounds as tiers[1]');
  });
});

describe('nesting that would overflow the stack', () => {
  const deep: [string, string, number, number][] = [
    // [what, text, line, column of the first node beyond 64 levels]
    ['100,000 nested block sequences on one line', `${'- '.repeat(100_000)}x\n`, 1, 129],
    ['100,000 nested explicit keys', `${'? '.repeat(100_000)}x\n`, 1, 129],
    ['a block mapping nested 1,400 deep (1 MiB of indentation)', Array.from({ length: 1400 }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' v\n', 65, 65],
  ];
  it.each(deep)('%s: "nests too deeply" at the first node too deep, not a stack overflow', (_what, text, line, column) => {
    // Proof that the size matters: yaml's own composer overflows on it.
    const plain = parseDocument(text, { prettyErrors: false });
    expect(plain.errors.map((e) => e.message).join('\n')).toMatch(/Maximum call stack size exceeded/);
    const { issues } = loadContractText('deep.yaml', text);
    expect(issues).toEqual([{ file: 'deep.yaml', line, column, path: '', message: 'nests too deeply (more than 64 levels)', expected: undefined, severity: 'error' }]);
  });

  it('900 nested flow sequences pass the cheap raw-bracket pre-check (1,000) and are caught on the syntax tree', () => {
    // (yaml's composer overflows on this depth too, depending on how deep the stack already is)
    expect(loadContractText('f.yaml', `a: ${'['.repeat(900)}${']'.repeat(900)}\n`).issues.map((i) => [i.line, i.column, i.message])).toEqual([[1, 67, 'nests too deeply (more than 64 levels)']]);
  });

  it('100,000 nested flow brackets of either kind are refused before parsing', () => {
    for (const text of [`a: ${'['.repeat(100_000)}\n`, `${'{a: '.repeat(100_000)}\n`, `${'[{'.repeat(50_000)}\n`])
      expect(loadContractText('b.yaml', text).issues.map((i) => i.message)).toEqual(['nests too deeply (more than 64 levels)']);
  });

  it('the limit is exact: 64 levels load (and fail on content), 65 do not', () => {
    // `- ` × n then a scalar: n sequence levels + the scalar = n + 1 levels.
    expect(loadContractText('ok.yaml', `${'- '.repeat(63)}x\n`).issues.map((i) => i.message)).toEqual(['expected a mapping at the top level (apiVersion, kind, metadata, …)']);
    expect(loadContractText('no.yaml', `${'- '.repeat(64)}x\n`).issues.map((i) => i.message)).toEqual(['nests too deeply (more than 64 levels)']);
  });

  it('a chain of aliases, each 62 levels deep, is stopped by the alias limit (one issue)', () => {
    let t = '';
    for (let i = 0; i < 12; i++) t += `a${i}: &a${i} ${'['.repeat(62)}${i ? `*a${i - 1}` : 'x'}${']'.repeat(62)}\n`;
    expect(loadContractText('alias.yaml', t).issues.map((i) => i.message)).toEqual(['too many alias expansions (limit 100); anchors and aliases must not multiply the document']);
  });
});

describe('files that are not regular files are refused without being read', () => {
  const mkfifo = requireTool('mkfifo');
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it('/dev/zero given as a path: one line, not read', async () => {
    const r = await loadContracts(['/dev/zero']);
    expect(r.issues.map(formatIssue)).toEqual(['/dev/zero:1:1: a character device, not a regular file: not read (expected a regular YAML file)']);
  });

  it.skipIf(!mkfifo.ok)(`a FIFO nobody writes to does not block; a socket, a device, a folder symlink and a broken symlink are each one issue; the valid contract still loads${mkfifo.skipNote}`, async () => {
    const dir = join(tmp, 'special');
    mkdirSync(dir, { recursive: true });
    expect(spawnSync(mkfifo.path!, [join(dir, 'pipe.yaml')]).status).toBe(0);
    symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
    symlinkSync(tmp, join(dir, 'folder.yaml'));
    symlinkSync(join(tmp, 'does-not-exist'), join(dir, 'broken.yaml'));
    const server = createServer();
    servers.push(server);
    await new Promise<void>((res) => server.listen(join(dir, 'socket.yaml'), res));
    writeFileSync(join(dir, 'ok.yaml'), VALID);
    const r = await loadContracts([dir]);
    expect(r.contracts.map((c) => c.id)).toEqual(['minimal-provider']);
    expect(r.issues.map(formatIssue)).toEqual([
      `${dir}/broken.yaml:1:1: cannot read: no such file or directory`,
      `${dir}/folder.yaml:1:1: a directory, not a regular file: not read (expected a regular YAML file)`,
      `${dir}/pipe.yaml:1:1: a named pipe (FIFO), not a regular file: not read (expected a regular YAML file)`,
      `${dir}/socket.yaml:1:1: a socket, not a regular file: not read (expected a regular YAML file)`,
      `${dir}/zero.yaml:1:1: a character device, not a regular file: not read (expected a regular YAML file)`,
    ]);
    // The FIFO given explicitly too.
    const direct = await loadContracts([join(dir, 'pipe.yaml')]);
    expect(direct.issues.map((i) => i.message)).toEqual(['a named pipe (FIFO), not a regular file: not read']);
  });
});

describe('one broken contract never stops the others', () => {
  it('validate and compile: every hostile file is reported, the valid contract is validated and compiled', async () => {
    const dir = join(tmp, 'mixed');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a-valid.yaml'), VALID);
    writeFileSync(join(dir, 'b-control.yaml'), withTitle('"\\e]0;pwned\\a"').replace('id: minimal-provider', 'id: b-control'));
    writeFileSync(join(dir, 'c-deep.yaml'), `${'- '.repeat(100_000)}x\n`);
    writeFileSync(join(dir, 'd-many.yaml'), `slas:\n${'  - 1\n'.repeat(100_000)}`);
    writeFileSync(join(dir, 'e-bidi.yaml'), VALID.replace('id: minimal-provider', 'id: e-bidi').replace('{ name: Somebody }', '{ name: "Some\\u202Eydob" }'));
    symlinkSync('/dev/zero', join(dir, 'f-zero.yaml'));
    const v = await validate([dir]);
    expect(v.code).toBe(1);
    expect(v.lines.at(-1)).toBe(`1 contract valid, 5 invalid (${1 + 1 + 100_000 + 7 + 1 + 1} errors, 0 warnings)`);
    for (const f of ['b-control', 'c-deep', 'd-many', 'e-bidi', 'f-zero']) expect(v.out, f).toContain(`${join(dir, f)}.yaml:`);
    const io = memoryIO();
    const out = join(tmp, 'mixed-out');
    expect(await compileCommand([dir, '--out', out], io)).toBe(1);
    expect(io.out).toMatch(/^compiled 1 contract, skipped 5 invalid into /);
    expect(readFileSync(join(out, 'prometheus', 'minimal-provider.rules.yaml'), 'utf8')).toContain('minimal-provider');
  });
});
