import type { CommandIO } from '../io.js';

export async function reportCommand(_argv: string[], io: CommandIO): Promise<number> {
  io.stderr('obligo: report: not available yet\n');
  return 2;
}
