// credits/: tiers, caps, rounding and decimal money. Pure functions.
export * from './money.js';
export * from './tiers.js';
export * from './credit.js';
export type { Rational } from './rational.js';
