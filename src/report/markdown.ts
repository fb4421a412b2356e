// The performance report as Markdown (GitHub-flavoured tables), for tickets and e-mail. The burn
// charts are in the HTML report; here the budget left is a column.
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

/** A cell: pipes, backslashes, HTML and line breaks neutralised. */
export function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/[\r\n]+/g, ' ');
}

function mdTable(t: Table): string {
  if (t.rows.length === 0) return `${t.empty}\n`;
  const right = new Set(t.right ?? []);
  return [
    `| ${t.headers.map(mdCell).join(' | ')} |`,
    `|${t.headers.map((_, i) => (right.has(i) ? '---:' : '---')).join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
  ].join('\n') + '\n';
}

export function renderMarkdown(r: PerformanceReport): string {
  const out: string[] = [`# ${mdCell(reportTitle(r))}`, '', mdCell(reportSubtitle(r)), ''];
  if (r.vendors.length === 0) out.push('No contract in force in this period.', '');
  for (const v of r.vendors) {
    out.push(`## ${mdCell(vendorHeading(v))}`, '');
    for (const [k, val] of vendorFacts(v)) out.push(`- **${mdCell(k)}:** ${mdCell(val)}`);
    out.push('', '### Service levels', '', mdTable(slaTable(v)));
    out.push('### Incidents', '', mdTable(incidentTable(v)));
    out.push('### Maintenance taken', '', mdTable(maintenanceTable(v)));
    out.push('### Credits', '', mdTable(creditTable(v)), mdCell(creditTotal(v)), '');
    out.push('### Escalation obligations', '', mdTable(escalationTable(v)));
  }
  const notes = reportNotes(r);
  if (notes.length > 0) out.push('---', '', ...notes.map((n) => `- ${mdCell(n)}`), '');
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}
