// Dedup keys: one PagerDuty alert per (contract, SLA, alert). The key is the identity of an incident
// across ticks, restarts and replicas, so it is derived from the key fields only.
import { createHash } from 'node:crypto';
import type { AlertKey } from './types.js';

/** PagerDuty's documented maximum length of dedup_key. */
export const MAX_DEDUP_KEY_LENGTH = 255;

/** `obligo/<contract>/<sla>/<alert>`, `-` for a null SLA; hashed tail when longer than 255 characters. */
export function dedupKey(key: AlertKey): string {
  const k = `obligo/${key.contract}/${key.sla ?? '-'}/${key.alert}`;
  if (k.length <= MAX_DEDUP_KEY_LENGTH) return k;
  const h = createHash('sha256').update(k).digest('hex').slice(0, 16);
  return `${k.slice(0, MAX_DEDUP_KEY_LENGTH - h.length - 1)}~${h}`;
}

/** The key of Obligo's own engine-health alert (not a vendor's breach). */
export const ENGINE_HEALTH_KEY: AlertKey = Object.freeze({ contract: '-', sla: null, alert: 'engine-health' });
