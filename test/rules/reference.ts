// Ground truth for the promtool tests, independent of the compiler: from per-minute request counts,
// the error ratio over a window ending at minute t is Σbad/Σtotal over the minutes [t−w, t) (Prometheus
// 2.x range selectors include the sample at t−w, and counters that start at 0 need no extrapolation);
// a burn alert fires at t when both of its windows had traffic and both ratios exceed factor × budget,
// budget = 1 − objective/100. Decimal arithmetic, so "exceeds" is exact; minutes where a ratio sits
// within 1e-6 (relative) of its threshold are reported, and tests avoid asserting there.
// Maintenance (the contract's `obligo_maintenance_active`, one sample a minute): an alert is silenced at t
// when a sample in [t − short, t] is 1 (its short window still holds maintenance minutes). Whether the
// sample at exactly t − short counts differs between Prometheus 2 (closed range) and 3 (open at the
// left), so a minute where only that sample decides is a boundary minute, never asserted.
import { Decimal } from 'decimal.js';
import type { Contract, Sla } from '../../src/contract/model.js';
import { maintenanceSeries, type ExpectedAlert, type MinuteTraffic, type PromtoolScenario, type SeriesWriter } from '../../src/compile/promtool-tests.js';

export function windowMinutes(w: string): number {
  const m = /^(\d+)([smhdw])$/.exec(w);
  if (!m) throw new Error(`bad window ${w}`);
  const seconds = Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as 's'];
  if (seconds % 60) throw new Error(`window ${w} is not whole minutes`);
  return seconds / 60;
}

export function budget(sla: Sla): Decimal {
  return new Decimal(100).minus(String(sla.objective)).div(100);
}

/** Σbad/Σtotal over [t−w, t), or undefined when the window had no traffic. */
export function windowRatio(minutes: readonly MinuteTraffic[], t: number, w: number): Decimal | undefined {
  let bad = 0;
  let total = 0;
  for (let i = Math.max(0, t - w); i < t; i++) {
    bad += minutes[i]!.bad;
    total += minutes[i]!.total;
  }
  return total > 0 ? new Decimal(bad).div(total) : undefined;
}

export interface Verdict {
  firing: ExpectedAlert[];
  /** Some ratio is within 1e-6 of its threshold: floating point could go either way. */
  nearBoundary: boolean;
}

/** The contract's maintenance gauge, one sample a minute (index = minute); undefined: no such series. */
export type MaintenanceSamples = readonly (0 | 1)[];

/** Whether maintenance silences an alert with short window `short` (minutes) at minute t. */
export function silencedByMaintenance(m: MaintenanceSamples | undefined, t: number, short: number): { silenced: boolean; boundary: boolean } {
  if (!m) return { silenced: false, boundary: false };
  const at = (i: number) => (i >= 0 && i < m.length ? m[i] : undefined);
  let inside = false;
  for (let i = t - short + 1; i <= t; i++) if (at(i) === 1) inside = true;
  const leftEnd = at(t - short) === 1;
  return { silenced: inside || leftEnd, boundary: !inside && leftEnd };
}

export function verdict(sla: Sla, minutes: readonly MinuteTraffic[], t: number, maintenance?: MaintenanceSamples): Verdict {
  const b = budget(sla);
  const firing: ExpectedAlert[] = [];
  let nearBoundary = false;
  for (const row of sla.alerting.burnRates) {
    if (row.severity === 'page' ? !sla.alerting.page : !sla.alerting.ticket) continue;
    const threshold = b.times(String(row.factor));
    const ratios = [windowRatio(minutes, t, windowMinutes(row.long)), windowRatio(minutes, t, windowMinutes(row.short))];
    for (const r of ratios) if (r && r.minus(threshold).abs().lte(threshold.times(1e-6))) nearBoundary = true;
    const burning = ratios.every((r) => r !== undefined && r.gt(threshold));
    const m = silencedByMaintenance(maintenance, t, windowMinutes(row.short));
    if (burning && m.boundary) nearBoundary = true;
    if (burning && !m.silenced) firing.push({ sla, row });
  }
  return { firing, nearBoundary };
}

export function constant(n: number, total: number, bad: number): MinuteTraffic[] {
  return Array.from({ length: n }, () => ({ total, bad }));
}

/** bad requests per minute for an error ratio of `times` × budget at `total` requests per minute. */
export function badFor(sla: Sla, times: number, total: number): number {
  const exact = budget(sla).times(times).times(total);
  if (!exact.isInteger()) throw new Error(`${sla.key}: ${times}×budget×${total} is not a whole number of requests`);
  return exact.toNumber();
}

/** SLAs of a contract grouped by the series they read: traffic on one group's series reaches all of it. */
export function seriesGroups(contract: Contract, writer: SeriesWriter): Sla[][] {
  const probe = constant(2, 1, 0);
  const byKey = new Map<string, Sla[]>();
  const owner = new Map<string, string>();
  for (const sla of contract.slas) {
    const names = writer(sla, probe).map((s) => s.series).sort();
    const key = names.join('\n');
    for (const n of names) {
      const prev = owner.get(n);
      if (prev !== undefined && prev !== key) throw new Error(`${sla.key} shares only some series with another SLA`);
      owner.set(n, key);
    }
    byKey.set(key, [...(byKey.get(key) ?? []), sla]);
  }
  return [...byKey.values()];
}

/** Expectations at the given minutes, for every SLA that sees the traffic; refuses boundary minutes. */
export function alertsAt(slas: readonly Sla[], minutes: readonly MinuteTraffic[], at: readonly number[], maintenance?: MaintenanceSamples) {
  return at.map((t) => {
    const firing: ExpectedAlert[] = [];
    for (const sla of slas) {
      const v = verdict(sla, minutes, t, maintenance);
      if (v.nearBoundary) throw new Error(`minute ${t} is on a threshold for ${sla.key}; pick another`);
      firing.push(...v.firing);
    }
    return { atMinute: t, firing };
  });
}

/** First minute in [from, to] at which some row of `severity` fires for `sla`, by the reference. */
export function firstFiring(
  sla: Sla,
  minutes: readonly MinuteTraffic[],
  severity: 'page' | 'ticket',
  from: number,
  to: number,
  maintenance?: MaintenanceSamples,
): number | undefined {
  for (let t = from; t <= to; t++) if (verdict(sla, minutes, t, maintenance).firing.some((f) => f.row.severity === severity)) return t;
  return undefined;
}

/**
 * Minutes around a transition: the last one before `first` that is not on a threshold (the alert must
 * not fire yet), `first` and the one after. Boundary minutes are skipped, never asserted.
 */
function around(slas: readonly Sla[], minutes: readonly MinuteTraffic[], first: number | undefined, maintenance?: MaintenanceSamples): number[] {
  if (first === undefined) return [];
  const clear = (t: number) => t >= 1 && t <= minutes.length && slas.every((s) => !verdict(s, minutes, t, maintenance).nearBoundary);
  let before = first - 1;
  while (before > first - 5 && !clear(before)) before--;
  return [before, first, first + 1].filter(clear);
}

/** Every obligo series whose value is NaN (NaN fails every comparison, so `>= -Inf` drops exactly those). */
export const NAN_EXPR = '{__name__=~"obligo:.+"} unless on(__name__, contract, sla) ({__name__=~"obligo:.+"} >= -Inf)';

/** No recorded series may be NaN at any checked minute. */
function withNaNChecks(s: PromtoolScenario): PromtoolScenario {
  const minutes = [...new Set([...s.alerts.map((a) => a.atMinute), ...(s.exprs ?? []).map((e) => e.atMinute)])].sort((a, b) => a - b);
  return { ...s, exprs: [...(s.exprs ?? []), ...minutes.map((atMinute) => ({ atMinute, expr: NAN_EXPR, samples: [] }))] };
}

const R = 100_000; // requests per minute: makes 0.5×, 2× budget whole numbers for objectives to 3 decimals

/**
 * The four behaviours the issue asks for, plus a burst that goes quiet and an exact-value check, for
 * one group of SLAs that read the same series. Timings come from `verdict`, never from the compiler.
 */
export function scenariosFor(contract: Contract, slas: readonly Sla[]): PromtoolScenario[] {
  const lead = slas[0]!;
  const name = (what: string) => `${contract.id}/${slas.map((s) => s.id).join('+')}: ${what}`;
  const out: PromtoolScenario[] = [];

  // Fast burn: an hour of clean traffic, then every request fails.
  const fast = [...constant(60, R, 0), ...constant(20, R, R)];
  const firstPage = Math.min(...slas.map((s) => firstFiring(s, fast, 'page', 60, 80) ?? Infinity));
  const firstTicket = Math.min(...slas.map((s) => firstFiring(s, fast, 'ticket', 60, 80) ?? Infinity));
  const fastAt = [
    ...new Set([60, ...around(slas, fast, Number.isFinite(firstPage) ? firstPage : undefined), ...around(slas, fast, Number.isFinite(firstTicket) ? firstTicket : undefined), 80]),
  ].sort((a, b) => a - b);
  out.push({ name: name('fast burn (100% errors from minute 60) pages within minutes'), slas, minutes: fast, alerts: alertsAt(slas, fast, fastAt) });

  // Slow steady burn: half an hour clean, then errors at twice the budget for 100 minutes.
  const slowBad = badFor(lead, 2, R);
  const slow = [...constant(30, R, 0), ...constant(100, R, slowBad)];
  const slowTicket = Math.min(...slas.map((s) => firstFiring(s, slow, 'ticket', 30, 130) ?? Infinity));
  const slowAt = [...new Set([20, 45, ...around(slas, slow, Number.isFinite(slowTicket) ? slowTicket : undefined), 130])].sort((a, b) => a - b);
  out.push({ name: name('slow steady burn (2x budget from minute 30) only tickets'), slas, minutes: slow, alerts: alertsAt(slas, slow, slowAt) });

  // Healthy: errors at half the budget for an hour.
  const healthy = constant(60, R, badFor(lead, 0.5, R));
  out.push({ name: name('healthy service (0.5x budget) never alerts'), slas, minutes: healthy, alerts: alertsAt(slas, healthy, [5, 30, 60]) });

  // Quiet: the series exist but nothing happens for an hour; nothing recorded, nothing fires.
  const quiet = constant(60, 0, 0);
  out.push({
    name: name('quiet service (no traffic) never alerts and records no ratio'),
    slas,
    minutes: quiet,
    alerts: alertsAt(slas, quiet, [5, 30, 60]),
    exprs: [5, 30, 60].flatMap((t) =>
      slas.map((s) => ({
        atMinute: t,
        expr: `{__name__=~"obligo:(sli_error_ratio|burn_rate):.+",contract="${contract.id}",sla="${s.id}"}`,
        samples: [],
      })),
    ),
  });

  // A burst of errors, then silence: alerts whose short window has gone quiet stop firing.
  const burst = [...constant(30, R, 0), ...constant(15, R, R), ...constant(30, 0, 0)];
  out.push({ name: name('error burst then no traffic: short windows go quiet'), slas, minutes: burst, alerts: alertsAt(slas, burst, [44, 49, 50, 60, 75]) });

  // Known values: 25% errors. Prometheus multiplies by 1/range, so a ratio of rates can be off in the
  // last bit (0.2499999999999999): compare with a tolerance. The SLA constants are literals: exact.
  const quarter = constant(60, 1200, 300);
  const near = (expr: string, value: number, sel: string) => ({
    atMinute: 60,
    expr: `abs(${expr}${sel} - ${value}) < bool ${value * 1e-12}`,
    samples: [{ labels: sel, value: 1 }],
  });
  out.push({
    name: name('25% errors: recorded ratios, burn rates and SLA constants'),
    slas,
    minutes: quarter,
    alerts: [],
    exprs: slas.flatMap((s) => {
      const sel = `{contract="${contract.id}",sla="${s.id}"}`;
      return [
        near('obligo:sli_error_ratio:rate5m', 0.25, sel),
        near('obligo:sli_error_ratio:rate1h', 0.25, sel),
        near('obligo:burn_rate:rate30m', new Decimal(0.25).div(budget(s)).toNumber(), sel),
        { atMinute: 60, expr: `obligo:error_budget:ratio${sel}`, samples: [{ labels: `obligo:error_budget:ratio${sel}`, value: budget(s).toNumber() }] },
        { atMinute: 60, expr: `obligo:slo_objective:ratio${sel}`, samples: [{ labels: `obligo:slo_objective:ratio${sel}`, value: new Decimal(String(s.objective)).div(100).toNumber() }] },
      ];
    }),
  });
  out.push(...maintenanceScenarios(contract, slas, fast, name));
  return out.map(withNaNChecks);
}

/** A contract that is not the one under test; its maintenance must not silence anything here. */
export const OTHER_CONTRACT = 'some-other-contract';

/** Minutes [from, to] (inclusive) set to 1 in a gauge of `length` samples. */
export function window01(length: number, from: number, to: number): (0 | 1)[] {
  return Array.from({ length }, (_, i) => (i >= from && i <= to ? 1 : 0));
}

/**
 * Maintenance, on the fast burn (errors from minute 60): announced maintenance from minute 55 to 80
 * silences every alert of the contract until its short window is clear of it, while another contract
 * is in maintenance all along (must not matter); and a gauge reporting 0 all along silences nothing.
 */
function maintenanceScenarios(
  contract: Contract,
  slas: readonly Sla[],
  fast: readonly MinuteTraffic[],
  name: (what: string) => string,
): PromtoolScenario[] {
  const traffic = [...fast, ...constant(20, R, R)]; // errors from minute 60 to 100
  const samples = traffic.length + 1;
  const ours = window01(samples, 55, 80);
  const others = window01(samples, 0, samples - 1);
  const firstPage = Math.min(...slas.map((s) => firstFiring(s, traffic, 'page', 60, 100, ours) ?? Infinity));
  const firstPageAfter = Number.isFinite(firstPage) ? firstPage : undefined;
  const at = [...new Set([55, 61, 70, 79, ...around(slas, traffic, firstPageAfter, ours), 100])]
    .filter((t) => slas.every((s) => !verdict(s, traffic, t, ours).nearBoundary))
    .sort((a, b) => a - b);
  const off = window01(samples, -1, -1);
  return [
    {
      name: name('maintenance (minutes 55-80) silences the fast burn until the short window is clear; another contract in maintenance changes nothing'),
      slas,
      minutes: traffic,
      alerts: alertsAt(slas, traffic, at, ours),
      series: [maintenanceSeries(contract.id, ours), maintenanceSeries(OTHER_CONTRACT, others)],
    },
    {
      name: name('maintenance gauge at 0 all along silences nothing'),
      slas,
      minutes: traffic,
      alerts: alertsAt(slas, traffic, [60, 61, 62, 70, 100].filter((t) => slas.every((s) => !verdict(s, traffic, t, off).nearBoundary)), off),
      series: [maintenanceSeries(contract.id, off)],
    },
  ];
}
