// The hash of everything that decides an SLA's hourly rollups. Rollups are stored under it, so a
// changed SLI query, method, slice, ratio, zone, term or maintenance never reuses stale rollups.
// Objective and tiers are not in it: they act after measurement, on the assembled period.
import { createHash } from 'node:crypto';
import type { Contract, Sla } from '../contract/model.js';
import { keptPerPair } from '../kept.js';

/** Bump when the meaning of a stored rollup changes (e.g. a new status character). */
// 2: gaps ('?') and `seen`; hours with gaps or from partial answers are never stored, and format-1
//    rollups (which could hold damaged answers read as silence) are not reused.
const ROLLUP_FORMAT = 2;

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export type DefinitionContract = Pick<Contract, 'timezone' | 'termStart' | 'termEnd' | 'maintenance'>;

export function definitionHash(contract: DefinitionContract, sla: Pick<Sla, 'sli' | 'measurement' | 'period'>): string {
  // serve asks for every SLA's hash on every tick: kept per (SLA, contract) object pair.
  return keptHash(sla, contract);
}

const keptHash = keptPerPair((sla: Pick<Sla, 'sli' | 'measurement' | 'period'>, contract: DefinitionContract) => computeHash(contract, sla));

function computeHash(contract: DefinitionContract, sla: Pick<Sla, 'sli' | 'measurement' | 'period'>): string {
  const doc = {
    format: ROLLUP_FORMAT,
    sli: { good: sla.sli.good, total: sla.sli.total },
    // minCoverage acts after measurement (on the assembled period), like the objective: not in the key.
    measurement: { ...sla.measurement, minCoverage: undefined },
    period: sla.period,
    timezone: contract.timezone,
    termStart: contract.termStart,
    termEnd: contract.termEnd,
    maintenance: contract.maintenance,
  };
  return createHash('sha256').update(canonical(doc)).digest('hex').slice(0, 32);
}
