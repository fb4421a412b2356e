// The documents of the REST API that the CLI prints too. Status: statusDocument (src/evaluate) plus the
// decision. Gate: the shape of `obligo gate --format json` (test/server/api.test.ts compares them).
// Credits: the CLI's own builders (creditsJson/creditsCsv of src/cli/commands/credits.ts), which a room
// may not import: the shell that starts serve passes them in (CreditFormatters), so the API's JSON and
// CSV are the CLI's by construction.
import { statusDocument } from '../evaluate/documents.js';
import type { CreditAction, Decision, GateDecision, SelectedSla } from '../evaluate/types.js';
import { gateDocument } from '../evaluate/documents.js';
import type { CreditReport } from '../measure/credits.js';
import type { SlaStatus, StatusReport } from '../measure/status.js';

/** A credit report with credits.rego's action per row (same order as the rows). */
export type ActedReport = CreditReport & { actions: CreditAction[] };

/** How credit reports are written: `obligo credits --format json|csv` (src/cli/commands/credits.ts). */
export interface CreditFormatters {
  json(rep: ActedReport, slas: readonly SelectedSla[]): unknown;
  csv(rep: ActedReport, slas: readonly SelectedSla[]): string;
}

/** The status document of one SLA with decision.rego's answer (GET /api/v1/status .slas[i]). */
export function statusWithDecision(s: SlaStatus, d: Decision | undefined): Record<string, unknown> {
  return { key: s.key, ...statusDocument(s), decision: d ?? null };
}

/** `obligo status --format json` fields of a status report. */
export function statusReportFields(r: StatusReport): { at: string; warnings: string[]; requests: number; windowRequests: number } {
  return { at: r.at, warnings: r.warnings, requests: r.requests, windowRequests: r.windowQueries.length };
}

/** `obligo gate --format json` without --fail-open (the API has none): decision and exit code. */
export function gateJson(at: string, d: GateDecision, statuses: readonly SlaStatus[]): Record<string, unknown> {
  return gateDocument(at, d, statuses, { exitCode: d.outcome === 'allow' ? 0 : d.outcome === 'deny' ? 1 : 2 });
}
