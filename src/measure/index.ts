// measure/: SLI data for SLAs from Prometheus (batched) and the rollup store, run through the
// measurement core (slo/) and the credit rules (credits/). Status, credits, gate decision, rollups.
export { measureStatus, type SlaStatus, type StatusReport, type MeasureStatusOptions } from './status.js';
export { measureCredits, periodKindOfLabel, PeriodLabelError, type CreditReport, type MeasureCreditsOptions } from './credits.js';
export { assembleContractCredits, type CreditRow, type ContractTotal, type CreditFlag } from './credit-rows.js';
export {
  measureTargets,
  hourBlocks,
  usesRollups,
  MissingDataSourceError,
  HOUR_MS,
  type MeasureTarget,
  type MeasureOptions,
  type SlaMeasurement,
  type MeasureEvidence,
  type DataSource,
} from './measure-slas.js';
export { computeRollups, type RollupOptions, type RollupSummary } from './rollup.js';
export { fetchSliceObservations, readSlices, sliceExprs, type SliceQuery, type FetchSlicesOptions, type SliceFetch, type SliceFetches, type SliceAnswers } from './fetch-slices.js';
export { fetchWindowRatios, rulesQuery, windowsFor, type WindowRatios } from './windows.js';
export { definitionHash } from './definition-hash.js';
export { unionQuery, splitBranches, snapCount, tagBranch, BRANCH_LABEL, DEFAULT_BATCH_LIMITS, INSTANT_BATCH_LIMITS, type Branch, type BatchLimits } from './batch.js';
export type { PromSource, InstantSample, RangeSeries } from './source.js';
export { planBranches, parseSimpleSum, escapeRegexValue, type BranchPlan, type CombinedQuery, type SimpleSum } from './combine.js';
export { adaptiveBranches } from './fetch-slices.js';
