import type { CommandIO } from '../io.js';

export async function importCommand(_argv: string[], io: CommandIO): Promise<number> {
  io.stderr('obligo: import: not available yet\n');
  return 2;
}
