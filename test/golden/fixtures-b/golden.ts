// Golden-file helper: compare generated text with a committed file; `UPDATE=1 npx vitest run …` rewrites it.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';

export const UPDATE = process.env.UPDATE === '1' || process.env.UPDATE === 'true';

/** Returns the committed content (after writing it, under UPDATE). */
export function golden(path: string, actual: string): string {
  if (UPDATE || !existsSync(path)) {
    if (!UPDATE) throw new Error(`golden file missing: ${path} (run with UPDATE=1 to create it)`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  return readFileSync(path, 'utf8');
}
