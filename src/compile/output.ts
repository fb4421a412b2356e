// Every compiler is a pure function from contracts to files; the orchestrator writes them.
import type { Contract } from '../contract/model.js';

export interface OutputFile {
  /** Path relative to the --out directory, with forward slashes, e.g. "prometheus/acme-cdn.rules.yaml". */
  path: string;
  content: string;
}

export type Compiler = (contracts: readonly Contract[], opts: CompileOptions) => OutputFile[];

export interface CompileOptions {
  /** prometheus: plain rule files, or PrometheusRule custom resources (prometheus-operator). */
  prometheusFormat: 'prometheus' | 'prometheus-operator';
  /** Base URLs of the links in alert annotations; placeholders (`https://grafana.invalid`, …) without. */
  links?: { grafana?: string; runbooks?: string };
  /**
   * Alertmanager receivers: the directory holding one PagerDuty routing-key file per key name (the
   * `env` name of a contract's `notify.pagerduty.routingKey`, or OBLIGO_PAGERDUTY_ROUTING_KEY).
   */
  routingKeyDir?: string;
}
