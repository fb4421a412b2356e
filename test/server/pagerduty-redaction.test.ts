// The routing key never reaches a log or an error text, and its redaction does not garble the text around
// it: a key of 16 characters or more (PagerDuty's integration keys have 32) is replaced wherever it occurs;
// a shorter one (a test key such as "rk") only where it stands as a token of its own. Through the client
// over real sockets (a refused connection, a scripted PagerDuty that echoes the key), and as a property.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/demo/prometheus-server.js';
import { PagerDutyClient, redactRoutingKey, ROUTING_KEY_REDACTED } from '../../src/server/pagerduty-client.js';
import { sendJson, startFakeServer, type FakeServer } from '../helpers/fake-http.js';

const LONG = 'R0123456789abcdef0123456789abcde'; // 32 characters, as PagerDuty's
const event = (routing_key: string) => ({
  routing_key,
  event_action: 'trigger' as const,
  dedup_key: 'obligo/acme/api/burn-page',
  payload: { summary: 'Acme down', severity: 'critical' as const, source: 'obligo' },
});

/** The text's tokens: maximal runs of letters, digits and underscores, computed without a regular expression. */
function tokens(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of s) {
    const word = ch === '_' || ch.toLowerCase() !== ch.toUpperCase() || (ch >= '0' && ch <= '9');
    if (word) cur += ch;
    else {
      if (cur) out.push(cur);
      cur = '';
    }
  }
  if (cur) out.push(cur);
  return out;
}

describe('routing key redaction in the PagerDuty client', () => {
  let srv: FakeServer;
  beforeAll(async () => {
    // A PagerDuty that answers 400 and quotes the routing key it was sent, as a careless proxy might.
    srv = await startFakeServer((req, res) => {
      const key = (JSON.parse(req.body) as { routing_key: string }).routing_key;
      sendJson(res, 400, {
        status: 'invalid event',
        message: `Event object is invalid: network-level key ${key} unknown`,
        errors: [`routing key "${key}" is not an integration key`, `work${key}work`, 'no network route'],
      });
    });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('a short key: the network error stays readable (it was "netwo[routing key] error: …")', async () => {
    const url = `http://127.0.0.1:${await freePort()}/v2/enqueue`; // nothing listens: ECONNREFUSED
    const out = await new PagerDutyClient({ url, timeoutMs: 5_000 }).send(event('rk'));
    expect(out).toEqual({ kind: 'retry', reason: 'network', error: 'network error: ECONNREFUSED' });
    const work = await new PagerDutyClient({ url, timeoutMs: 5_000 }).send(event('work'));
    expect(work).toEqual({ kind: 'retry', reason: 'network', error: 'network error: ECONNREFUSED' });
  });

  it('a short key standing alone is redacted, words that contain it are not', async () => {
    const out = await new PagerDutyClient({ url: `${srv.url}/v2/enqueue` }).send(event('rk'));
    expect(out.kind).toBe('rejected');
    const error = (out as { error: string }).error;
    expect(error).toBe(
      `HTTP 400: invalid event: Event object is invalid: network-level key ${ROUTING_KEY_REDACTED} unknown: routing key "${ROUTING_KEY_REDACTED}" is not an integration key; workrkwork; no network route`,
    );
  });

  it('a real (32-character) key is redacted everywhere, inside a word too', async () => {
    const out = await new PagerDutyClient({ url: `${srv.url}/v2/enqueue` }).send(event(LONG));
    expect(JSON.stringify(out)).not.toContain(LONG);
    expect((out as { errors: string[] }).errors).toEqual([`routing key "${ROUTING_KEY_REDACTED}" is not an integration key`, `work${ROUTING_KEY_REDACTED}work`, 'no network route']);
  });
});

describe('redactRoutingKey (property)', () => {
  const keyChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split(''));
  const text = fc.array(fc.oneof(fc.constantFrom(' ', ':', '"', '-', '.', '/', '=', '_', 'work', 'network', 'ENOTFOUND', 'é'), fc.string({ maxLength: 4 })), { maxLength: 12 });

  it('a key of 16 characters or more never survives, wherever it was put', () => {
    fc.assert(
      fc.property(fc.string({ unit: keyChars, minLength: 16, maxLength: 40 }), text, fc.array(fc.nat(), { maxLength: 4 }), (key, parts, at) => {
        const pieces = [...parts];
        for (const i of at) pieces.splice(i % (pieces.length + 1), 0, key);
        const out = redactRoutingKey(pieces.join(''), key);
        expect(out.includes(key)).toBe(false);
      }),
    );
  });

  it('a short key never survives as a token of its own; text without that token is unchanged', () => {
    fc.assert(
      // ("routing" and "key" are words of the marker itself, not a leak)
      fc.property(fc.string({ unit: keyChars, minLength: 1, maxLength: 15 }).filter((k) => k !== 'routing' && k !== 'key'), text, fc.array(fc.nat(), { maxLength: 4 }), (key, parts, at) => {
        const pieces = [...parts];
        for (const i of at) pieces.splice(i % (pieces.length + 1), 0, ` ${key} `);
        const input = pieces.join('');
        const out = redactRoutingKey(input, key);
        expect(tokens(out)).not.toContain(key);
        if (!tokens(input).includes(key)) expect(out).toBe(input);
      }),
    );
  });
});
