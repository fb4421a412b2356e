// The contract room: schema, normalised model, loader/validator and small helpers others need.
export * from './model.js';
export {
  BurnRateWindow,
  ContractSchema,
  DURATION_RE,
  Escalation,
  ID_RE,
  Maintenance,
  Measurement,
  OneOffMaintenance,
  RecurringMaintenance,
  SecretRef,
  Sla as SlaSchema,
  Sli,
  Tier,
  numberToDecimalString,
} from './schema.js';
export type { BurnRateWindowDoc, ContractDoc, EscalationDoc, MaintenanceDoc, MeasurementDoc, SlaDoc, SliDoc, TierDoc } from './schema.js';
export * from './load.js';
export { currencyMinorUnits, isKnownCurrency, knownCurrencies } from './currency.js';
export { checkTimeZone } from './timezone.js';
export { looksLikeSecret } from './secrets.js';
export { checkPromqlTemplate } from './promql.js';
export { validateCommand, type CommandIO } from './validate-command.js';
