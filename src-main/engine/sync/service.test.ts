import { describe, expect, it } from 'vitest';
import { behindDelay } from './service';

describe('sync service timing', () => {
  it('pulls again within a second while the centre holds changes behind its horizon, every 5 s after a minute, never later than the interval', () => {
    expect([1, 2, 3, 4, 10, 60].map((n) => behindDelay(n, 15_000))).toEqual([250, 500, 1000, 1000, 1000, 1000]);
    expect(behindDelay(61, 15_000)).toBe(5_000);
    expect(behindDelay(3, 400)).toBe(400);
    expect(behindDelay(100, 2_000)).toBe(2_000);
  });
});
