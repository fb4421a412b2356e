// Markdown for the text panels of the per-SLA dashboard: credit tiers, escalation contacts, maintenance
// windows and the contract's facts. Contract text is user input, so it is escaped for Markdown, for
// the HTML Grafana renders it into, and for Grafana's template interpolation ("$name" in a text panel
// would otherwise be replaced by a variable's value).
import type { Contract, Sla } from '../contract/model.js';
import type { TierDoc } from '../contract/schema.js';

/** Escape text for a Markdown table cell or paragraph (one line). */
export function mdText(s: string): string {
  return s
    .replace(/[\\`*_[\]|<>~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/\$/g, '&#36;')
    .replace(/\r?\n/g, ' ');
}

/** Human wording of a tier's range: "below 99.95", "≤ 99.9 and > 99.0". */
export function tierRange(t: TierDoc): string {
  const parts: string[] = [];
  if (t.below !== undefined) parts.push(`< ${t.below}`);
  if (t.atOrBelow !== undefined) parts.push(`≤ ${t.atOrBelow}`);
  if (t.above !== undefined) parts.push(`> ${t.above}`);
  if (t.atOrAbove !== undefined) parts.push(`≥ ${t.atOrAbove}`);
  return `${parts.join(' and ')} %`;
}

export function creditTiersMarkdown(c: Contract, sla: Sla): string {
  if (sla.tiers.length === 0) return `No service credits for this SLA.`;
  const rows = sla.tiers.map((t) => `| ${tierRange(t)} | ${t.percent} % |`);
  const base = `${mdText(sla.monthlyBase)} ${mdText(c.currency)} per month${sla.period === 'quarter' ? ' (× 3 per quarter)' : ''}`;
  const policy = [
    `- Credit base: ${base}.`,
    `- Cap: ${c.creditPolicy.capPercent} % of the contract's monthly fee per period.`,
    c.creditPolicy.claimWindowDays !== undefined ? `- Claim within ${c.creditPolicy.claimWindowDays} days after the period ends.` : '',
    `- Rounding of achieved %: ${c.creditPolicy.rounding}; pro-rated: ${c.creditPolicy.prorate ? 'yes' : 'no'}.`,
  ].filter(Boolean);
  return ['| Achieved | Credit |', '|---|---|', ...rows, '', ...policy].join('\n');
}

export function escalationMarkdown(c: Contract): string {
  if (c.escalation.length === 0) return 'No escalation contacts in the contract.';
  const rows = c.escalation.map((e) => {
    const contact = [e.email, e.phone, e.url].filter((x): x is string => Boolean(x)).map(mdText).join(', ');
    const within = e.respondWithinMinutes !== undefined ? `${e.respondWithinMinutes} min` : '';
    return `| ${e.level} | ${mdText(e.name)} | ${contact} | ${within} |`;
  });
  return ['| Level | Contact | Reach | Responds within |', '|---|---|---|---|', ...rows].join('\n');
}

export function maintenanceMarkdown(c: Contract): string {
  if (c.maintenance.length === 0) return 'No maintenance windows in the contract.';
  const rows = c.maintenance.map((m) =>
    'schedule' in m
      ? `| recurring | \`${m.schedule.replace(/`/g, "'")}\` (${mdText(c.timezone)}), ${m.durationMinutes} min | ${mdText(m.reason ?? '')} |`
      : `| one-off | ${mdText(m.start)} → ${mdText(m.end)} | ${mdText(m.reason ?? '')} |`,
  );
  return [
    '| Kind | When | Reason |',
    '|---|---|---|',
    ...rows,
    '',
    'Maintenance is left out of the measurement. One-off windows are annotated on the graphs; recurring ones are not (PromQL has no time zones).',
  ].join('\n');
}

export function factsMarkdown(c: Contract, sla: Sla): string {
  const m = sla.measurement;
  const method =
    m.method === 'timeslices'
      ? `timeslices of ${m.slice}, a slice is good when good/total ≥ ${m.sliceGoodRatio}${
          m.minConsecutiveBadSlices > 1 ? `, runs of fewer than ${m.minConsecutiveBadSlices} bad slices count as good` : ''
        }`
      : m.method === 'averaged'
        ? `average of ${m.slice} error ratios`
        : 'good events / all events';
  const lines = [
    `**${mdText(c.title)}**: ${mdText(sla.title)}`,
    '',
    `| | |`,
    `|---|---|`,
    `| Vendor | ${mdText(c.vendor)} |`,
    `| Customer | ${mdText(c.customer)} |`,
    `| Our role | ${c.role} |`,
    `| Objective | ${sla.objective} % per calendar ${sla.period} (${mdText(c.timezone)}) |`,
    `| Measurement | ${mdText(method)}; no data counts as ${m.noData} |`,
    `| Term | ${mdText(c.termStart)} → ${mdText(c.termEnd ?? 'open')} |`,
    `| Source | ${mdText(c.file)} (sha256 ${c.hash.slice(0, 12)}…) |`,
  ];
  if (c.documentUrl) lines.push(`| Document | ${mdText(c.documentUrl)} |`);
  return lines.join('\n');
}
