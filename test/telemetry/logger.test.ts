// pino JSON logs of `obligo serve` (src/telemetry/logger.ts): one JSON object per line, the level from the
// configuration, and every field that can carry a secret censored at the first three levels of a
// logged object, whatever else is logged next to it.
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED, REDACTED_KEYS, type LogLevel } from '../../src/telemetry/logger.js';

function capture(level?: LogLevel) {
  const lines: string[] = [];
  const log = createLogger({ level, destination: { write: (s: string) => void lines.push(s) } });
  return { log, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes one JSON line per event with level label, ISO time, name and message', () => {
    const { log, lines, json } = capture();
    log.info({ tick: 3 }, 'tick done');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    const [l] = json();
    expect(l).toMatchObject({ level: 'info', name: 'obligo', tick: 3, msg: 'tick done' });
    expect(l!.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('honours the level (debug hidden at info, shown at debug; silent says nothing)', () => {
    const info = capture('info');
    info.log.debug({}, 'hidden');
    info.log.warn({}, 'shown');
    expect(info.json().map((l) => l.msg)).toEqual(['shown']);
    const debug = capture('debug');
    debug.log.debug({}, 'shown');
    expect(debug.json().map((l) => l.level)).toEqual(['debug']);
    const silent = capture('silent');
    silent.log.error({}, 'nothing');
    expect(silent.lines).toEqual([]);
  });

  it('censors secret-bearing fields at depth 1, 2 and 3', () => {
    const { log, lines, json } = capture();
    const secrets: string[] = [];
    const s = (k: string, d: number) => {
      const v = `SECRET-${k}-${d}-${secrets.length}`;
      secrets.push(v);
      return v;
    };
    for (const k of REDACTED_KEYS) {
      log.info({ [k]: s(k, 1), req: { [k]: s(k, 2), headers: { [k]: s(k, 3) } }, keep: 'visible' }, 'event');
    }
    log.info({ req: { headers: { authorization: 'Bearer abc.def.ghi', host: 'obligo:8080' } } }, 'request');
    log.warn({ body: { routing_key: 'R0UT1NG', event_action: 'trigger' } }, 'pagerduty');
    const text = lines.join('');
    for (const v of [...secrets, 'abc.def.ghi', 'R0UT1NG']) expect(text).not.toContain(v);
    const all = json();
    expect(all[0]).toMatchObject({ keep: 'visible', authorization: REDACTED, req: { authorization: REDACTED, headers: { authorization: REDACTED } } });
    expect(all.at(-2)).toMatchObject({ req: { headers: { authorization: REDACTED, host: 'obligo:8080' } } });
    expect(all.at(-1)).toMatchObject({ body: { routing_key: REDACTED, event_action: 'trigger' } });
  });

  it('serializes errors with type, message and stack (logs may have stacks; answers never do)', () => {
    const { log, json } = capture();
    log.error({ err: new TypeError('bad') }, 'failed');
    const [l] = json();
    expect(l!.err).toMatchObject({ type: 'TypeError', message: 'bad' });
    expect(String((l!.err as { stack: string }).stack)).toMatch(/TypeError: bad/);
  });
});
