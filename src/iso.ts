// Instants as the text every report, page, API answer and policy input carries: RFC 3339 in UTC, without
// the milliseconds when they are zero ("2026-03-01T00:00:00Z", "2026-03-01T00:00:00.005Z"). Shared by the
// rooms like conventions.ts and kept.ts; serve writes the same few instants (hour and period bounds, the
// tick's instant) for thousands of SLAs on every tick, so their texts are kept.
import { keptByValue } from './kept.js';

/** RFC 3339 UTC text of an instant (ms since epoch); throws a RangeError for an invalid one, as Date does. */
export const isoUtc: (ms: number) => string = keptByValue(10_000, (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z'));
