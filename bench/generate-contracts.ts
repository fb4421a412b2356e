// Writes N synthetic contracts (3 SLAs each, one of each measurement method) for benchmarks.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'Australia/Sydney'];

export function contractYaml(i: number): string {
  const id = `bench-${String(i).padStart(5, '0')}`;
  const svc = `svc-${i % 97}`;
  const q = (extra: string) => `sum(rate(obligo_demo_requests_total{service="${svc}"${extra}}[{{.window}}]))`;
  return `apiVersion: obligo.dev/v1
kind: Contract
metadata:
  id: ${id}
  title: Benchmark contract ${i}
  labels: { tier: t${i % 3}, team: team-${i % 11} }
role: customer
parties:
  vendor: { name: "Vendor ${i % 50}, Inc." }
  customer: { name: Example Corp }
term:
  start: 2026-01-01
  end: 2027-12-31
  timezone: ${ZONES[i % ZONES.length]}
fees:
  currency: USD
  monthly: ${1000 + (i % 17) * 250}.50
services:
  - { id: core, name: Core service, monthlyFee: 800 }
escalation:
  - { level: 1, name: NOC, email: noc${i}@vendor.example, phone: "+1 555 0100", respondWithinMinutes: 15 }
notify:
  pagerduty:
    routingKey: { env: PD_BENCH_ROUTING_KEY }
maintenance:
  - { start: 2026-03-10T01:00:00Z, end: 2026-03-10T03:00:00Z, reason: patching }
  - { schedule: "0 2 * * 0", durationMinutes: 60 }
slas:
  - id: availability
    service: core
    objective: 99.95
    period: month
    sli:
      good: ${q(',code!~"5.."')}
      total: ${q('')}
    measurement: { method: timeslices, slice: 1m, sliceGoodRatio: 0.95, minConsecutiveBadSlices: 1, noData: good }
    credits:
      tiers:
        - { below: 99.95, percent: 10 }
        - { below: 99.0, percent: 25 }
        - { below: 95.0, percent: 100 }
  - id: errors
    objective: 99.9
    period: quarter
    sli:
      errors: ${q(',code=~"5.."')}
      total: ${q('')}
    measurement: { method: events }
    credits:
      tiers:
        - { atOrBelow: 99.9, percent: 10 }
        - { below: 99.0, percent: 25 }
  - id: error-rate
    objective: 99.9
    period: month
    sli:
      good: ${q(',code!~"5.."')}
      total: ${q('')}
    measurement: { method: averaged, slice: 5m, noData: ignore }
    credits:
      tiers:
        - { below: 99.9, percent: 10 }
        - { below: 99.0, percent: 25 }
        - { below: 95.0, percent: 100 }
creditPolicy: { capPercent: 50, claimWindowDays: 30 }
`;
}

export function writeContracts(dir: string, n: number): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = join(dir, `bench-${String(i).padStart(5, '0')}.yaml`);
    writeFileSync(f, contractYaml(i));
    files.push(f);
  }
  return files;
}
