// `obligo compile [PATH…] [--out DIR] [--format prometheus|prometheus-operator] [--links-grafana URL]
// [--links-runbooks URL] [--routing-key-dir DIR]`: load the contracts, compile every valid one, write the
// outputs. Invalid contracts are reported (as `obligo validate`
// reports them) and skipped; the exit status is 1 when any was invalid, 0 otherwise, 2 on a usage error.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatIssue, loadContracts } from '../contract/load.js';
import { DEFAULT_ROUTING_KEY_DIR } from './alertmanager.js';
import { compileAll, writeOutputs } from './index.js';
import type { CompileOptions, OutputFile } from './output.js';

export interface CommandIO {
  stdout(s: string): void;
  stderr(s: string): void;
}

const USAGE =
  'usage: obligo compile [PATH…] [--out DIR] [--format prometheus|prometheus-operator]\n' +
  '                      [--links-grafana URL] [--links-runbooks URL] [--routing-key-dir DIR]\n' +
  '  PATH               contract files or folders (default contracts/)\n' +
  '  --out              output directory (default out/); other files in it are left alone\n' +
  '  --format           Prometheus rules as plain rule files (default) or PrometheusRule resources\n' +
  '  --links-grafana    Grafana root URL for the dashboard_url of alerts (<URL>/d/<uid>; default https://grafana.invalid)\n' +
  '  --links-runbooks   runbook base URL for runbook_url: {contract} and {sla} are replaced, else /<contract>/<sla>\n' +
  '                     is appended (default https://runbooks.invalid)\n' +
  `  --routing-key-dir  directory of the PagerDuty routing-key files the Alertmanager receivers read (default ${DEFAULT_ROUTING_KEY_DIR})`;

const FORMATS: readonly CompileOptions['prometheusFormat'][] = ['prometheus', 'prometheus-operator'];

export async function compileCommand(argv: string[], io: CommandIO): Promise<number> {
  let values: {
    out?: string;
    format?: string;
    help?: boolean;
    'links-grafana'?: string;
    'links-runbooks'?: string;
    'routing-key-dir'?: string;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string', short: 'o' },
        format: { type: 'string', short: 'f' },
        'links-grafana': { type: 'string' },
        'links-runbooks': { type: 'string' },
        'routing-key-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    io.stderr(`obligo compile: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const format = values.format ?? 'prometheus';
  if (!(FORMATS as readonly string[]).includes(format)) {
    io.stderr(`obligo compile: --format must be prometheus or prometheus-operator, got ${JSON.stringify(format)}\n${USAGE}\n`);
    return 2;
  }
  const out = values.out ?? 'out/';
  if (out === '') {
    io.stderr(`obligo compile: --out needs a directory\n${USAGE}\n`);
    return 2;
  }
  for (const flag of ['links-grafana', 'links-runbooks'] as const) {
    const url = values[flag];
    if (url !== undefined && !isHttpUrl(url)) {
      io.stderr(`obligo compile: --${flag} must be an http(s) URL, got ${JSON.stringify(url)}\n${USAGE}\n`);
      return 2;
    }
  }
  const keyDir = values['routing-key-dir'];
  if (keyDir !== undefined && (keyDir === '' || /[\r\n]/.test(keyDir))) {
    io.stderr(`obligo compile: --routing-key-dir needs a directory\n${USAGE}\n`);
    return 2;
  }
  const paths = positionals.length ? positionals : ['contracts/'];
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length) {
    io.stderr(missing.map((p) => `obligo compile: no such file or directory: ${p}\n`).join('') + `${USAGE}\n`);
    return 2;
  }

  const loaded = await loadContracts(paths);
  for (const issue of loaded.issues) io.stderr(`${formatIssue(issue)}\n`);
  const invalid = new Set(loaded.issues.filter((i) => i.severity === 'error').map((i) => i.file)).size;

  const files = compileAll(loaded.contracts, {
    prometheusFormat: format as CompileOptions['prometheusFormat'],
    links: { grafana: values['links-grafana'], runbooks: values['links-runbooks'] },
    routingKeyDir: keyDir,
  });
  try {
    await writeOutputs(out, files);
  } catch (e) {
    io.stderr(`obligo compile: cannot write to ${out}: ${(e as Error).message}\n`);
    return 2;
  }

  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  io.stdout(`compiled ${n(loaded.contracts.length, 'contract')}${invalid ? `, skipped ${invalid} invalid` : ''} into ${out}\n`);
  for (const line of summaryLines(out, files)) io.stdout(`${line}\n`);
  if (loaded.files.length === 0) io.stdout('no contract files found (*.yaml, *.yml)\n');
  return invalid > 0 ? 1 : 0;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !/[\s"]/.test(s);
  } catch {
    return false;
  }
}

/** One line per output kind (top folder): "  prometheus      6 files  out/prometheus/". */
export function summaryLines(outDir: string, files: readonly OutputFile[]): string[] {
  const counts = new Map<string, number>();
  for (const f of files) {
    const slash = f.path.indexOf('/');
    const kind = slash < 0 ? '.' : f.path.slice(0, slash);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const base = outDir.endsWith('/') ? outDir : `${outDir}/`;
  const kinds = [...counts.keys()].sort();
  const width = Math.max(0, ...kinds.map((k) => k.length));
  return kinds.map((k) => {
    const count = counts.get(k)!;
    return `  ${k.padEnd(width)}  ${String(count).padStart(4)} file${count === 1 ? ' ' : 's'}  ${k === '.' ? base : `${base}${k}/`}`;
  });
}
