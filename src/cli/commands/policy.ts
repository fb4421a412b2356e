// `obligo policy eval|test`: the Rego engine's command-line face (opa eval / opa test compatible output).
import type { CommandIO } from '../io.js';

export async function policyCommand(argv: string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = argv;
  const cli = await import('../../policy/cli/index.js');
  switch (sub) {
    case 'eval':
      return cli.policyEval(rest, io);
    case 'test':
      return cli.policyTest(rest, io);
    default:
      io.stderr(
        'usage: obligo policy eval -d PATH [-d PATH…] [-i INPUT.json] [--strict-builtin-errors] QUERY\n' +
          '       obligo policy test [PATH…] [-v] [--run REGEX]\n',
      );
      return 2;
  }
}
