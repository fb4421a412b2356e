// The performance report as one self-contained HTML page (inline CSS and SVG, no script, no external
// resource): a page a vendor manager forwards as it is, or prints.
import type { PerformanceReport } from './model.js';
import {
  creditTable,
  creditTotal,
  escalationTable,
  incidentTable,
  maintenanceTable,
  reportNotes,
  reportSubtitle,
  reportTitle,
  slaTable,
  vendorFacts,
  vendorHeading,
  type Table,
} from './sections.js';
import { burnChart, escapeXml as esc } from './svg.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1a1a1a;margin:2rem auto;max-width:1000px;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.3rem;margin-top:2.4rem;border-bottom:2px solid #1565c0;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.4rem 0 .4rem}.sub{color:#555;margin-top:0}
table{border-collapse:collapse;width:100%;margin:.3rem 0 .6rem}th,td{border-bottom:1px solid #e3e3e3;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f6fa;font-weight:600}td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.6rem 0}dt{color:#555}dd{margin:0}
.miss{color:#c62828;font-weight:600}.ok{color:#2e7d32}.empty{color:#666;font-style:italic}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.chart figcaption{font-size:.9rem;color:#333;margin-bottom:.2rem}
.total{font-weight:600}.notes{color:#555;font-size:.9rem;border-top:1px solid #ddd;margin-top:2rem;padding-top:.6rem}
@media print{body{margin:0}h2{break-before:page}}
`;

function htmlTable(t: Table, cls?: (row: string[], col: number) => string | undefined): string {
  if (t.rows.length === 0) return `<p class="empty">${esc(t.empty)}</p>`;
  const right = new Set(t.right ?? []);
  const head = t.headers.map((h, i) => `<th${right.has(i) ? ' class="r"' : ''} scope="col">${esc(h)}</th>`).join('');
  const body = t.rows
    .map((r) => `<tr>${r.map((c, i) => {
      const k = [right.has(i) ? 'r' : '', cls?.(r, i) ?? ''].filter(Boolean).join(' ');
      return `<td${k ? ` class="${k}"` : ''}>${esc(c)}</td>`;
    }).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function renderHtml(r: PerformanceReport): string {
  const parts: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(reportTitle(r))}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${esc(reportTitle(r))}</h1>`,
    `<p class="sub">${esc(reportSubtitle(r))}</p>`,
  ];
  if (r.vendors.length === 0) parts.push('<p class="empty">No contract in force in this period.</p>');
  for (const v of r.vendors) {
    parts.push(`<section id="${esc(v.contract.id)}"><h2>${esc(vendorHeading(v))}</h2>`);
    parts.push(`<dl>${vendorFacts(v).map(([k, val]) => `<dt>${esc(k)}</dt><dd>${esc(val)}</dd>`).join('')}</dl>`);
    parts.push('<h3>Service levels</h3>', htmlTable(slaTable(v), (row, i) => (i === 4 ? (row[4] === 'NO' ? 'miss' : row[4] === 'yes' ? 'ok' : undefined) : undefined)));
    parts.push('<h3>Error budget burn</h3><div class="charts">');
    for (const res of v.results) {
      const caption = `${res.sla}, ${res.period}: budget consumed (bad minutes ÷ allowed)`;
      parts.push(`<figure class="chart"><figcaption>${esc(caption)}</figcaption>${burnChart(res.burn, res.periodStart, res.periodEnd, caption)}</figure>`);
    }
    parts.push('</div>');
    parts.push('<h3>Incidents</h3>', htmlTable(incidentTable(v)));
    parts.push('<h3>Maintenance taken</h3>', htmlTable(maintenanceTable(v)));
    parts.push('<h3>Credits</h3>', htmlTable(creditTable(v)), `<p class="total">${esc(creditTotal(v))}</p>`);
    parts.push('<h3>Escalation obligations</h3>', htmlTable(escalationTable(v)), '</section>');
  }
  const notes = reportNotes(r);
  if (notes.length > 0) parts.push(`<div class="notes">${notes.map((n) => `<p>${esc(n)}</p>`).join('')}</div>`);
  parts.push('</body></html>');
  return parts.join('\n') + '\n';
}
