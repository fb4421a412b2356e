// Offline PromQL syntax check of SLI templates: {{.window}} is replaced by 5m and the result parsed
// with the Prometheus UI's own grammar (@prometheus-io/lezer-promql). Error positions are mapped back
// to the template, so the loader can point at the character in the YAML file.
import { parser } from '@prometheus-io/lezer-promql';
import { WINDOW_PLACEHOLDER } from './model.js';

export interface PromqlError {
  /** Offset in the template (not in the rendered query). */
  offset: number;
  message: string;
}

const SAMPLE_WINDOW = '5m';

/** First syntax error of a query template, or undefined when it parses. */
export function checkPromqlTemplate(template: string): PromqlError | undefined {
  // Render while remembering where each rendered character came from in the template.
  let rendered = '';
  const origin: number[] = [];
  let i = 0;
  while (i < template.length) {
    if (template.startsWith(WINDOW_PLACEHOLDER, i)) {
      for (const ch of SAMPLE_WINDOW) {
        rendered += ch;
        origin.push(i);
      }
      i += WINDOW_PLACEHOLDER.length;
    } else {
      rendered += template[i];
      origin.push(i);
      i++;
    }
  }
  origin.push(template.length);
  const err = firstError(rendered);
  if (!err) return undefined;
  return { offset: origin[err.from] ?? template.length, message: err.message };
}

/** First syntax error of a plain PromQL expression. */
export function firstError(query: string): { from: number; message: string } | undefined {
  if (query.trim() === '') return { from: 0, message: 'empty PromQL expression' };
  const tree = parser.parse(query);
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) {
      const from = cursor.from;
      const text = query.slice(cursor.from, cursor.to).trim();
      const next = query.slice(from).trimStart();
      const near = text || next.slice(0, 12);
      const what = near ? `unexpected ${JSON.stringify(near.length > 12 ? near.slice(0, 12) + '…' : near)}` : 'unexpected end of expression';
      return { from, message: `invalid PromQL: ${what}` };
    }
  } while (cursor.next());
  return undefined;
}
