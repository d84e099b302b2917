/**
 * The estimated wait announced to a caller, on a deliberately simple model:
 * `position` callers (this one included: position − 1 ahead of it), served by
 * `staffed` agents in parallel, each taking one AHT (average handle time) per
 * call, so the caller is served in round ceil(position / staffed):
 *
 *   EWT = ceil(position / staffed) × AHT
 *
 * AHT is the mean of the queue's recent handle times (defaultHandleMs when
 * there are none yet). With no agent staffed the wait is unknown (undefined):
 * announce nothing rather than a made-up number.
 */

export interface EwtInput {
  /** The caller's 1-based place in its queue. */
  position: number;
  /** Recent handle times of the queue (talk + wrap-up), ms. */
  handleTimesMs: readonly number[];
  /** Agents logged in (not paused, not logged out) who could take the call. */
  staffed: number;
  defaultHandleMs: number;
}

/** The estimated wait in ms, or undefined when nobody is staffed. */
export function estimatedWaitMs({ position, handleTimesMs, staffed, defaultHandleMs }: EwtInput): number | undefined {
  if (staffed <= 0) return undefined;
  let aht = defaultHandleMs;
  if (handleTimesMs.length > 0) {
    let sum = 0;
    for (const t of handleTimesMs) sum += t;
    aht = sum / handleTimesMs.length;
  }
  return Math.ceil(Math.max(position, 1) / staffed) * aht;
}

/** Minutes to announce: rounded up, at least 1 ("less than a minute" is still "1 minute"). */
export function announceMinutes(ms: number): number {
  return Math.max(1, Math.ceil(ms / 60_000));
}
