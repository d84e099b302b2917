/**
 * Transaction timer values (RFC 3261 §17 and Table 4 of Appendix A, with
 * Timers L and M of RFC 6026 §8.11). All values are in milliseconds.
 *
 *   Timer  Meaning                                        Value
 *   T1     RTT estimate                                   500 ms default
 *   T2     max retransmit interval (non-INVITE, IST 3xx+)  4 s default
 *   T4     max time a message stays in the network         5 s default
 *   A      INVITE request retransmit (UDP only)            initially T1, doubling
 *   B      INVITE transaction timeout                      64*T1
 *   D      wait for response retransmits (ICT)             32 s (at least 64*T1) on UDP, 0 reliable
 *   E      non-INVITE request retransmit (UDP only)        initially T1, doubling up to T2
 *   F      non-INVITE transaction timeout                  64*T1
 *   G      INVITE final response retransmit (UDP only)     initially T1, doubling up to T2
 *   H      wait time for ACK receipt                       64*T1
 *   I      wait time for ACK retransmits                   T4 on UDP, 0 reliable
 *   J      wait time for non-INVITE request retransmits    64*T1 on UDP, 0 reliable
 *   K      wait time for response retransmits (NICT)       T4 on UDP, 0 reliable
 *   L      IST accepted: wait for INVITE retransmits       64*T1 (RFC 6026)
 *   M      ICT accepted: wait for 2xx retransmits          64*T1 (RFC 6026)
 *   100    IST: send 100 Trying if the TU is silent        200 ms (RFC 3261 §17.2.1)
 */

export interface TimerConfig {
  T1: number;
  T2: number;
  T4: number;
}

export const DEFAULT_TIMERS: Readonly<TimerConfig> = Object.freeze({ T1: 500, T2: 4000, T4: 5000 });

/** "If it does not [respond] within 200 ms, the server transaction MUST generate a 100". */
export const TIMER_100 = 200;

/** RFC 3261 says Timer D is "> 32 s for UDP". */
const TIMER_D_UDP = 32_000;

export function resolveTimers(partial: Partial<TimerConfig> = {}): TimerConfig {
  const cfg: TimerConfig = {
    T1: partial.T1 ?? DEFAULT_TIMERS.T1,
    T2: partial.T2 ?? DEFAULT_TIMERS.T2,
    T4: partial.T4 ?? DEFAULT_TIMERS.T4,
  };
  for (const [name, value] of Object.entries(cfg))
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`Timer ${name} must be a positive number of ms, got ${value}`);
  return cfg;
}

export const timerA = (c: TimerConfig): number => c.T1;
export const timerB = (c: TimerConfig): number => 64 * c.T1;
export const timerD = (c: TimerConfig, reliable: boolean): number => (reliable ? 0 : Math.max(TIMER_D_UDP, 64 * c.T1));
export const timerE = (c: TimerConfig): number => c.T1;
export const timerF = (c: TimerConfig): number => 64 * c.T1;
export const timerG = (c: TimerConfig): number => c.T1;
export const timerH = (c: TimerConfig): number => 64 * c.T1;
export const timerI = (c: TimerConfig, reliable: boolean): number => (reliable ? 0 : c.T4);
export const timerJ = (c: TimerConfig, reliable: boolean): number => (reliable ? 0 : 64 * c.T1);
export const timerK = (c: TimerConfig, reliable: boolean): number => (reliable ? 0 : c.T4);
export const timerL = (c: TimerConfig): number => 64 * c.T1;
export const timerM = (c: TimerConfig): number => 64 * c.T1;

/** Next interval of a doubling retransmit timer capped at T2 (Timers E and G). */
export const doubleCapped = (c: TimerConfig, previous: number): number => Math.min(2 * previous, c.T2);

export type TimerHandle = ReturnType<typeof setTimeout>;
