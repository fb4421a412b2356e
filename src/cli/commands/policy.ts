// `obligo policy eval|test|build`: the Rego engine's command-line face (opa eval / opa test compatible
// output) and the wasm bundle build (drives the real `opa build -t wasm`).
import type { CommandIO } from '../io.js';

export const POLICY_USAGE =
  'usage: obligo policy eval -d PATH [-d PATH…] [-i INPUT.json] [--strict-builtin-errors] QUERY\n' +
  '       obligo policy test [PATH…] [-v] [--run REGEX]   (PATH default: the policies/ shipped with obligo)\n' +
  '       obligo policy build [--contracts DIR…] [--policies DIR] [-o bundle.tar.gz] [-e ENTRYPOINT…]  (needs opa)\n';

export async function policyCommand(argv: string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'eval':
      return (await import('../../policy/cli/index.js')).policyEval(rest, io);
    case 'test':
      return (await import('../../policy/cli/index.js')).policyTest(rest, io);
    case 'build': {
      const { policyBuild } = await import('../../policy/cli/build.js');
      return policyBuild(rest, io);
    }
    case '--help':
    case '-h':
    case 'help':
      io.stdout(`${POLICY_USAGE}\nRun \`obligo policy <eval|test|build> --help\` for the options of each.\n`);
      return 0;
    case undefined:
      io.stderr(POLICY_USAGE);
      return 2;
    default:
      io.stderr(`obligo policy: unknown subcommand ${JSON.stringify(sub)}\n${POLICY_USAGE}`);
      return 2;
  }
}
