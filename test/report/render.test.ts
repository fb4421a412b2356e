// The report's renderings with hostile contract text: nothing a contract says can inject markup into
// the HTML page or break a Markdown table; the burn chart draws what the series says.
import { describe, expect, it } from 'vitest';
import { renderHtml, renderMarkdown, type PerformanceReport } from '../../src/report/index.js';
import { burnChart } from '../../src/report/svg.js';

const EVIL = '<script>alert(1)</script> | "Evil" & Co';

function report(): PerformanceReport {
  const start = Date.parse('2026-03-01T00:00:00Z');
  const end = Date.parse('2026-04-01T00:00:00Z');
  return {
    period: '2026-03',
    at: Date.parse('2026-04-02T00:00:00Z'),
    outsideTerm: [],
    notStarted: [],
    skipped: [],
    warnings: [],
    vendors: [
      {
        contract: { id: 'evil', title: EVIL, vendor: EVIL, customer: 'Us', role: 'customer', timezone: 'UTC', termStart: '2026-01-01', currency: 'USD', documentUrl: 'javascript:alert(1)' },
        results: [
          {
            sla: 'availability', title: EVIL, objective: 99.9, method: 'timeslices', period: '2026-03', periodStart: start, periodEnd: end, achieved: '99.5',
            met: false, budgetRemaining: '-4.000000', measuredMinutes: 44640, badMinutes: 223, excludedMinutes: 0, coverage: 1, complete: true, flags: [],
            burn: [{ t: start, consumed: 0 }, { t: start + 86_400_000, consumed: 5 }, { t: end, consumed: 5 }],
          },
        ],
        incidents: [],
        maintenance: [],
        credits: [],
        total: { contract: 'evil', vendor: EVIL, amount: '0.00', currency: 'USD', capped: false, cap: '100.00', periods: [{ period: '2026-03', amount: '0.00', cap: '100.00', capped: false }] },
        escalation: [{ level: 1, name: EVIL, email: 'noc@evil.example', respondWithinMinutes: 15 }],
      },
    ],
  };
}

describe('report rendering', () => {
  it('HTML: contract text is escaped, the page has no script and no external resource', () => {
    const html = renderHtml(report());
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; | &quot;Evil&quot; &amp; Co');
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
  });

  it('Markdown: pipes and markup in contract text cannot break a table', () => {
    const md = renderMarkdown(report());
    expect(md).toContain('&lt;script&gt;alert(1)&lt;/script&gt; \\| "Evil" & Co');
    // Every row of a table has as many (unescaped) pipes as its header.
    const pipes = (l: string) => l.split(/(?<!\\)\|/).length;
    let header: number | null = null;
    let rows = 0;
    for (const line of md.split('\n')) {
      if (!line.startsWith('|')) {
        header = null;
        continue;
      }
      if (header === null) header = pipes(line);
      else {
        expect(pipes(line), line).toBe(header);
        rows++;
      }
    }
    expect(rows).toBeGreaterThan(3);
  });

  it('the burn chart: a line over the budget is red and the scale grows to show it', () => {
    const start = Date.parse('2026-03-01T00:00:00Z');
    const end = Date.parse('2026-04-01T00:00:00Z');
    const over = burnChart([{ t: start, consumed: 0 }, { t: end, consumed: 2.4 }], start, end, 'x');
    expect(over).toContain('stroke="#c62828" stroke-width="2"');
    expect(over).toContain('>200%</text>');
    const under = burnChart([{ t: start, consumed: 0 }, { t: end, consumed: 0.3 }], start, end, 'x');
    expect(under).toContain('stroke="#1565c0" stroke-width="2"');
    expect(under).not.toContain('>200%</text>');
  });
});
