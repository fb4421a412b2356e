// Error budget burn as an inline SVG chart: budget consumed (0 – 100 % and beyond) over the days of a
// period, with the 100 % line (the objective missed) marked. Plain SVG, no script, no external
// resource: the page can be forwarded as it is.
import type { BurnPoint } from './model.js';

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const W = 560;
const H = 170;
const PAD = { left: 44, right: 12, top: 12, bottom: 26 };

/** The chart of one SLA's period; `title` is its accessible name. */
export function burnChart(points: readonly BurnPoint[], periodStart: number, periodEnd: number, title: string): string {
  const finite = points.map((p) => (Number.isFinite(p.consumed) ? p.consumed : 2));
  const top = Math.max(1.2, Math.ceil(Math.max(...finite, 0) * 5) / 5);
  const x = (t: number) => PAD.left + ((t - periodStart) / (periodEnd - periodStart)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(Math.min(finite[i]!, top)).toFixed(1)}`).join(' ');
  const last = points[points.length - 1]!;
  const over = finite[finite.length - 1]! >= 1;
  const ticks = (top <= 1.5 ? [0, 0.5, 1] : [0, ...Array.from({ length: Math.floor(top) }, (_, i) => i + 1)]).filter((v) => v <= top);
  const days = Math.round((periodEnd - periodStart) / 86_400_000);
  const dayTicks = (days > 31 ? [1, 31, 61, 91] : [1, 8, 15, 22, 29]).filter((d) => d <= days);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="#fafafa" stroke="#ddd"/>`,
    ...ticks.map(
      (v) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${v === 1 ? '#c62828' : '#e0e0e0'}"${v === 1 ? ' stroke-dasharray="4 3"' : ''}/>` +
        `<text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#555">${Math.round(v * 100)}%</text>`,
    ),
    ...dayTicks.map((d) => {
      const t = periodStart + (d - 1) * 86_400_000;
      return `<text x="${x(t).toFixed(1)}" y="${H - 8}" text-anchor="middle" font-size="11" fill="#555">${d}</text>`;
    }),
    `<path d="${path}" fill="none" stroke="${over ? '#c62828' : '#1565c0'}" stroke-width="2"/>`,
    `<circle cx="${x(last.t).toFixed(1)}" cy="${y(Math.min(finite[finite.length - 1]!, top)).toFixed(1)}" r="3" fill="${over ? '#c62828' : '#1565c0'}"/>`,
    `</svg>`,
  ].join('');
}
