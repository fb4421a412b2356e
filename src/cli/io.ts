// What a command may touch of the outside world: passed in, so tests capture output without spawning.
export interface CommandIO {
  stdout(s: string): void;
  stderr(s: string): void;
  env: NodeJS.ProcessEnv;
}

/** Exit status of a process killed by SIGPIPE, as a shell reports it (128 + 13). */
export const SIGPIPE_STATUS = 141;

let guarded = false;

/**
 * The reader of our output went away (`obligo validate | head -1`): end now, quietly, the way every
 * Unix tool does. A C program gets SIGPIPE on its next write and dies of it, which the shell reports as
 * status 141 (and prints nothing); Node ignores SIGPIPE and reports EPIPE instead, so restore the
 * default action and raise the signal ourselves. Where that is not possible (no SIGPIPE, or a handler
 * someone installed), exit with the same status.
 */
function endOnClosedPipe(): never {
  try {
    // Node starts with SIGPIPE ignored; a listener installs libuv's handler, removing the last one
    // resets the action to the default (terminate), so the signal below ends the process.
    const noop = () => {};
    process.on('SIGPIPE', noop);
    process.off('SIGPIPE', noop);
    if (process.listenerCount('SIGPIPE') === 0) process.kill(process.pid, 'SIGPIPE');
  } catch {
    // no SIGPIPE on this platform
  }
  process.exit(SIGPIPE_STATUS);
}

/**
 * Errors of our own stdout/stderr: without a listener, an EPIPE is an unhandled 'error' event, i.e. a
 * stack trace after the reader closed the pipe. A closed pipe ends the process as above; any other
 * write error (a full disk behind `> file`) is one line on stderr, if it still works, and status 2.
 */
function guardOutput(): void {
  if (guarded) return;
  guarded = true;
  const onError = (stream: 'stdout' | 'stderr') => (err: NodeJS.ErrnoException) => {
    if (err?.code === 'EPIPE' || err?.code === 'ERR_STREAM_DESTROYED') endOnClosedPipe();
    if (stream === 'stdout') {
      try {
        process.stderr.write(`obligo: cannot write to standard output: ${err?.code ?? err?.message ?? String(err)}\n`);
      } catch {
        // stderr is gone too
      }
    }
    process.exit(2);
  };
  process.stdout.on('error', onError('stdout'));
  process.stderr.on('error', onError('stderr'));
}

export function processIO(): CommandIO {
  guardOutput();
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    env: process.env,
  };
}

/** Captures output in memory (tests, and commands that call other commands). */
export function memoryIO(env: NodeJS.ProcessEnv = {}): CommandIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    env,
    stdout(s: string) {
      io.out += s;
    },
    stderr(s: string) {
      io.err += s;
    },
  };
  return io;
}
