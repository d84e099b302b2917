/**
 * Token buckets per key (src/cti/auth/rate-limit.ts): a burst of twice the
 * rate, refilled at the rate, one bucket per key, idle buckets forgotten.
 * Time is an injected clock moved by hand; nothing sleeps.
 */
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/cti/auth/rate-limit.js';

function clock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** How many takes pass in a row right now (stops at the first refusal, or at `max`). */
function drain(limiter: RateLimiter, key: string, max = 1000): number {
  let n = 0;
  while (n < max && limiter.take(key)) n += 1;
  return n;
}

describe('RateLimiter', () => {
  it('5 per second: a burst of 10 passes at once, the 11th is refused', () => {
    const c = clock();
    const limiter = new RateLimiter(5, c.now);
    for (let i = 0; i < 10; i += 1) expect(limiter.take('c')).toBe(true);
    expect(limiter.take('c')).toBe(false);
    expect(limiter.take('c')).toBe(false);
  });

  it('5 per second: after the burst, 200 ms gives one more take, 1 s gives five', () => {
    const c = clock();
    const limiter = new RateLimiter(5, c.now);
    expect(drain(limiter, 'c')).toBe(10);
    c.advance(199);
    expect(limiter.take('c')).toBe(false);
    c.advance(1);
    expect(limiter.take('c')).toBe(true);
    expect(limiter.take('c')).toBe(false);
    c.advance(1000);
    expect(drain(limiter, 'c')).toBe(5);
  });

  it('refused takes cost nothing: hammering while empty still refills at the rate', () => {
    const c = clock();
    const limiter = new RateLimiter(10, c.now);
    expect(drain(limiter, 'c')).toBe(20);
    for (let i = 0; i < 10; i += 1) {
      c.advance(50);
      expect(limiter.take('c')).toBe(false); // half a token each time
      c.advance(50);
      expect(limiter.take('c')).toBe(true);
    }
  });

  it('the refill is capped at the burst: 10 idle seconds at 5/s still give only 10', () => {
    const c = clock();
    const limiter = new RateLimiter(5, c.now);
    expect(drain(limiter, 'c')).toBe(10);
    c.advance(10_000);
    expect(drain(limiter, 'c')).toBe(10);
  });

  it('sustained at exactly the rate (one take every 200 ms at 5/s) is never refused', () => {
    const c = clock();
    const limiter = new RateLimiter(5, c.now);
    expect(drain(limiter, 'c')).toBe(10);
    for (let i = 0; i < 50; i += 1) {
      c.advance(200);
      expect(limiter.take('c')).toBe(true);
    }
    expect(limiter.take('c')).toBe(false);
  });

  it('keys are independent: draining "a" leaves "b" a full burst', () => {
    const c = clock();
    const limiter = new RateLimiter(3, c.now);
    expect(drain(limiter, 'a')).toBe(6);
    expect(limiter.take('a')).toBe(false);
    expect(drain(limiter, 'b')).toBe(6);
    c.advance(1000);
    expect(drain(limiter, 'a')).toBe(3);
    expect(drain(limiter, 'b')).toBe(3);
  });

  it('after a long idle (past the 60 s sweep) a drained key has a full burst again, no more', () => {
    const c = clock();
    const limiter = new RateLimiter(4, c.now);
    expect(drain(limiter, 'a')).toBe(8);
    c.advance(61_000); // this take sweeps the idle bucket
    expect(drain(limiter, 'a')).toBe(8);
    expect(limiter.take('a')).toBe(false);
  });

  it('the sweep keeps a bucket drained recently: drained at 59.5 s, at 60.1 s (sweep) only 1 take at 2/s', () => {
    const c = clock();
    const limiter = new RateLimiter(2, c.now);
    c.advance(59_500);
    expect(drain(limiter, 'busy')).toBe(4);
    c.advance(600); // 60.1 s since the limiter started: this take sweeps, 'busy' was idle 0.6 s → kept (1.2 tokens)
    expect(drain(limiter, 'busy')).toBe(1);
  });
});
