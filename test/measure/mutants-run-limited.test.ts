// runLimited (src/measure/run-limited.ts; found by mutation testing, issue 13): the first failure rejects,
// after the tasks already running settle, and no task starts after it.
import { describe, expect, it } from 'vitest';
import { runLimited } from '../../src/measure/run-limited.js';

describe('runLimited', () => {
  it('rejects with the first failure; tasks not yet started are not started', async () => {
    const ran: number[] = [];
    const task = (i: number, fail?: string) => async () => {
      ran.push(i);
      await new Promise((r) => setImmediate(r));
      if (fail) throw new Error(fail);
    };
    await expect(runLimited([task(0), task(1, 'first'), task(2, 'second'), task(3)], 1)).rejects.toThrow('first');
    expect(ran).toEqual([0, 1]);
    // two at a time: the running one settles, the first failure wins
    const ran2: number[] = [];
    const t2 = (i: number, fail?: string) => async () => {
      ran2.push(i);
      await new Promise((r) => setImmediate(r));
      if (fail) throw new Error(fail);
    };
    await expect(runLimited([t2(0, 'a'), t2(1, 'b'), t2(2), t2(3)], 2)).rejects.toThrow('a');
    expect(ran2).toEqual([0, 1]);
    await expect(runLimited([], 3)).resolves.toBeUndefined();
  });
});
