// `obligo policy eval|test|build`: the Rego engine's command-line face (opa eval / opa test compatible
// output) and the wasm bundle build (drives the real `opa build -t wasm`).
import type { CommandIO } from '../io.js';

export async function policyCommand(argv: string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = argv;
  const cli = await import('../../policy/cli/index.js');
  switch (sub) {
    case 'eval':
      return cli.policyEval(rest, io);
    case 'test':
      return cli.policyTest(rest, io);
    case 'build': {
      const { policyBuild } = await import('../../policy/cli/build.js');
      return policyBuild(rest, io);
    }
    default:
      io.stderr(
        'usage: obligo policy eval -d PATH [-d PATH…] [-i INPUT.json] [--strict-builtin-errors] QUERY\n' +
          '       obligo policy test [PATH…] [-v] [--run REGEX]\n' +
          '       obligo policy build [--contracts DIR…] [--policies DIR] [-o bundle.tar.gz] [-e ENTRYPOINT…]  (needs opa)\n',
      );
      return 2;
  }
}
