// The inputs of the decision benchmarks (bench/policy.ts, bench/policy-profile.ts): N distinct status
// rows of `obligo status --format json` over 50 generated contracts (bench-00000 … bench-00049), with
// a maintenance flag; deterministic (xorshift), so every backend and every run sees the same rows.
const STATES = ['ok', 'at-risk', 'breached', 'no-data'] as const;
const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

export function benchInputs(n: number) {
  const ids = Array.from({ length: 50 }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
  let seed = 0x2545f491;
  const rnd = () => ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), (seed >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => {
    const r = () => Math.round(rnd() * 2000) / 100;
    const burnRates: Record<string, number> = {};
    for (const w of WINDOWS) burnRates[w] = r();
    const windowCoverage: Record<string, number> = {};
    if (i % 5 === 0) for (const w of WINDOWS) windowCoverage[w] = Math.round(rnd() * 100) / 100;
    return {
      status: {
        contract: ids[i % ids.length]!,
        sla: ['availability', 'errors', 'error-rate'][i % 3]!,
        objective: 99.9,
        achieved: 99 + rnd(),
        budgetRemaining: 1 - rnd() * 1.5,
        state: STATES[i % 4]!,
        period: { start: `2026-03-01T00:00:${String(i % 60).padStart(2, '0')}Z` },
        burnRates,
        windowCoverage,
        coverage: { ratio: 1, minimum: 0.9, complete: i % 7 !== 0, partialResponse: i % 11 === 0 },
        flags: i % 13 === 0 ? ['outside-term'] : [],
      },
      maintenance: { active: i % 97 === 0, reason: 'patching' },
    };
  });
}
