/**
 * The order callers are served in.
 *
 * Within a queue: higher call priority first, then arrival (`seq`, FIFO).
 * For an agent serving several queues: the queue's priority first, then the
 * call's priority, then who entered first (`enqueuedAt`, kept across
 * overflow), then `seq`.
 *
 * A caller put back after a ring-no-answer (or a withdrawn offer) keeps its
 * `seq` and `enqueuedAt`, so it goes back to exactly its place: the head
 * if it was the head. Nobody who arrived later overtakes it.
 */
import type { QueueEntry } from '../types.js';

export type Ranked = Pick<QueueEntry, 'priority' | 'seq'>;

/** Queue order: negative when `a` is served before `b`. */
export function compareEntries(a: Ranked, b: Ranked): number {
  return b.priority - a.priority || a.seq - b.seq;
}

export interface AgentChoice {
  entry: Pick<QueueEntry, 'priority' | 'seq' | 'enqueuedAt'>;
  /** The entry's queue's `priority`. */
  queuePriority: number;
}

/** Order across queues, for an agent: negative when `a` is served before `b`. */
export function compareForAgent(a: AgentChoice, b: AgentChoice): number {
  return (
    b.queuePriority - a.queuePriority ||
    b.entry.priority - a.entry.priority ||
    a.entry.enqueuedAt - b.entry.enqueuedAt ||
    a.entry.seq - b.entry.seq
  );
}
