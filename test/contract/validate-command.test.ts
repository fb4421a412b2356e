// `obligo validate`: exit codes, text and JSON output, usage errors.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/contract/index.js';

const FIX = join(import.meta.dirname, '../fixtures/contracts');
const CONTRACTS = join(import.meta.dirname, '../../contracts');

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await validateCommand(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err, lines: out.trimEnd().split('\n') };
}

describe('validate command', () => {
  it('all valid → exit 0 and a summary line', async () => {
    const r = await run([CONTRACTS]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.lines).toEqual(['6 contracts valid, 0 invalid (0 errors, 0 warnings)']);
  });

  it('warnings alone keep exit 0', async () => {
    const r = await run([join(FIX, 'valid')]);
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(3);
    expect(r.lines[0]).toBe(`${join(FIX, 'valid/customer-warnings.yaml')}:8:7: warning: role: no vendor escalation contacts for a contract where we are the customer (expected escalation: [{ level, name, email|phone, respondWithinMinutes }])`);
    expect(r.lines[2]).toBe('2 contracts valid, 0 invalid (0 errors, 2 warnings)');
  });

  it('one invalid file → exit 1, one line per issue in file:line:column form, summary counts', async () => {
    const bad = join(FIX, 'invalid/references.yaml');
    const r = await run([join(FIX, 'valid/minimal-provider.yaml'), bad]);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${bad}:18:11: services[1].id: duplicate service id (also services[0]) (expected unique service ids)`,
      `${bad}:21:14: escalation[1].level: duplicate escalation level (also escalation[0]) (expected unique levels)`,
      `${bad}:24:14: slas[0].service: refers to a service that is not defined (expected one of api)`,
      `${bad}:31:9: slas[1].id: duplicate SLA id (also slas[0]) (expected unique SLA ids within a contract)`,
      '1 contract valid, 1 invalid (4 errors, 0 warnings)',
    ]);
  });

  it('--format json gives issues, contracts and summary', async () => {
    const r = await run(['--format', 'json', join(FIX, 'valid'), join(FIX, 'invalid/tiers.yaml')]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.valid).toBe(false);
    expect(j.summary).toEqual({ valid: 2, invalid: 1, errors: 5, warnings: 4 });
    expect(j.contracts.map((c: { id: string }) => c.id)).toEqual(['customer-warnings', 'minimal-provider']);
    expect(j.issues[0]).toMatchObject({ file: join(FIX, 'invalid/tiers.yaml'), line: 28, column: 20, path: 'slas[0].credits.tiers[0].below', severity: 'error' });
  });

  it('usage errors → exit 2: unknown flag, bad format, missing path', async () => {
    for (const argv of [['--frobnicate'], ['--format', 'xml', CONTRACTS], [join(FIX, 'does-not-exist')]]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/usage: obligo validate/);
    }
  });

  it('defaults to contracts/ in the working directory', async () => {
    const cwd = process.cwd();
    process.chdir(join(import.meta.dirname, '../..'));
    try {
      const r = await run([]);
      expect(r.code).toBe(0);
      expect(r.lines.at(-1)).toBe('6 contracts valid, 0 invalid (0 errors, 0 warnings)');
    } finally {
      process.chdir(cwd);
    }
  });
});
