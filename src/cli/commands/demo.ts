// `obligo demo`: the whole pipeline on embedded defaults, with no external server.
//   contract → validate → compile → live: `obligo serve` pages a simulated vendor's outage to a fake
//   PagerDuty and resolves it → history: a synthetic month in a private Prometheus → status, decisions,
//   credits, gate.
// The Prometheus part needs the `prometheus` and `promtool` binaries (Debian's `prometheus` package);
// without them the demo stops after compiling and says how to get them.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compileCommand } from '../../compile/compile-command.js';
import { loadContracts } from '../../contract/index.js';
import { validateCommand } from '../../contract/validate-command.js';
import { checkPrometheusTools, startPrometheus } from '../../demo/prometheus-server.js';
import { demoTrafficSpec, generateTraffic } from '../../demo/synthetic.js';
import { evaluate } from '../../evaluate/evaluate.js';
import { ObligoPolicies } from '../../evaluate/policies.js';
import { selectSlas } from '../../evaluate/selection.js';
import { PrometheusClient, promSource } from '../../prometheus/index.js';
import type { CommandIO } from '../io.js';

// The demo's timeline is fixed, so its output is the same on every machine and every day: traffic
// from 28 Feb to 2 Apr 2026 (March has the US DST change), evaluated at fixed instants via --at.
const TRAFFIC_START = Date.parse('2026-02-28T00:00:00Z');
const TRAFFIC_END = Date.parse('2026-04-02T00:00:00Z');
const DURING_OUTAGE = '2026-03-02T09:30:00Z'; // 30 minutes into a 45-minute compute outage
const AFTER_MONTH = '2026-04-02T00:00:00Z';

function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

export async function demoCommand(argv: string[], io: CommandIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        contracts: { type: 'string' },
        out: { type: 'string', default: 'out' },
        keep: { type: 'boolean' },
        'no-live': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    io.stderr(`obligo demo: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout('usage: obligo demo [--contracts DIR] [--out DIR] [--keep] [--no-live]\n\n  --keep     leave the live part (Prometheus, simulated vendor, fake PagerDuty, obligo serve) running\n  --no-live  skip the live part\n');
    return 0;
  }
  const contractsDir = values.contracts ?? (existsSync('contracts') ? 'contracts' : join(packageRoot(), 'contracts'));
  const out = values.out!;
  const say = (s: string) => io.stdout(s + '\n');
  const heading = (s: string) => say(`\n== ${s} ${'='.repeat(Math.max(0, 94 - s.length))}`);

  heading(`obligo validate ${contractsDir}`);
  if ((await validateCommand([contractsDir], io)) !== 0) {
    say('Some contracts are invalid (see above); the valid ones are still compiled and measured.');
  }

  heading(`obligo compile ${contractsDir} --out ${out}`);
  const compiled = await compileCommand([contractsDir, '--out', out], io);
  if (compiled === 2) return 2;

  const tools = checkPrometheusTools();
  if (!tools.ok) {
    say(`\nThe measuring half of the demo needs Prometheus (${tools.reason}).`);
    say('Install it with `apt-get install -y prometheus` (Debian/Ubuntu) and run `obligo demo` again.');
    return 0;
  }

  let kept: (() => Promise<void>) | undefined;
  if (!values['no-live']) {
    heading('obligo serve: a vendor outage, paged with the escalation contacts, then resolved');
    const { runLiveDemo } = await import('../../demo/live.js');
    const { serveHttp } = await import('../../server/http.js');
    const { creditsCsv, creditsJson } = await import('./credits.js');
    const http = serveHttp({ credits: { json: creditsJson, csv: creditsCsv } });
    const live = await runLiveDemo({ say, keep: values.keep, http });
    if (values.keep) kept = live.stop;
  }

  heading('a month of history: synthetic traffic → private Prometheus');
  const traffic = generateTraffic(demoTrafficSpec(TRAFFIC_START, TRAFFIC_END));
  say(
    `${traffic.seriesCount} series, ${traffic.truth.minutes} minutes per service ` +
      `(${new Date(TRAFFIC_START).toISOString()} → ${new Date(TRAFFIC_END).toISOString()}), backfilled with promtool…`,
  );
  const rulesDir = join(out, 'prometheus');
  const ruleFiles = existsSync(rulesDir) ? readdirSync(rulesDir).filter((f) => f.endsWith('.yaml')).map((f) => join(rulesDir, f)) : [];
  const prom = await startPrometheus({ traffic, ruleFiles });
  try {
    say(
      `Prometheus ready at ${prom.url} with ${ruleFiles.length} compiled rule files ` +
        `(backfill ${(prom.timings.backfillMs / 1000).toFixed(1)} s, start ${(prom.timings.startupMs / 1000).toFixed(1)} s)`,
    );
    const common = ['--contracts', contractsDir, '--prometheus', prom.url];

    heading(`obligo status --at ${DURING_OUTAGE}`);
    await (await import('./status.js')).statusCommand([...common, '--at', DURING_OUTAGE], io);

    heading('what the policies decide (policies/obligo/decision.rego)');
    const { contracts } = await loadContracts([contractsDir]);
    const policies = await ObligoPolicies.load(contracts, { env: io.env });
    const ev = await evaluate(
      { at: Date.parse(DURING_OUTAGE), slas: selectSlas(contracts), decisions: true },
      { source: promSource(new PrometheusClient({ url: prom.url })), policies },
    );
    for (const s of ev.status!.slas) {
      const d = ev.decisions!.get(s.key)!;
      if (d.action === 'none') continue;
      const who = d.escalation[0] ? ` → ${d.escalation[0].name} ${d.escalation[0].phone ?? d.escalation[0].email ?? ''}`.trimEnd() : '';
      say(`${d.action.toUpperCase().padEnd(6)} ${s.key}${who}`);
      for (const r of d.reasons) say(`       ${r}`);
    }

    heading(`obligo credits --period 2026-03 --at ${AFTER_MONTH}`);
    await (await import('./credits.js')).creditsCommand([...common, '--period', '2026-03', '--at', AFTER_MONTH], io);

    heading(`obligo gate --sla acme-compute/availability --at ${DURING_OUTAGE}`);
    const gate = await (await import('./gate.js')).gateCommand([...common, '--sla', 'acme-compute/availability', '--at', DURING_OUTAGE], io);
    say(`(exit status ${gate}: ${gate === 0 ? 'deploy allowed' : gate === 1 ? 'deploy denied' : 'cannot decide'})`);
  } finally {
    await prom.stop();
  }

  heading('outputs');
  say(`Compiled outputs are in ${resolve(out)}: prometheus/ (rules), alertmanager/, openslo/, grafana/ (dashboards), policies/ (Rego).`);
  say('Next: `obligo serve --config obligo.yaml`, or `obligo status|credits|gate --prometheus URL` against your own Prometheus; see README.md.');
  if (kept) {
    say('The live part is still running (--keep); Ctrl-C stops it.');
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    await kept();
  }
  return 0;
}
