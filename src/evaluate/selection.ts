// Which SLAs an evaluation is about: --contract, --sla and --label filters over the loaded contracts.
// Strict: a filter that matches nothing is an error naming it (a typo must never select "nothing" and
// let a gate pass), and so is an empty selection.
import type { Contract } from '../contract/model.js';
import type { SelectedSla } from './types.js';

export interface Selection {
  /** Contract ids (any of). */
  contracts?: readonly string[];
  /** CONTRACT/SLA or a bare SLA id (any of). */
  slas?: readonly string[];
  /** KEY=VALUE pairs on the SLA's labels (all of). */
  labels?: ReadonlyArray<readonly [string, string]>;
}

/** A label filter as written, `KEY=VALUE` (split at the first `=`; the key not empty), or null when it is not one. */
export function labelFilter(text: string): [string, string] | null {
  const eq = text.indexOf('=');
  return eq <= 0 ? null : [text.slice(0, eq), text.slice(eq + 1)];
}

export class SelectionError extends Error {
  override name = 'SelectionError';
}

function matchesSla(pattern: string, contractId: string, slaId: string): boolean {
  return pattern.includes('/') ? pattern === `${contractId}/${slaId}` : pattern === slaId;
}

/** The selected SLAs in file order; throws SelectionError when a filter (or the whole selection) matches nothing. */
export function selectSlas(contracts: readonly Contract[], sel: Selection = {}, where = 'the contracts'): SelectedSla[] {
  const cIds = sel.contracts ?? [];
  const sIds = sel.slas ?? [];
  const labels = sel.labels ?? [];
  for (const id of cIds) {
    if (!contracts.some((c) => c.id === id)) throw new SelectionError(`no contract "${id}" in ${where}`);
  }
  for (const p of sIds) {
    if (!contracts.some((c) => c.slas.some((s) => matchesSla(p, c.id, s.id)))) throw new SelectionError(`no SLA "${p}" in ${where} (use CONTRACT/SLA or an SLA id)`);
  }
  const out: SelectedSla[] = [];
  for (const contract of contracts) {
    if (cIds.length > 0 && !cIds.includes(contract.id)) continue;
    for (const sla of contract.slas) {
      if (sIds.length > 0 && !sIds.some((p) => matchesSla(p, contract.id, sla.id))) continue;
      if (!labels.every(([k, v]) => sla.labels[k] === v)) continue;
      out.push({ contract, sla });
    }
  }
  if (out.length === 0) {
    const what = [
      ...cIds.map((c) => `--contract ${c}`),
      ...sIds.map((s) => `--sla ${s}`),
      ...labels.map(([k, v]) => `--label ${k}=${v}`),
    ].join(' ');
    throw new SelectionError(what ? `no SLA in ${where} matches ${what}` : `no SLA in ${where}`);
  }
  return out;
}
