// Alertmanager output, for teams that page through Alertmanager instead of `obligo serve`: one file,
// `alertmanager/obligo-routes.yaml`, holding a route subtree for obligo's burn alerts, its PagerDuty
// receivers and the inhibition (page inhibits ticket), to merge into an existing Alertmanager config.
//
// - The subtree matches `alertname="ObligoErrorBudgetBurn"` and groups by contract and SLA, so the
//   page rows of one SLA (1h/5m and 6h/30m) make one PagerDuty incident.
// - Child routes per contract and severity, with the contract's own receivers: `obligo-<contract>-page` (PagerDuty severity
//   critical: high urgency on services with dynamic urgency) and `obligo-<contract>-ticket` (warning:
//   low urgency). Each receiver reads the contract's routing key from a file (`routing_key_file`):
//   `{ file: PATH }` as written, `{ env: NAME }` as `<routing-key-dir>/NAME`, no key as
//   `<routing-key-dir>/OBLIGO_PAGERDUTY_ROUTING_KEY`. Never a key itself.
// - Alerts of contracts this file does not know (rules deployed before the routes) still page, through
//   `obligo-default-page` / `obligo-default-ticket` with the default key.
// - PagerDuty custom details carry what the alert annotations carry (vendor, every escalation contact,
//   the links, the contract document and revision); the dashboard and runbook are also PD links. They
//   are Alertmanager templates over the annotations, so the rule file stays the one source.
import type { Contract } from '../contract/model.js';
import { DEFAULT_PAGERDUTY_SEVERITY, PAGERDUTY_SEVERITIES, type SecretRef } from '../contract/schema.js';
import {
  activeBurnRates,
  ANNOTATION,
  BURN_ALERT,
  DEFAULT_PAGERDUTY_ROUTING_KEY,
  escalationAnnotation,
  LABEL,
  SEVERITIES,
  type AlertSeverity,
} from '../conventions.js';
import type { Compiler, CompileOptions, OutputFile } from './output.js';
import { toYaml, type YamlValue } from './yaml-writer.js';

export const ALERTMANAGER_PATH = 'alertmanager/obligo-routes.yaml';

/** Where prometheus-operator mounts a Secret named `obligo-pagerduty` listed in `Alertmanager.spec.secrets`. */
export const DEFAULT_ROUTING_KEY_DIR = '/etc/alertmanager/secrets/obligo-pagerduty';

/** Alertmanager's own defaults, written out so that a team sees what it merges. */
export const ROUTE_TIMING = { group_wait: '30s', group_interval: '5m', repeat_interval: '4h' } as const;

/** PagerDuty Events v2 severities and the defaults: one home, the contract room (validate warns about others). */
export { DEFAULT_PAGERDUTY_SEVERITY, PAGERDUTY_SEVERITIES };
export type PagerDutySeverity = (typeof PAGERDUTY_SEVERITIES)[number];

export const DEFAULT_RECEIVER_PREFIX = 'obligo-default';

export function receiverName(contractId: string | undefined, severity: AlertSeverity): string {
  return `${contractId === undefined ? DEFAULT_RECEIVER_PREFIX : `obligo-${contractId}`}-${severity}`;
}

/** `routing_key_file` for a contract's key reference (or the default key when it names none). */
export function routingKeyFile(ref: SecretRef | undefined, dir: string = DEFAULT_ROUTING_KEY_DIR): string {
  if (ref && 'file' in ref) return ref.file;
  const name = ref && 'env' in ref ? ref.env : DEFAULT_PAGERDUTY_ROUTING_KEY;
  return `${dir.replace(/\/+$/, '')}/${name}`;
}

/**
 * The PagerDuty severity of a page or ticket: the contract's `notify.pagerduty.severityMap` entry for
 * `page`/`ticket` when it names a PagerDuty severity, else critical/warning.
 */
export function pagerDutySeverity(contract: Contract | undefined, severity: AlertSeverity): PagerDutySeverity {
  const mapped = contract?.doc.notify?.pagerduty?.severityMap?.[severity];
  return mapped !== undefined && (PAGERDUTY_SEVERITIES as readonly string[]).includes(mapped) ? (mapped as PagerDutySeverity) : DEFAULT_PAGERDUTY_SEVERITY[severity];
}

const matcher = (name: string, value: string): string => `${name}=${JSON.stringify(value)}`;
const label = (name: string): string => `{{ .CommonLabels.${name} }}`;
const common = (name: string): string => `{{ .CommonAnnotations.${name} }}`;
/** Annotations that differ between the rows of one SLA (windows, factor) come from the group's first alert. */
const first = (name: string): string => `{{ (index .Alerts 0).Annotations.${name} }}`;

/**
 * PagerDuty custom details. Per contract: exactly the annotations its alerts carry (every escalation
 * contact by level). Default receivers: the ones every alert carries, plus the contact list as JSON.
 */
function details(contract: Contract | undefined): Record<string, string> {
  const d: Record<string, string> = {
    [LABEL.vendor]: label(LABEL.vendor),
    [LABEL.contract]: label(LABEL.contract),
    [LABEL.sla]: label(LABEL.sla),
    [LABEL.severity]: label(LABEL.severity),
    [ANNOTATION.objective]: common(ANNOTATION.objective),
    [ANNOTATION.description]: first(ANNOTATION.description),
  };
  const known = contract !== undefined;
  if (!known || contract.doc.metadata.owner) d[ANNOTATION.owner] = common(ANNOTATION.owner);
  const contacts = contract?.escalation.length ?? 0;
  for (let i = 1; i <= contacts; i++) d[escalationAnnotation(i)] = common(escalationAnnotation(i));
  if (!known || contacts > 0) d[ANNOTATION.escalation] = common(ANNOTATION.escalation);
  d[ANNOTATION.runbookUrl] = common(ANNOTATION.runbookUrl);
  d[ANNOTATION.dashboardUrl] = common(ANNOTATION.dashboardUrl);
  if (!known || contract.documentUrl) d[ANNOTATION.contractDocumentUrl] = common(ANNOTATION.contractDocumentUrl);
  if (!known || contract.revision !== undefined) d[ANNOTATION.contractRevision] = common(ANNOTATION.contractRevision);
  return d;
}

function links(contract: Contract | undefined): { href: string; text: string }[] {
  const out = [
    { href: common(ANNOTATION.dashboardUrl), text: 'SLA dashboard' },
    { href: common(ANNOTATION.runbookUrl), text: 'Runbook' },
  ];
  if (contract?.documentUrl) out.push({ href: common(ANNOTATION.contractDocumentUrl), text: 'Contract' });
  return out;
}

function receiver(contract: Contract | undefined, severity: AlertSeverity, keyDir: string): Record<string, YamlValue> {
  return {
    name: receiverName(contract?.id, severity),
    pagerduty_configs: [
      {
        routing_key_file: routingKeyFile(contract?.pagerduty?.routingKey, keyDir),
        severity: pagerDutySeverity(contract, severity),
        description: first(ANNOTATION.summary),
        class: 'error-budget-burn',
        component: label(LABEL.vendor),
        group: label(LABEL.contract),
        links: links(contract),
        details: details(contract),
      },
    ],
  };
}

/** The severities a contract's alerts can have (rows switched off by `page: false`/`ticket: false` left out). */
function severitiesOf(contract: Contract): AlertSeverity[] {
  const present = new Set(contract.slas.flatMap((s) => activeBurnRates(s).map((r) => r.severity)));
  return SEVERITIES.filter((s) => present.has(s));
}

/** One route per contract and severity: `contract="x", severity="page"` → `obligo-x-page`. */
function contractRoutes(contract: Contract, severities: AlertSeverity[]): Record<string, YamlValue>[] {
  return severities.map((s) => ({
    receiver: receiverName(contract.id, s),
    matchers: [matcher(LABEL.contract, contract.id), matcher(LABEL.severity, s)],
  }));
}

export interface AlertmanagerFragment {
  route: Record<string, YamlValue>;
  receivers: Record<string, YamlValue>[];
  inhibit_rules: Record<string, YamlValue>[];
}

/** The mergeable pieces, as data (contracts in id order). */
export function alertmanagerFragment(contracts: readonly Contract[], opts: Pick<CompileOptions, 'routingKeyDir'> = {}): AlertmanagerFragment {
  const keyDir = opts.routingKeyDir ?? DEFAULT_ROUTING_KEY_DIR;
  const sorted = [...contracts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const routes: Record<string, YamlValue>[] = [];
  const receivers: Record<string, YamlValue>[] = [];
  for (const c of sorted) {
    const severities = severitiesOf(c);
    if (severities.length === 0) continue;
    routes.push(...contractRoutes(c, severities));
    for (const s of severities) receivers.push(receiver(c, s, keyDir));
  }
  routes.push({ receiver: receiverName(undefined, 'page'), matchers: [matcher(LABEL.severity, 'page')] });
  receivers.push(receiver(undefined, 'page', keyDir), receiver(undefined, 'ticket', keyDir));
  const burn = matcher(LABEL.alertname, BURN_ALERT);
  return {
    route: {
      receiver: receiverName(undefined, 'ticket'),
      matchers: [burn],
      group_by: [LABEL.contract, LABEL.sla],
      ...ROUTE_TIMING,
      routes,
    },
    receivers,
    inhibit_rules: [
      {
        source_matchers: [burn, matcher(LABEL.severity, 'page')],
        target_matchers: [burn, matcher(LABEL.severity, 'ticket')],
        equal: [LABEL.contract, LABEL.sla],
      },
    ],
  };
}

const MERGE_NOTE = [
  'Merge into your Alertmanager config (Alertmanager has no includes):',
  '- `route`: add it to your root route\'s `routes:`, before any route that would catch these alerts',
  '  (it matches only obligo\'s burn alerts and does not `continue`);',
  '- `receivers` and `inhibit_rules`: append them to yours (the page of an SLA inhibits its ticket).',
  `Routing keys are read from files (routing_key_file), by default ${DEFAULT_ROUTING_KEY_DIR}/<NAME>`,
  `for a contract key { env: NAME } and ${DEFAULT_PAGERDUTY_ROUTING_KEY} for contracts without one`,
  '(`obligo compile --routing-key-dir DIR` to change it); { file: PATH } is used as written.',
  'Check the merged file with `amtool check-config`. See docs/alertmanager.md.',
];

export function alertmanagerFile(contracts: readonly Contract[], opts: Pick<CompileOptions, 'routingKeyDir'> = {}): string {
  const sources = [...contracts]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((c) => `  ${c.file.replace(/[\r\n]+/g, ' ')} (sha256 ${c.hash})`);
  const head = ['generated by obligo — do not edit; from', ...sources, '', ...MERGE_NOTE];
  const fragment = alertmanagerFragment(contracts, opts);
  return head.map((l) => (l ? `# ${l}` : '#')).join('\n') + '\n' + toYaml(fragment as unknown as { [key: string]: YamlValue });
}

export const compileAlertmanager: Compiler = (contracts, opts) =>
  contracts.length === 0 ? [] : [{ path: ALERTMANAGER_PATH, content: alertmanagerFile(contracts, opts) } satisfies OutputFile];

/**
 * The merge a team does by hand, for a parsed Alertmanager config: the obligo subtree first among the
 * root route's children, receivers and inhibit rules appended. Throws when a receiver name is taken.
 */
export function mergeIntoAlertmanagerConfig(base: Record<string, unknown>, fragment: AlertmanagerFragment): Record<string, unknown> {
  const route = (base.route ?? {}) as Record<string, unknown>;
  const receivers = (base.receivers ?? []) as { name: string }[];
  const taken = new Set(receivers.map((r) => r.name));
  for (const r of fragment.receivers) if (taken.has(r.name as string)) throw new Error(`receiver ${String(r.name)} exists already`);
  return {
    ...base,
    route: { ...route, routes: [fragment.route, ...((route.routes ?? []) as unknown[])] },
    receivers: [...receivers, ...fragment.receivers],
    inhibit_rules: [...((base.inhibit_rules ?? []) as unknown[]), ...fragment.inhibit_rules],
  };
}
