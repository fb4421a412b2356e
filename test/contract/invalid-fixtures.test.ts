// Broken contracts with hand-written ground truth: the exact file:line:column and field path of
// every issue each fixture must produce (columns counted by hand in the fixture files).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, loadContractText, loadContracts, type ContractIssue } from '../../src/contract/index.js';

const DIR = join(import.meta.dirname, '../fixtures/contracts');
const INVALID = join(DIR, 'invalid');

type Expect = [line: number, column: number, path: string, messagePart: string, severity?: 'warning'];

const EXPECTED: Record<string, Expect[]> = {
  'types.yaml': [
    [1, 13, 'apiVersion', 'expected "obligo.dev/v1"'],
    [4, 7, 'metadata.id', 'lowercase DNS label'],
    [6, 7, 'role', '"customer" | "provider"'],
    [10, 1, 'term.timezone', 'missing required field'],
    [14, 12, 'fees.monthly', 'decimal amount'],
    [17, 16, 'slas[0].objective', 'expected number, received string'],
    [18, 13, 'slas[0].period', '"month" | "quarter"'],
    [19, 5, 'slas[0].servce', 'did you mean "service"'],
    [20, 5, 'slas[0].sli', 'good + total | errors + total | latency'],
    [26, 15, 'slas[0].measurement.noData', '"good" | "bad" | "ignore"'],
  ],
  'references.yaml': [
    [18, 11, 'services[1].id', 'duplicate service id'],
    [21, 14, 'escalation[1].level', 'duplicate escalation level'],
    [24, 14, 'slas[0].service', 'not defined'],
    [31, 9, 'slas[1].id', 'duplicate SLA id'],
  ],
  'tiers.yaml': [
    [28, 20, 'slas[0].credits.tiers[0].below', 'while the SLA is met'],
    [29, 11, 'slas[0].credits.tiers[1]', 'never applies', 'warning'],
    [30, 37, 'slas[0].credits.tiers[2].atOrAbove', 'lower bound'],
    [32, 11, 'slas[0].credits.tiers[4]', 'same bounds as tiers[3]'],
    [33, 20, 'slas[0].credits.tiers[5].below', '(0, 100]'],
    [34, 11, 'slas[0].credits.tiers[6]', 'never applies', 'warning'],
    [35, 11, 'slas[0].credits.tiers[7]', 'exactly one of below or atOrBelow'],
  ],
  'promql.yaml': [
    [21, 13, 'slas[0].sli.good', '{{.window}}'],
    [28, 50, 'slas[1].sli.good', 'invalid PromQL'],
    [29, 30, 'slas[1].sli.total', 'invalid PromQL'],
    [37, 49, 'slas[2].sli.errors', 'invalid PromQL'],
    [44, 29, 'slas[3].sli.latency.histogram', 'le'],
  ],
  'time.yaml': [
    [12, 8, 'term.end', 'ends before it starts'],
    [13, 13, 'term.timezone', 'IANA'],
    [15, 14, 'maintenance[0].start', 'not a real date'],
    [16, 41, 'maintenance[1].end', 'ends before'],
    [17, 14, 'maintenance[2].start', 'RFC 3339'],
    [18, 17, 'maintenance[3].schedule', '5 fields'],
    [19, 17, 'maintenance[4].schedule', 'invalid cron'],
    [20, 47, 'maintenance[5].durationMinutes', 'too small'],
    [23, 12, 'fees.monthly', 'decimal places'],
    [33, 39, 'obligations[0].due', 'not a real calendar date'],
    [34, 11, 'obligations[1].id', 'duplicate obligation id'],
    [34, 45, 'obligations[1].due', 'not a real calendar date'],
  ],
  'measurement.yaml': [
    [25, 14, 'slas[0].measurement.slice', 'only used by timeslices and averaged'],
    [26, 23, 'slas[0].measurement.sliceGoodRatio', 'only used by timeslices'],
    [27, 32, 'slas[0].measurement.minConsecutiveBadSlices', 'only used by timeslices'],
    [34, 5, 'slas[1].measurement', 'needs sliceGoodRatio'],
    [36, 14, 'slas[1].measurement.slice', 'divide an hour'],
    [40, 47, 'slas[1].alerting.burnRates[1].short', 'shorter than the long'],
    [41, 48, 'slas[1].alerting.burnRates[2].short', 'shorter than the long'],
    [48, 45, 'slas[2].measurement.slice', 'divide an hour'],
    [48, 66, 'slas[2].measurement.sliceGoodRatio', 'only used by timeslices'],
    [48, 96, 'slas[2].measurement.minConsecutiveBadSlices', 'only used by timeslices'],
  ],
  'secrets.yaml': [
    [6, 16, 'metadata.documentUrl', 'looks like a secret'],
    [19, 17, 'notify.pagerduty.routingKey', 'a literal secret; use { env: NAME } or { file: PATH }'],
    [21, 23, 'escalation[0].name', 'looks like a secret (bearer token)'],
    [24, 18, 'slas[0].description', 'looks like a secret'],
    [27, 22, 'slas[0].labels.slack', 'looks like a secret (Slack token)'],
  ],
  'syntax.yaml': [
    [6, 3, '', 'Map keys must be unique'],
    [9, 1, '', 'Flow map'],
  ],
  'multi-doc.yaml': [[4, 1, '', '2 YAML documents']],
  'not-a-mapping.yaml': [[1, 1, '', 'expected a mapping']],
  'aliases.yaml': [[1, 1, '', 'alias']],
  'comments-only.yaml': [[1, 1, '', 'empty']],
  'empty.yaml': [[1, 1, '', 'empty']],
};

const key = (i: { line: number; column: number; path: string; severity: string }) => `${i.line}:${i.column} ${i.path} ${i.severity}`;

describe('invalid fixtures: every issue at its hand-counted position', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(name, () => {
      const file = join(INVALID, name);
      const { contract, issues } = loadContractText(file, readFileSync(file, 'utf8'));
      expect(contract).toBeUndefined();
      const want = expected.map(([line, column, path, , severity]) => key({ line, column, path, severity: severity ?? 'error' }));
      expect(issues.map(key)).toEqual(want);
      expected.forEach(([, , , part], n) => expect(formatIssue(issues[n]!)).toContain(part));
      for (const i of issues) expect(i.file).toBe(file);
    });
  }

  it('the fixture list covers every file in the folder', async () => {
    const { files } = await loadContracts([INVALID]);
    expect(files.map((f) => f.slice(INVALID.length + 1)).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
});

describe('secrets are never echoed', () => {
  const SECRETS = [
    'hunter2-Zq9',
    'R0UT1NGKEYDONOTLEAK00000000000042',
    'eyJhbGciOiJIUzI1NiJ9',
    'ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
    'AKIAIOSFODNN7EXAMPLE',
    'xoxb-123456789012-abcdefghijkl',
  ];
  it('no issue text contains any part of a secret value', () => {
    const file = join(INVALID, 'secrets.yaml');
    const text = readFileSync(file, 'utf8');
    for (const s of SECRETS) expect(text).toContain(s); // the fixture really has them
    const { issues } = loadContractText(file, text);
    const out = JSON.stringify(issues) + issues.map(formatIssue).join('\n');
    for (const s of SECRETS) {
      expect(out).not.toContain(s);
      expect(out).not.toContain(s.slice(0, 10));
    }
  });

  it('a secret in a field with a value-echoing message is withheld', () => {
    const base = readFileSync(join(DIR, 'valid/minimal-provider.yaml'), 'utf8');
    const secret = 'ghp_ZZZZZZZZZZZZZZZZZZZZZZZZ1234567890';
    const text = base.replace('period: month', `period: "${secret}"`).replace('timezone: Etc/UTC', `timezone: "${secret}"`);
    const { issues } = loadContractText('x.yaml', text);
    expect(issues.length).toBeGreaterThanOrEqual(3);
    const out = issues.map(formatIssue).join('\n');
    expect(out).not.toContain('ZZZZZZZZZZ');
  });

  it('a literal routing key is an error even when it does not look like a key', () => {
    const base = readFileSync(join(DIR, 'valid/minimal-provider.yaml'), 'utf8');
    const text = `${base}notify:\n  pagerduty:\n    routingKey: short-literal\n`;
    const { contract, issues } = loadContractText('x.yaml', text);
    expect(contract).toBeUndefined();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 27, column: 17, path: 'notify.pagerduty.routingKey', severity: 'error' });
    expect(formatIssue(issues[0]!)).not.toContain('short-literal');
  });
});

describe('several files', () => {
  it('a duplicate contract id is reported on the second file (sorted order), naming the first', async () => {
    const r = await loadContracts([join(DIR, 'dup-ids')]);
    expect(r.files.map((f) => f.slice(DIR.length + 1))).toEqual(['dup-ids/a.yaml', 'dup-ids/b.yml', 'dup-ids/nested/c.yaml']);
    expect(r.contracts.map((c) => c.id)).toEqual(['same-id', 'nested-ok']);
    expect(r.issues).toHaveLength(1);
    const i = r.issues[0]!;
    expect(i).toMatchObject({ file: join(DIR, 'dup-ids/b.yml'), line: 5, column: 7, path: 'metadata.id', severity: 'error' });
    expect(i.message).toContain(join(DIR, 'dup-ids/a.yaml'));
  });

  it('broken files do not stop the others; results are deterministic', async () => {
    const paths = [join(DIR, 'invalid'), join(DIR, 'valid'), join(DIR, 'valid/minimal-provider.yaml')];
    const a = await loadContracts(paths);
    const b = await loadContracts([...paths].reverse());
    expect(a.contracts.map((c) => c.id)).toEqual(['customer-warnings', 'minimal-provider']);
    expect(a.files).toHaveLength(Object.keys(EXPECTED).length + 2);
    expect(b.files).toEqual(a.files);
    expect(b.issues).toEqual(a.issues);
    const invalidFiles = new Set(a.issues.filter((i) => i.severity === 'error').map((i) => i.file));
    expect(invalidFiles.size).toBe(Object.keys(EXPECTED).length);
  });

  it('the same file reached through different spellings loads once', async () => {
    const { relative } = await import('node:path');
    const rel = relative(process.cwd(), join(DIR, 'valid'));
    const r = await loadContracts([join(DIR, 'valid'), `./${rel}/minimal-provider.yaml`, `${rel}/../valid/customer-warnings.yaml`]);
    expect(r.files).toHaveLength(2);
    expect(r.contracts.map((c) => c.id)).toEqual(['customer-warnings', 'minimal-provider']);
    expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('a path that does not exist is an issue, not an exception', async () => {
    const r = await loadContracts([join(DIR, 'nope.yaml'), join(DIR, 'valid')]);
    expect(r.contracts).toHaveLength(2);
    expect(r.issues[0]).toMatchObject({ file: join(DIR, 'nope.yaml'), line: 1, column: 1, severity: 'error' });
    expect(r.issues[0]!.message).toContain('no such file');
  });
});

describe('valid fixtures', () => {
  it('a customer contract without escalation and tiers loads, with two warnings', () => {
    const file = join(DIR, 'valid/customer-warnings.yaml');
    const { contract, issues } = loadContractText(file, readFileSync(file, 'utf8'));
    expect(contract?.id).toBe('customer-warnings');
    expect(issues.map(key)).toEqual(['8:7 role warning', '19:5 slas[0] warning']);
  });

  it('formatIssue writes file:line:column: path: message (expected …)', () => {
    const i: ContractIssue = { file: 'c.yaml', line: 3, column: 9, path: 'slas[0].objective', message: 'wrong type', expected: 'number, received string', severity: 'error' };
    expect(formatIssue(i)).toBe('c.yaml:3:9: slas[0].objective: wrong type (expected number, received string)');
    expect(formatIssue({ ...i, severity: 'warning', expected: undefined, path: '' })).toBe('c.yaml:3:9: warning: wrong type');
  });
});
