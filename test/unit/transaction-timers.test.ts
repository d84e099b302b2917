import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TIMERS,
  TIMER_100,
  doubleCapped,
  resolveTimers,
  timerA,
  timerB,
  timerD,
  timerE,
  timerF,
  timerG,
  timerH,
  timerI,
  timerJ,
  timerK,
  timerL,
  timerM,
} from '../../src/sip/transaction/index.js';

describe('transaction timers (RFC 3261 Table 4, RFC 6026)', () => {
  const c = resolveTimers();

  it('defaults: T1 500 ms, T2 4 s, T4 5 s; Timer 100 is 200 ms', () => {
    expect(DEFAULT_TIMERS).toEqual({ T1: 500, T2: 4000, T4: 5000 });
    expect(c).toEqual(DEFAULT_TIMERS);
    expect(TIMER_100).toBe(200);
  });

  it('A, E, G start at T1; B, F, H, L, M are 64*T1', () => {
    expect([timerA(c), timerE(c), timerG(c)]).toEqual([500, 500, 500]);
    expect([timerB(c), timerF(c), timerH(c), timerL(c), timerM(c)]).toEqual([32_000, 32_000, 32_000, 32_000, 32_000]);
  });

  it('D is 32 s on UDP and 0 on reliable transports; I, J, K are 0 on reliable', () => {
    expect(timerD(c, false)).toBe(32_000);
    expect(timerD(c, true)).toBe(0);
    expect([timerI(c, false), timerJ(c, false), timerK(c, false)]).toEqual([5000, 32_000, 5000]);
    expect([timerI(c, true), timerJ(c, true), timerK(c, true)]).toEqual([0, 0, 0]);
  });

  it('D never drops below 64*T1 when T1 is raised (it must outlive the server\'s Timer H)', () => {
    expect(timerD(resolveTimers({ T1: 1000 }), false)).toBe(64_000);
    expect(timerD(resolveTimers({ T1: 100 }), false)).toBe(32_000);
  });

  it('E and G double up to T2', () => {
    const seq = [500];
    while (seq.length < 6) seq.push(doubleCapped(c, seq.at(-1)!));
    expect(seq).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
  });

  it('partial configuration and validation', () => {
    expect(resolveTimers({ T1: 200 })).toEqual({ T1: 200, T2: 4000, T4: 5000 });
    expect(() => resolveTimers({ T2: 0 })).toThrow(RangeError);
    expect(() => resolveTimers({ T4: Number.NaN })).toThrow(RangeError);
  });
});
