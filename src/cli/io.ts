// What a command may touch of the outside world: passed in, so tests capture output without spawning.
export interface CommandIO {
  stdout(s: string): void;
  stderr(s: string): void;
  env: NodeJS.ProcessEnv;
}

export function processIO(): CommandIO {
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
