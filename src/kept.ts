// Values derived from loaded contracts, computed once per object and kept while the object lives.
// serve asks for the same derived values (term ranges, rollup definition hashes, rendered slice queries,
// burn-rate windows, escalation lists) of every SLA on every tick. Loaded contracts are never changed in
// place (a reload builds new objects), so a value kept per object never goes stale, and a WeakMap lets it
// go with its object. Shared by the rooms like conventions.ts; it imports nothing.

/** `compute(key)`, computed once per key object. */
export function keptPer<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const kept = new WeakMap<K, { value: V }>();
  return (key) => {
    const known = kept.get(key);
    if (known) return known.value;
    const value = compute(key);
    kept.set(key, { value });
    return value;
  };
}

/**
 * `compute(a, b)`, kept per object `a` together with the `b` it was computed for: asked again with the same
 * pair, the kept value; with another `b`, computed again (and kept instead).
 */
export function keptPerPair<A extends object, B extends object, V>(compute: (a: A, b: B) => V): (a: A, b: B) => V {
  const kept = new WeakMap<A, { b: B; value: V }>();
  return (a, b) => {
    const known = kept.get(a);
    if (known && known.b === b) return known.value;
    const value = compute(a, b);
    kept.set(a, { b, value });
    return value;
  };
}

/**
 * `compute(key)` for keys compared by value (numbers, strings), kept in one map of at most `limit` entries;
 * past it the map starts afresh (a bound on memory, not a cache to tune). A value that is a pure function of
 * a number seen again and again (an objective, a ratio, an hour) is computed once while kept. Like keptPer, a
 * kept undefined is still kept; a compute that throws keeps nothing.
 */
export function keptByValue<K extends string | number, V>(limit: number, compute: (key: K) => V): (key: K) => V {
  const kept = new Map<K, { value: V }>();
  return (key) => {
    const known = kept.get(key);
    if (known) return known.value;
    const value = compute(key);
    if (kept.size >= limit) kept.clear();
    kept.set(key, { value });
    return value;
  };
}
