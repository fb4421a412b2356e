// GitHub Actions workflow commands for a gate decision (`obligo gate --format json`): ::error:: for what
// blocks the change or what the gate cannot decide on (the other reasons in one ::notice::), ::warning:: for a waived violation and for
// a fail-open, ::notice:: when allowed. "Waived" is said as waived everywhere. Used by action.yml:
//   node dist/report/github.js gate.json   (prints the commands, writes `decision` and `exit-code` outputs)
import { appendFileSync, readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface GateJson {
  decision: 'allow' | 'deny' | 'unknown';
  allow: boolean;
  exitCode: number;
  failOpen: boolean;
  waived: string[];
  reasons: string[];
  /** When the gate says so: the reasons that block (deny) and those it cannot decide on. */
  blocking?: string[];
  unknowns?: string[];
  slas: Array<{ key: string; state: string }>;
}

/** Workflow command data: %, CR and LF escaped (GitHub's toCommandValue). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Workflow command property values: also : and , escaped. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(kind: 'error' | 'warning' | 'notice', title: string, message: string): string {
  return `::${kind} title=${escapeProperty(title)}::${escapeData(message)}`;
}

/** The verdict in words, as the gate's one-line output says it. */
export function verdict(g: GateJson): string {
  if (g.decision === 'allow') return g.waived.length > 0 ? 'allow (waived)' : 'allow';
  if (g.decision === 'deny') return 'deny';
  return g.failOpen ? 'cannot decide (fail-open: allowed)' : 'cannot decide';
}

export function gateAnnotations(g: GateJson): string[] {
  const title = `obligo gate: ${verdict(g)}`;
  if (g.decision === 'allow') {
    const out = g.waived.map((w) => command('warning', title, `waived: ${w}`));
    const n = g.slas.length;
    out.push(command('notice', title, g.waived.length > 0 ? `allowed with ${g.waived.length} waived violation${g.waived.length === 1 ? '' : 's'} (${n} SLA${n === 1 ? '' : 's'} checked)` : `${n} SLA${n === 1 ? '' : 's'} within budget`));
    return out;
  }
  const kind = g.decision === 'unknown' && g.failOpen ? 'warning' : 'error';
  // gate.rego lists the reasons most important first: what blocks (deny), what is unknown, then what
  // passed. When the JSON says which are which (blocking, unknowns), each of those is an annotation;
  // otherwise the first reason is (it always blocks or is unknown) and the rest go in one notice.
  const bad = g.decision === 'deny' ? g.blocking : g.unknowns;
  if (bad && bad.length > 0) {
    const rest = g.reasons.filter((r) => !bad.includes(r));
    return [...bad.map((r) => command(kind, title, r)), ...(rest.length > 0 ? [command('notice', title, `also: ${rest.join('; ')}`)] : [])];
  }
  const [first, ...rest] = g.reasons.length > 0 ? g.reasons : ['no reason given'];
  return [command(kind, title, first!), ...(rest.length > 0 ? [command('notice', title, `also: ${rest.join('; ')}`)] : [])];
}

function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const file = process.argv[2];
  let g: GateJson;
  try {
    g = JSON.parse(readFileSync(file ?? 0, 'utf8')) as GateJson;
  } catch (e) {
    process.stdout.write(`${command('error', 'obligo gate: cannot decide', `the gate printed no decision (${(e as Error).message})`)}\n`);
    process.exit(0);
  }
  process.stdout.write(gateAnnotations(g).join('\n') + '\n');
  process.stdout.write(`obligo gate: ${verdict(g)}${g.reasons.length > 0 && g.decision !== 'allow' ? `: ${g.reasons[0]}` : g.waived.length > 0 ? `: ${g.waived[0]}` : ''}\n`);
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `decision=${g.decision}\nverdict=${verdict(g)}\nexit-code=${g.exitCode}\n`);
}
