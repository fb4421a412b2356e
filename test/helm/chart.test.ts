// The Helm chart, rendered by the real helm (lint --strict and template) over the values files in
// helm/obligo/ci/ (SQLite single replica; PostgreSQL with three replicas and the Prometheus Operator;
// git-sync with two replicas and the operator off), every rendered manifest validated offline against
// the Kubernetes and Prometheus Operator schemas (kubernetes-models), the rendered obligo.yaml parsed by
// serve's own config schema, and the generated content the chart carries (dashboards, compiled rules)
// compared with a fresh copy of its source.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, PersistentVolumeClaim, Service, ServiceAccount } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseServeConfig, type ServeConfig } from '../../src/server/config.js';
import { projectRoot, requireTool } from '../helpers/tools.js';

const run = promisify(execFile);
const helm = requireTool('helm', [], 'go install helm.sh/helm/v3/cmd/helm@v3.22.0');
const chart = join(projectRoot, 'helm', 'obligo');
const ci = (f: string) => join(chart, 'ci', f);

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: unknown };
type Validator = { validate(): void };
const MODELS: Record<string, new (d: never) => Validator> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/** Validate against the schema of its kind; an unknown kind is an error too. */
function validate(m: Manifest): void {
  const Model = MODELS[`${m.apiVersion}/${m.kind}`];
  if (!Model) throw new Error(`no schema for ${m.apiVersion} ${m.kind} (${m.metadata?.name})`);
  new Model(m as never).validate();
}

async function template(args: string[]): Promise<Manifest[]> {
  const { stdout } = await run(helm.path!, ['template', 'obligo', chart, '--namespace', 'slas', ...args], { maxBuffer: 64 << 20 });
  return parseAllDocuments(stdout)
    .map((d) => {
      if (d.errors.length) throw new Error(`helm rendered invalid YAML: ${d.errors[0]!.message}`);
      return d.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

async function templateFails(args: string[]): Promise<string> {
  try {
    await run(helm.path!, ['template', 'obligo', chart, ...args], { maxBuffer: 64 << 20 });
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  }
  throw new Error(`helm template ${args.join(' ')} succeeded`);
}

const one = (ms: Manifest[], kind: string, nameEnd = ''): Manifest => {
  const found = ms.filter((m) => m.kind === kind && m.metadata.name.endsWith(nameEnd));
  expect(found, `${kind} *${nameEnd}`).toHaveLength(1);
  return found[0]!;
};

interface Container {
  name: string;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: unknown } }>;
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext: Record<string, unknown>;
  terminationGracePeriodSeconds: number;
  automountServiceAccountToken?: boolean;
  volumes: Array<{ name: string; configMap?: { name: string }; persistentVolumeClaim?: unknown; emptyDir?: unknown }>;
  affinity?: unknown;
}
const podOf = (d: Manifest) => (d as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;

function configOf(ms: Manifest[]): ServeConfig {
  const cm = one(ms, 'ConfigMap', '-config') as unknown as { data: Record<string, string> };
  return parseServeConfig('obligo.yaml (rendered)', cm.data['obligo.yaml']!);
}

/** Every { env: NAME } reference in the config. */
function envRefs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => envRefs(x, out));
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o.env === 'string') out.push(o.env);
    else Object.values(o).forEach((x) => envRefs(x, out));
  }
  return out;
}

const VALUES = ['sqlite-values.yaml', 'postgres-3-replicas-values.yaml', 'gitsync-values.yaml'];
const acme = readFileSync(join(projectRoot, 'contracts', 'acme-compute.yaml'), 'utf8');
const setAcme = ['--set-file', `contracts.files.acme\\.yaml=${join(projectRoot, 'contracts', 'acme-compute.yaml')}`];
const argsOf = (f: string) => ['-f', ci(f), ...(f === 'sqlite-values.yaml' ? setAcme : [])];

describe.skipIf(!helm.ok)(`helm/obligo${helm.skipNote}`, () => {
  const rendered = new Map<string, Manifest[]>();
  beforeAll(async () => {
    await Promise.all(VALUES.map(async (f) => rendered.set(f, await template(argsOf(f)))));
  });

  it.each(VALUES)('helm lint --strict passes with %s', async (f) => {
    const { stdout } = await run(helm.path!, ['lint', '--strict', chart, ...argsOf(f)]);
    expect(stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it.each(VALUES)('every manifest rendered with %s is valid against its Kubernetes schema', (f) => {
    const ms = rendered.get(f)!;
    expect(ms.length).toBeGreaterThan(4);
    for (const m of ms) {
      expect(() => validate(m), `${m.kind} ${m.metadata.name}`).not.toThrow();
      if (m.kind !== 'Namespace') expect(m.metadata.namespace, `${m.kind} ${m.metadata.name}`).toBe('slas');
    }
    // no Secret is ever rendered: secrets are references to existing ones
    expect(ms.filter((m) => m.kind === 'Secret')).toEqual([]);
  });

  it('the schema validation catches a broken manifest (negative control)', () => {
    const d = structuredClone(one(rendered.get('sqlite-values.yaml')!, 'Deployment')) as Manifest & { spec: Record<string, unknown> };
    d.spec.replicas = 'one';
    expect(() => validate(d)).toThrow(/replicas/);
    const pod = podOf(structuredClone(d));
    delete (pod.containers[0] as Partial<Container>).name;
    expect(() => validate({ ...d, spec: { ...d.spec, replicas: 1, template: { spec: pod } } })).toThrow(/name/);
    expect(() => validate({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } })).toThrow(/no schema/);
  });

  it.each(VALUES)('obligo.yaml rendered with %s is a valid serve config whose secrets are env references set from existing Secrets', (f) => {
    const ms = rendered.get(f)!;
    const config = configOf(ms);
    const pod = podOf(one(ms, 'Deployment'));
    const obligo = pod.containers.find((c) => c.name === 'obligo')!;
    const env = new Map((obligo.env ?? []).map((e) => [e.name, e]));
    const refs = envRefs(config);
    expect(refs.length).toBeGreaterThan(0);
    for (const name of refs) {
      expect(env.get(name)?.valueFrom?.secretKeyRef, `env ${name}`).toMatchObject({ name: expect.any(String), key: expect.any(String) });
    }
    // no literal value in the container env except the pod name
    for (const e of obligo.env ?? []) expect(e.value, e.name).toBeUndefined();
    expect(config.server.listen).toBe('0.0.0.0:8080');
    const cmName = (n: string) => pod.volumes.find((v) => v.name === n);
    expect(cmName('config')?.configMap?.name).toBe(one(ms, 'ConfigMap', '-config').metadata.name);
  });

  it.each(VALUES)('the pod rendered with %s runs non-root on a read-only root filesystem, with limits, probes and a grace period', (f) => {
    const pod = podOf(one(rendered.get(f)!, 'Deployment'));
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.runAsUser).not.toBe(0);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
      expect(c.securityContext, c.name).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(Object.keys(c.resources?.requests ?? {}), c.name).toEqual(expect.arrayContaining(['cpu', 'memory']));
      expect(c.resources?.limits?.memory, c.name).toBeTruthy();
    }
    const obligo = pod.containers.find((c) => c.name === 'obligo')!;
    expect(obligo.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(obligo.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(obligo.volumeMounts?.map((m) => m.mountPath)).toContain('/tmp');
  });

  it('SQLite, one replica: the file on the persistent volume, Recreate, contracts and policies from values, no operator resources', () => {
    const ms = rendered.get('sqlite-values.yaml')!;
    const config = configOf(ms);
    expect(config.store).toEqual({ sqlite: '/var/lib/obligo/obligo.db' });
    expect(config.contracts).toBe('/etc/obligo/contracts');
    expect(config.policies).toBe('/etc/obligo/policies');
    expect(envRefs(config).sort()).toEqual(['OBLIGO_PAGERDUTY_ROUTING_KEY']);
    const d = one(ms, 'Deployment') as Manifest & { spec: { replicas: number; strategy: { type: string } } };
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy.type).toBe('Recreate');
    const pod = podOf(d);
    const obligo = pod.containers[0]!;
    expect(obligo.volumeMounts).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'data', mountPath: '/var/lib/obligo' })]));
    expect(pod.volumes.find((v) => v.name === 'data')?.persistentVolumeClaim).toEqual({ claimName: one(ms, 'PersistentVolumeClaim').metadata.name });
    expect(obligo.env?.find((e) => e.name === 'PD_ACME_KEY')?.valueFrom?.secretKeyRef).toEqual({ name: 'obligo-pagerduty', key: 'acme' });
    const contracts = one(ms, 'ConfigMap', '-contracts') as unknown as { data: Record<string, string> };
    expect(contracts.data['acme.yaml']).toBe(acme);
    expect((one(ms, 'ConfigMap', '-policies') as unknown as { data: Record<string, string> }).data['extra.rego']).toContain('package obligo.extra');
    expect(ms.filter((m) => m.apiVersion.startsWith('monitoring.coreos.com'))).toEqual([]);
    expect(one(ms, 'PodDisruptionBudget')).toBeTruthy();
  });

  it('PostgreSQL, three replicas: URL from a Secret, rolling updates, spread over nodes, a PDB, ServiceMonitor and the compiled PrometheusRules', () => {
    const ms = rendered.get('postgres-3-replicas-values.yaml')!;
    const config = configOf(ms);
    expect(config.store).toEqual({ postgres: { url: { env: 'OBLIGO_POSTGRES_URL' }, schema: 'obligo' } });
    expect(config.prometheus).toMatchObject({ bearerToken: { env: 'OBLIGO_PROMETHEUS_BEARER_TOKEN' }, headers: { 'X-Scope-OrgID': 'team-a' }, maxBytes: 100000000 });
    expect(config.server.tokens).toEqual([
      { name: 'grafana', role: 'viewer', token: { env: 'OBLIGO_API_TOKEN_0' } },
      { name: 'finance', role: 'finance', token: { env: 'OBLIGO_API_TOKEN_1' } },
    ]);
    expect(config.links).toEqual({ grafana: 'https://grafana.example.com', runbooks: 'https://runbooks.example.com/obligo/{contract}/{sla}' });
    expect(config.contracts).toBe('/etc/obligo/contracts');
    expect(config.policies).toBeUndefined();
    const d = one(ms, 'Deployment') as Manifest & { spec: { replicas: number; strategy: { type: string; rollingUpdate: unknown } } };
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const pod = podOf(d);
    expect(JSON.stringify(pod.affinity)).toContain('kubernetes.io/hostname');
    expect(pod.volumes.find((v) => v.name === 'contracts')?.configMap?.name).toBe('team-contracts');
    expect(pod.volumes.find((v) => v.name === 'data')).toBeUndefined();
    expect(pod.containers[0]!.env?.find((e) => e.name === 'OBLIGO_POSTGRES_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'obligo-postgres', key: 'url' });
    expect(ms.filter((m) => m.kind === 'PersistentVolumeClaim')).toEqual([]);
    expect(ms.filter((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-contracts'))).toEqual([]);
    expect((one(ms, 'PodDisruptionBudget') as unknown as { spec: unknown }).spec).toMatchObject({ maxUnavailable: 1 });
    const sm = one(ms, 'ServiceMonitor') as unknown as { metadata: Manifest['metadata']; spec: { endpoints: Array<{ port: string; path: string }>; selector: { matchLabels: Record<string, string> } } };
    expect(sm.metadata.labels?.release).toBe('kube-prometheus-stack');
    expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    const svc = one(ms, 'Service') as unknown as { spec: { selector: Record<string, string> } };
    expect(sm.spec.selector.matchLabels).toEqual(svc.spec.selector);
    const rules = ms.filter((m) => m.kind === 'PrometheusRule');
    const files = readdirSync(join(chart, 'files', 'prometheusrules')).filter((f) => f.endsWith('.yaml')).sort();
    expect(rules).toHaveLength(files.length);
    for (const f of files) {
      const src = parseYaml(readFileSync(join(chart, 'files', 'prometheusrules', f), 'utf8')) as Manifest & { spec: unknown };
      const r = rules.find((x) => x.metadata.name === src.metadata.name) as (Manifest & { spec: unknown }) | undefined;
      expect(r, f).toBeDefined();
      expect(r!.spec).toEqual(src.spec);
      // the compiled labels, the release's (Helm manages the resource now), and the selector label asked for
      expect(r!.metadata.labels).toMatchObject({ 'obligo.dev/contract': src.metadata.labels!['obligo.dev/contract'], 'app.kubernetes.io/managed-by': 'Helm', release: 'kube-prometheus-stack' });
    }
    for (const cm of ms.filter((m) => m.metadata.name.includes('-dashboard-'))) expect(cm.metadata.annotations?.grafana_folder).toBe('SLAs');
  });

  it('git-sync: an init checkout and a sidecar, contracts and policies read from the checkout, no dashboards', () => {
    const ms = rendered.get('gitsync-values.yaml')!;
    const config = configOf(ms);
    expect(config.contracts).toBe('/git/current/contracts');
    expect(config.policies).toBe('/git/current/policies');
    expect(config.store).toEqual({ postgres: { url: { env: 'OBLIGO_POSTGRES_URL' } } });
    expect(config.prometheus.basicAuth).toEqual({ username: 'obligo', password: { env: 'OBLIGO_PROMETHEUS_PASSWORD' } });
    const pod = podOf(one(ms, 'Deployment'));
    expect(pod.initContainers?.map((c) => c.name)).toEqual(['git-sync-init']);
    expect(pod.containers.map((c) => c.name)).toEqual(['obligo', 'git-sync']);
    const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(envOf(pod.initContainers![0]!)).toMatchObject({ GITSYNC_REPO: 'https://git.example.com/platform/slas.git', GITSYNC_REF: 'v2026.03', GITSYNC_ONE_TIME: 'true', GITSYNC_PASSWORD: { secretKeyRef: { name: 'obligo-git', key: 'password' } } });
    expect(envOf(pod.containers[1]!)).toMatchObject({ GITSYNC_ONE_TIME: 'false', GITSYNC_LINK: 'current', GITSYNC_ROOT: '/git' });
    expect(pod.containers[0]!.volumeMounts).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'git', mountPath: '/git' })]));
    expect(ms.filter((m) => m.metadata.name.includes('-dashboard-'))).toEqual([]);
    expect(ms.filter((m) => m.apiVersion.startsWith('monitoring.coreos.com'))).toEqual([]);
  });

  it('one dashboard ConfigMap per dashboards/*.json, labelled for the Grafana sidecar, holding the file exactly', () => {
    const ms = rendered.get('sqlite-values.yaml')!;
    const files = readdirSync(join(projectRoot, 'dashboards')).filter((f) => f.endsWith('.json')).sort();
    const cms = ms.filter((m) => m.kind === 'ConfigMap' && m.metadata.name.includes('-dashboard-')) as unknown as Array<Manifest & { data: Record<string, string> }>;
    expect(cms.map((c) => Object.keys(c.data)).flat().sort()).toEqual(files);
    for (const cm of cms) {
      expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
      const [file, text] = Object.entries(cm.data)[0]!;
      expect(text).toBe(readFileSync(join(projectRoot, 'dashboards', file), 'utf8'));
      expect(JSON.parse(text).uid).toBeTruthy();
    }
  });

  it('the chart refuses values that cannot work, naming them', async () => {
    expect(await templateFails(['--set', 'replicaCount=3'])).toMatch(/replicaCount.*maximum/s);
    expect(await templateFails(['--set', 'store.type=postgres'])).toMatch(/urlSecret/);
    expect(await templateFails(['--set', 'nope=1'])).toMatch(/nope/);
    expect(await templateFails(['--set', 'evaluation.interval=soon'])).toMatch(/interval/);
    expect(await templateFails(['--set', 'contracts.existingConfigMap=x', '--set', 'gitSync.enabled=true', '--set', 'gitSync.repo=https://g/r.git'])).toMatch(/only one of contracts/);
    expect(await templateFails(['--set', 'prometheus.bearerTokenSecret.name=x'])).toMatch(/bearerTokenSecret/);
  });
});

describe('generated content carried by the chart', () => {
  let out = '';
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'obligo-chart-compile-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('helm/obligo/dashboards equals dashboards/ file for file', () => {
    const repo = readdirSync(join(projectRoot, 'dashboards')).filter((f) => f.endsWith('.json')).sort();
    const copies = readdirSync(join(chart, 'dashboards')).sort();
    expect(copies).toEqual(repo);
    for (const f of repo) expect(readFileSync(join(chart, 'dashboards', f), 'utf8'), f).toBe(readFileSync(join(projectRoot, 'dashboards', f), 'utf8'));
  });

  it('helm/obligo/files/prometheusrules equals a fresh `obligo compile contracts --format prometheus-operator`', async () => {
    await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'compile', 'contracts', '--out', out, '--format', 'prometheus-operator'], { cwd: projectRoot });
    const fresh = readdirSync(join(out, 'prometheus-operator')).sort();
    expect(readdirSync(join(chart, 'files', 'prometheusrules')).sort()).toEqual(fresh);
    for (const f of fresh) {
      expect(readFileSync(join(chart, 'files', 'prometheusrules', f), 'utf8'), `${f}: regenerate with obligo compile contracts --out out --format prometheus-operator`).toBe(readFileSync(join(out, 'prometheus-operator', f), 'utf8'));
    }
  });
});
