/** The estimated wait: ceil(position / staffed) × AHT, unknown with nobody staffed. */
import { describe, expect, it } from 'vitest';
import { announceMinutes, estimatedWaitMs } from '../../src/acd/core/index.js';

describe('estimated wait', () => {
  it('the 5th caller with 2 agents and a 3-minute AHT waits 3 rounds: 9 minutes', () => {
    expect(estimatedWaitMs({ position: 5, handleTimesMs: [120_000, 240_000], staffed: 2, defaultHandleMs: 1 })).toBe(540_000);
  });

  it('the head caller waits one AHT when every agent is busy', () => {
    expect(estimatedWaitMs({ position: 1, handleTimesMs: [60_000], staffed: 10, defaultHandleMs: 1 })).toBe(60_000);
  });

  it('without handle times yet, the default AHT is used', () => {
    expect(estimatedWaitMs({ position: 4, handleTimesMs: [], staffed: 3, defaultHandleMs: 180_000 })).toBe(360_000);
  });

  it('with nobody staffed the wait is unknown', () => {
    expect(estimatedWaitMs({ position: 1, handleTimesMs: [60_000], staffed: 0, defaultHandleMs: 1 })).toBeUndefined();
  });

  it('announces whole minutes rounded up, at least one', () => {
    expect(announceMinutes(0)).toBe(1);
    expect(announceMinutes(10_000)).toBe(1);
    expect(announceMinutes(60_000)).toBe(1);
    expect(announceMinutes(60_001)).toBe(2);
    expect(announceMinutes(540_000)).toBe(9);
  });
});
