import type { CommandIO } from '../io.js';

export async function backtestCommand(_argv: string[], io: CommandIO): Promise<number> {
  io.stderr('obligo: backtest: not available yet\n');
  return 2;
}
