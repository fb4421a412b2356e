// slo/: periods in the contract's zone, maintenance exclusion, slices and the three measurement
// methods, error budget and burn rate. Pure functions; time is always a parameter.
export * from './interval.js';
export * from './periods.js';
export * from './maintenance.js';
export * from './slices.js';
export * from './methods.js';
export * from './measure.js';
export * from './budget.js';
export { COUNT_SCALE, RATIO_SCALE, QUOTIENT_DIGITS } from './exact.js';
