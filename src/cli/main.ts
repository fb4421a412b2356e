#!/usr/bin/env node
// The `obligo` command: a thin dispatcher. Each command lives in the room that owns its logic and is
// loaded on demand, so `obligo validate` does not pay for the Rego engine or SQLite.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadBundled } from './bundled.js';
import type { CommandIO } from './io.js';
import { processIO } from './io.js';

type Command = (argv: string[], io: CommandIO) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: (env: NodeJS.ProcessEnv) => Promise<Command> }> = {
  demo: {
    summary: 'validate and compile the example contracts, then measure them against a throwaway Prometheus',
    load: async () => (await import('./commands/demo.js')).demoCommand,
  },
  validate: {
    summary: 'check contract files: obligo validate [PATH…]',
    load: async () => (await import('../contract/validate-command.js')).validateCommand,
  },
  compile: {
    summary: 'write Prometheus rules, OpenSLO, Grafana dashboards and Rego: obligo compile [PATH…] --out DIR',
    load: async () => (await import('../compile/compile-command.js')).compileCommand,
  },
  status: {
    summary: 'SLIs, burn rates and error budget per SLA, period to date',
    load: async () => (await import('./commands/status.js')).statusCommand,
  },
  credits: {
    summary: 'service credits for a period: obligo credits --period YYYY-MM|YYYY-Qn|YYYY',
    load: async () => (await import('./commands/credits.js')).creditsCommand,
  },
  gate: {
    summary: 'deploy gate on error budget (exit 0 allow, 1 deny, 2 cannot decide)',
    // A process per CI job: from its bundle with a code cache when `npm run build` made one (bundled.ts).
    load: async (env) => loadBundled('gate', env) ?? (await import('./commands/gate.js')).gateCommand,
  },
  rollup: {
    summary: 'persist hourly rollups so credits survive Prometheus retention',
    load: async () => (await import('./commands/rollup.js')).rollupCommand,
  },
  serve: {
    summary: 'the always-on evaluator: pages PagerDuty with the vendor\'s contacts; /api/v1, /metrics',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  report: {
    summary: 'contract performance report per vendor: obligo report --period 2026-Q1 --format html|md',
    load: async () => (await import('./commands/report.js')).reportCommand,
  },
  evidence: {
    summary: 'dispute evidence pack: obligo evidence --contract C --sla S --period P --out FILE.zip | obligo evidence verify FILE.zip',
    load: async () => (await import('./commands/evidence.js')).evidenceCommand,
  },
  backtest: {
    summary: 'proposed terms against past telemetry: obligo backtest --contract C [--objective N] [--tiers …] --from … --to …',
    load: async () => (await import('./commands/backtest.js')).backtestCommand,
  },
  import: {
    summary: 'contract files from other formats: obligo import openslo FILE…',
    load: async () => (await import('./commands/import.js')).importCommand,
  },
  policy: {
    summary: 'Rego: obligo policy eval … | obligo policy test [PATH…] | obligo policy build … (wasm bundle, needs opa)',
    load: async () => (await import('./commands/policy.js')).policyCommand,
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'usage: obligo <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `obligo <command> --help` for the options of a command.',
  ].join('\n');
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === 'version') {
    io.stdout(`obligo ${await version()}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.stderr(`obligo: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await (await cmd.load(io.env))(rest, io);
  } catch (err) {
    // Last line of defence: a clear message, never a stack trace (OBLIGO_DEBUG=1 shows it).
    const msg = err instanceof Error ? err.message : String(err);
    io.stderr(`obligo ${name}: ${msg}\n`);
    if (io.env.OBLIGO_DEBUG && err instanceof Error && err.stack) io.stderr(err.stack + '\n');
    return 2;
  }
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2), processIO()).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`obligo: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
