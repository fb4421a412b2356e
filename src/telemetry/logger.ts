// pino JSON logs for `obligo serve`: one line per event, level from the config (`log.level`), and the
// fields that can carry a secret censored wherever they appear in the first three levels of an object
// (an Authorization header, a token, a PagerDuty routing_key, a password, a secret). Obligo never puts
// a secret value in a log on purpose (references such as { env: NAME } are logged, values are not):
// the redaction is the second line of defence, for objects logged whole.
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

/** Keys whose values never reach a log line, at any of the first three levels. */
export const REDACTED_KEYS = ['authorization', 'Authorization', 'cookie', 'token', 'routing_key', 'password', 'secret', 'bearerToken', 'apiKey', 'api_key'] as const;

/** pino redact paths for REDACTED_KEYS at depth 1 to 3 (pino's `*` stands for exactly one level). */
export const REDACT_PATHS: readonly string[] = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export const REDACTED = '[redacted]';

export type LogLevel = Level | 'silent';

export interface LoggerOptions {
  /** Default 'info'. */
  level?: LogLevel;
  /** Where lines go (default stdout). Tests pass a stream that collects them. */
  destination?: DestinationStream;
  /**
   * Without a destination: stdout (default: the daemon, as container log collectors expect) or stderr
   * (`serve --once` and `--check`, whose stdout is their one result).
   */
  to?: 'stdout' | 'stderr';
  /** Fields on every line (default { name: 'obligo' }). */
  base?: Record<string, unknown>;
}

/** The serve logger: JSON lines, ISO timestamps, secrets censored. It satisfies ServeLogger. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: opts.base ?? { name: 'obligo' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    opts.destination ?? (opts.to === 'stderr' ? pino.destination({ dest: 2, sync: true }) : undefined),
  );
}

export type { Logger };
