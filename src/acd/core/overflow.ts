/**
 * When a queue cannot keep a caller, and where the caller goes.
 *
 * For a waiting caller, in this order: the emergency switch; nobody logged
 * in who could ever take the call; the longest wait reached. For a new
 * caller: the emergency switch; the queue full; nobody logged in.
 *
 * "Nobody logged in" applies only when the queue sets `overflow.onNoAgents`:
 * without it the caller keeps waiting for an agent to log in (Asterisk's
 * joinempty=yes / leavewhenempty=no). The other reasons default to hangup.
 * Emergency comes first for new callers too: while the switch is on, a
 * caller hears the emergency handling, not "the queue is full".
 */
import type { OverflowTarget, QueueConfig, QueueEntry } from '../types.js';

export interface OverflowContext {
  /** The emergency switch is on. */
  emergency: boolean;
  /** Some agent who could take the queue's calls is logged in (paused counts). */
  loggedInEligible: boolean;
}

export interface OverflowDecision<R extends string> {
  reason: R;
  target: OverflowTarget;
}

/** A fresh object each time: callers may keep or alter the decision. */
const hangup = (): OverflowTarget => ({ type: 'hangup' });

/** Whether a waiting caller must leave the queue now, and where to. */
export function overflowDue(
  queue: QueueConfig,
  entry: Pick<QueueEntry, 'enqueuedAt' | 'queuedAt'>,
  now: number,
  ctx: OverflowContext,
): OverflowDecision<'max-wait' | 'emergency' | 'no-agents'> | undefined {
  const o = queue.overflow;
  if (ctx.emergency) return { reason: 'emergency', target: o.onEmergency ?? hangup() };
  if (!ctx.loggedInEligible && o.onNoAgents !== undefined) return { reason: 'no-agents', target: o.onNoAgents };
  // max wait counts in this queue: a caller overflowed here keeps its place in time, but gets this queue's full wait
  if (queue.maxWaitSeconds > 0 && now - (entry.queuedAt ?? entry.enqueuedAt) >= queue.maxWaitSeconds * 1000) {
    return { reason: 'max-wait', target: o.onMaxWait ?? hangup() };
  }
  return undefined;
}

/** When a caller's wait ends for max-wait (the service's timer), or undefined without a limit. */
export function maxWaitAt(queue: QueueConfig, entry: Pick<QueueEntry, 'enqueuedAt' | 'queuedAt'>): number | undefined {
  return queue.maxWaitSeconds > 0 ? (entry.queuedAt ?? entry.enqueuedAt) + queue.maxWaitSeconds * 1000 : undefined;
}

/** Whether a new caller is turned away at entry (`waitingCount`: callers already in the queue). */
export function entryRefused(
  queue: QueueConfig,
  waitingCount: number,
  ctx: OverflowContext,
): OverflowDecision<'max-length' | 'emergency' | 'no-agents'> | undefined {
  const o = queue.overflow;
  if (ctx.emergency) return { reason: 'emergency', target: o.onEmergency ?? hangup() };
  if (queue.maxLength > 0 && waitingCount >= queue.maxLength) return { reason: 'max-length', target: o.onMaxLength ?? hangup() };
  if (!ctx.loggedInEligible && o.onNoAgents !== undefined) return { reason: 'no-agents', target: o.onNoAgents };
  return undefined;
}
