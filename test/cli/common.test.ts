import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvField, LABEL_OPTION, parseCommon, parseDateOrInstant, parseInstant, renderCsv, renderTable, UsageError } from '../../src/cli/common.js';
import { memoryIO } from '../../src/cli/io.js';

describe('parseCommon', () => {
  const now = () => Date.parse('2026-05-01T12:00:00Z');

  it('applies the defaults: contracts/, $OBLIGO_PROMETHEUS_URL, now, table, $OBLIGO_DB', () => {
    const { common } = parseCommon([], memoryIO({ OBLIGO_PROMETHEUS_URL: 'http://prom:9090', OBLIGO_DB: '/var/obligo.db' }), {}, ['table', 'json'], now);
    expect(common).toEqual({
      contractsDir: 'contracts/',
      prometheusUrl: 'http://prom:9090',
      at: now(),
      contracts: [],
      slas: [],
      labels: [],
      format: 'table',
      dbPath: '/var/obligo.db',
      help: false,
      prometheusConnection: { headers: {}, auth: undefined, timeoutMs: undefined },
    });
    expect(parseCommon([], memoryIO({}), {}, ['table'], now).common.dbPath).toBe('.obligo/obligo.db');
  });

  it('takes flags over the environment, and repeatable filters', () => {
    const { common, extra } = parseCommon(
      ['--prometheus', 'http://other', '--at', '2026-03-08T02:30:00-05:00', '--contract', 'a', '--contract', 'b', '--sla', 'a/x', '--format', 'json', '--db', 'x.db', '--period', '2026-03'],
      memoryIO({ OBLIGO_PROMETHEUS_URL: 'http://prom:9090' }),
      { period: { type: 'string' } },
    );
    expect(common.prometheusUrl).toBe('http://other');
    expect(common.at).toBe(Date.parse('2026-03-08T07:30:00Z'));
    expect(common.contracts).toEqual(['a', 'b']);
    expect(common.slas).toEqual(['a/x']);
    expect(common.format).toBe('json');
    expect(common.dbPath).toBe('x.db');
    expect(extra.period).toBe('2026-03');
  });

  it('--label KEY=VALUE (the commands offering LABEL_OPTION): split at the first =, repeatable; KEY required', () => {
    const { common } = parseCommon(['--label', 'team=payments', '--label', 'expr=a=b', '--label', 'empty='], memoryIO({}), LABEL_OPTION);
    expect(common.labels).toEqual([['team', 'payments'], ['expr', 'a=b'], ['empty', '']]);
    expect(() => parseCommon(['--label', '=x'], memoryIO({}), LABEL_OPTION)).toThrow('--label expects KEY=VALUE (got "=x")');
    // A command without LABEL_OPTION does not know the flag.
    expect(() => parseCommon(['--label', 'a=b'], memoryIO({}))).toThrow('unknown option --label');
  });

  it('rejects unknown flags, formats the command does not offer, and times without an offset', () => {
    expect(() => parseCommon(['--nope'], memoryIO({}))).toThrow(UsageError);
    expect(() => parseCommon(['--format', 'csv'], memoryIO({}), {}, ['table', 'json'])).toThrow(/--format must be one of table, json/);
    expect(() => parseCommon(['--at', '2026-03-08T02:30:00'], memoryIO({}))).toThrow(/RFC 3339 time with offset/);
    expect(() => parseCommon(['--at', '2026-02-30T00:00:00Z'], memoryIO({}))).toThrow(UsageError);
  });
});

describe('time arguments', () => {
  it('parseInstant accepts RFC 3339 with Z or an offset, fractional seconds optional', () => {
    expect(parseInstant('2026-03-31T23:59:00Z', '--at')).toBe(Date.UTC(2026, 2, 31, 23, 59));
    expect(parseInstant('2026-03-31T23:59:00.500+02:00', '--at')).toBe(Date.UTC(2026, 2, 31, 21, 59, 0, 500));
  });
  it('parseDateOrInstant takes a date as midnight UTC and refuses impossible dates', () => {
    expect(parseDateOrInstant('2026-04-01', '--from')).toBe(Date.UTC(2026, 3, 1));
    expect(() => parseDateOrInstant('2026-04-31', '--from')).toThrow(UsageError);
  });
});

describe('CSV (RFC 4180)', () => {
  it('neutralises cells a spreadsheet would run as formulas (OWASP CSV injection), not plain numbers', () => {
    for (const evil of ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) expect(csvField(evil).replace(/^"|"$/g, '').startsWith("'")).toBe(true);
    expect(csvField('-0.5')).toBe('-0.5');
    expect(csvField('+12')).toBe('+12');
    expect(csvField('1e-5')).toBe('1e-5');
    expect(csvField('=a,b')).toBe(`"'=a,b"`);
  });

  it('quotes fields with comma, quote, CR or LF and doubles quotes; CRLF line ends', () => {
    expect(renderCsv(['a', 'b'], [['x,y', 'say "hi"'], ['line\nbreak', 'plain']])).toBe('a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",plain\r\n');
  });
  it('property: a simple RFC 4180 reader gets every field back (formula-like cells with one leading apostrophe)', () => {
    const parse = (text: string): string[][] => {
      const rows: string[][] = [];
      let row: string[] = [];
      let f = '';
      let q = false;
      for (let i = 0; i < text.length; i++) {
        const ch = text[i]!;
        if (q) {
          if (ch === '"' && text[i + 1] === '"') (f += '"'), i++;
          else if (ch === '"') q = false;
          else f += ch;
        } else if (ch === '"') q = true;
        else if (ch === ',') row.push(f), (f = '');
        else if (ch === '\r' && text[i + 1] === '\n') row.push(f), rows.push(row), (row = []), (f = ''), i++;
        else f += ch;
      }
      return rows;
    };
    fc.assert(
      fc.property(fc.array(fc.array(fc.string(), { minLength: 2, maxLength: 2 }), { maxLength: 5 }), (rows) => {
        // Independent statement of the neutralising rule: formula starters, unless the cell is a plain number.
        const shown = (v: string) => (/^[=+\-@\t\r]/.test(v) && !/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v) ? `'${v}` : v);
        expect(parse(renderCsv(['h1', 'h2'], rows))).toEqual([['h1', 'h2'], ...rows.map((r) => r.map(shown))]);
      }),
    );
    expect(csvField('')).toBe('');
  });
});

describe('renderTable', () => {
  it('aligns columns, right-aligns numbers, no trailing spaces', () => {
    const t = renderTable([{ a: 'x', n: '1' }, { a: 'long', n: '100' }], [
      { header: 'NAME', value: (r) => r.a },
      { header: 'N', value: (r) => r.n, align: 'right' },
    ]);
    expect(t).toBe('NAME    N\nx       1\nlong  100\n');
  });
});
