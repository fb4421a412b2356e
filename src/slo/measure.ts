// One entry point for the evaluator: measure one SLA over one period (or period-to-date) from raw
// slice observations or from hourly rollups. Pure: asOfMs is a parameter, never the clock.
import type { Contract, Sla } from '../contract/model.js';
import { maintenanceCalendar } from './maintenance.js';
import { type Measurement, type MeasurementFlag, type SliceTally, measureBlock, measureTally } from './methods.js';
import { type Period, measuredRange } from './periods.js';
import {
  type SliceBlock,
  type SliceContext,
  type SliceGrid,
  type SliceObservation,
  type SliceRollup,
  blockFromRollups,
  classifyMeasuredSlices,
  gridOf,
} from './slices.js';

/** A measurement with the classified slices it was computed from (for window coverage and evidence). */
export interface DetailedMeasurement {
  measurement: Measurement;
  block: SliceBlock;
  grid: SliceGrid;
}

export type MeasureContract = Pick<Contract, 'termStart' | 'termEnd' | 'timezone' | 'maintenance'>;

/** The slice context of an SLA in a period: grid at period start, measured range, maintenance. */
export function sliceContextFor(contract: MeasureContract, sla: Pick<Sla, 'measurement'>, period: Period, asOfMs?: number): SliceContext {
  const range = measuredRange(period, contract, asOfMs);
  return {
    grid: gridOf(period.start, sla.measurement.sliceSeconds),
    range,
    maintenance: range ? maintenanceCalendar(contract.maintenance, contract.timezone, range) : [],
    sliceGoodRatio: sla.measurement.sliceGoodRatio,
  };
}

function frameFlags(ctx: SliceContext, period: Period): MeasurementFlag[] {
  if (!ctx.range) return ['outside-term'];
  return ctx.range.start !== period.start || ctx.range.end !== period.end ? ['partial-period'] : [];
}

/** Measure an SLA over a period (cut to the term and to asOfMs) from raw slice observations. */
export function measurePeriod(contract: MeasureContract, sla: Pick<Sla, 'measurement'>, period: Period, observations: Iterable<SliceObservation>, asOfMs?: number): Measurement {
  return measurePeriodDetailed(contract, sla, period, observations, asOfMs).measurement;
}

/** The same from hourly rollups (summariseHour with the same context); identical results. */
export function measurePeriodFromRollups(contract: MeasureContract, sla: Pick<Sla, 'measurement'>, period: Period, rollups: Iterable<SliceRollup>, asOfMs?: number): Measurement {
  return measurePeriodFromRollupsDetailed(contract, sla, period, rollups, asOfMs).measurement;
}

/** measurePeriod, with the classified block; `flags` are added (e.g. 'partial-response'). */
export function measurePeriodDetailed(
  contract: MeasureContract,
  sla: Pick<Sla, 'measurement'>,
  period: Period,
  observations: Iterable<SliceObservation>,
  asOfMs?: number,
  flags: readonly MeasurementFlag[] = [],
): DetailedMeasurement {
  const ctx = sliceContextFor(contract, sla, period, asOfMs);
  const block = classifyMeasuredSlices(ctx, observations);
  return { measurement: measureBlock(block, sla.measurement, [...frameFlags(ctx, period), ...flags]), block, grid: ctx.grid };
}

/** measurePeriodFromRollups, with the classified block; `flags` are added. */
export function measurePeriodFromRollupsDetailed(
  contract: MeasureContract,
  sla: Pick<Sla, 'measurement'>,
  period: Period,
  rollups: Iterable<SliceRollup>,
  asOfMs?: number,
  flags: readonly MeasurementFlag[] = [],
): DetailedMeasurement {
  const ctx = sliceContextFor(contract, sla, period, asOfMs);
  const block = blockFromRollups(ctx, rollups);
  return { measurement: measureBlock(block, sla.measurement, [...frameFlags(ctx, period), ...flags]), block, grid: ctx.grid };
}

/** Measure directly from a context (no contract): the raw path. */
export function measureSlices(ctx: SliceContext, spec: Sla['measurement'], observations: Iterable<SliceObservation>, flags: readonly MeasurementFlag[] = []): Measurement {
  return measureBlock(classifyMeasuredSlices(ctx, observations), spec, ctx.range ? flags : [...flags, 'outside-term']);
}

/** Measure directly from a context (no contract): the rollup path. */
export function measureFromRollups(rollups: Iterable<SliceRollup>, ctx: SliceContext, spec: Sla['measurement'], flags: readonly MeasurementFlag[] = []): Measurement {
  return measureBlock(blockFromRollups(ctx, rollups), spec, ctx.range ? flags : [...flags, 'outside-term']);
}



/** Measure from a tally of the whole measured range (serve's period-to-date state plus the newest hours). */
export function measurePeriodFromTally(
  contract: MeasureContract,
  sla: Pick<Sla, 'measurement'>,
  period: Period,
  tally: SliceTally,
  asOfMs?: number,
  flags: readonly MeasurementFlag[] = [],
): Measurement {
  const ctx = sliceContextFor(contract, sla, period, asOfMs);
  return measureTally(tally, sla.measurement, [...frameFlags(ctx, period), ...flags]);
}
