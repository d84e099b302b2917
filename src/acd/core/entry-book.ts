/**
 * AcdView's book of queued callers: the newest copy of each entry, each
 * queue's callers in queue order, the waiting ones in global order (per
 * queue for calls carrying their queue's requirement, one list for calls
 * with an override), tombstones of removed entries, and each call's
 * effective requirement, cached per version and escalation step.
 *
 * Copies carry a `version`; an older or equal copy is ignored. A removed
 * entry leaves a tombstone (its version, the last `maxTombstones` kept) so
 * a late copy of it does not bring the caller back.
 */
import type { QueueEntry, Requirement } from '../types.js';
import { effectiveRequirement, stepsDue } from './requirement.js';
import { indexOfSorted, insertSorted, removeSorted } from './sorted.js';
import { globalOrder, queueOrder, type QueueInfo, type Waiting } from './records.js';

export class EntryBook {
  /** Every entry held, connected ones included. */
  readonly byId = new Map<string, QueueEntry>();
  /** Per queue, waiting and offered entries in queue order. */
  private readonly queued = new Map<string, QueueEntry[]>();
  /** Waiting entries of known queues, in global order. */
  private readonly waitingAll: Waiting[] = [];
  /** Waiting entries of known queues with an override requirement, in global order. */
  private readonly waitingOverridden: Waiting[] = [];
  private readonly tombstones = new Map<string, number>();
  /** Effective requirement per call, valid for its version and number of steps due. */
  private readonly reqCache = new Map<string, { version: number; due: number; req: Requirement }>();

  /** `queues`: AcdView's queues by id (waiting calls of unknown queues are held but not listed). */
  constructor(
    private readonly queues: ReadonlyMap<string, QueueInfo>,
    private readonly maxTombstones: number,
  ) {}

  /** Waiting entries of known queues, in global order. */
  get waiting(): readonly Waiting[] {
    return this.waitingAll;
  }

  /** Waiting entries of known queues with an override requirement, in global order. */
  get overridden(): readonly Waiting[] {
    return this.waitingOverridden;
  }

  /** The queue's callers not yet connected (waiting and offered), in queue order. */
  inQueue(queue: string): readonly QueueEntry[] | undefined {
    return this.queued.get(queue);
  }

  /** Takes an entry's newer copy; false when not newer than the one held or its tombstone. */
  apply(entry: QueueEntry): boolean {
    const tomb = this.tombstones.get(entry.callId);
    if (tomb !== undefined && entry.version <= tomb) return false;
    const held = this.byId.get(entry.callId);
    if (held !== undefined && entry.version <= held.version) return false;
    if (held !== undefined) this.unlist(held);
    if (tomb !== undefined) this.tombstones.delete(entry.callId);
    this.byId.set(entry.callId, entry);
    this.list(entry);
    return true;
  }

  /** Forgets a caller unless a held copy is newer than `version`; leaves a tombstone. True when an entry was removed. */
  remove(callId: string, version?: number): boolean {
    const held = this.byId.get(callId);
    if (held !== undefined && version !== undefined && held.version > version) return false;
    if (held !== undefined) {
      this.unlist(held);
      this.byId.delete(callId);
    }
    const v = Math.max(version ?? -Infinity, held?.version ?? -Infinity, this.tombstones.get(callId) ?? -Infinity);
    if (v !== -Infinity) this.tombstone(callId, v);
    return held !== undefined;
  }

  /** The caller's 1-based place in its queue (offered callers count); undefined once connected, or unknown. */
  position(callId: string): number | undefined {
    const e = this.byId.get(callId);
    if (e === undefined) return undefined;
    const list = this.queued.get(e.queue);
    if (list === undefined) return undefined;
    const i = indexOfSorted(list, e, queueOrder);
    return i < 0 ? undefined : i + 1;
  }

  /** `e`'s effective requirement at `now` (`info`: its queue), cached per version and escalation step. */
  requirementFor(info: QueueInfo, e: QueueEntry, now: number): Requirement {
    const due = stepsDue(info.config, e, now);
    const cached = this.reqCache.get(e.callId);
    if (cached !== undefined && cached.version === e.version && cached.due === due) return cached.req;
    const req = effectiveRequirement(info.config, e, now);
    this.reqCache.set(e.callId, { version: e.version, due, req });
    return req;
  }

  private list(e: QueueEntry): void {
    if (e.state === 'connected') return;
    let list = this.queued.get(e.queue);
    if (list === undefined) {
      list = [];
      this.queued.set(e.queue, list);
    }
    insertSorted(list, e, queueOrder);
    const info = this.queues.get(e.queue);
    if (e.state === 'waiting' && info !== undefined) {
      const w: Waiting = { entry: e, queuePriority: info.config.priority };
      insertSorted(this.waitingAll, w, globalOrder);
      insertSorted(e.requirement === undefined ? info.waiting : this.waitingOverridden, w, globalOrder);
    }
  }

  private unlist(e: QueueEntry): void {
    this.reqCache.delete(e.callId);
    if (e.state === 'connected') return;
    const list = this.queued.get(e.queue);
    if (list !== undefined) {
      removeSorted(list, e, queueOrder);
      if (list.length === 0) this.queued.delete(e.queue);
    }
    const info = this.queues.get(e.queue);
    if (e.state === 'waiting' && info !== undefined) {
      const w: Waiting = { entry: e, queuePriority: info.config.priority };
      removeSorted(this.waitingAll, w, globalOrder);
      removeSorted(e.requirement === undefined ? info.waiting : this.waitingOverridden, w, globalOrder);
    }
  }

  private tombstone(callId: string, version: number): void {
    this.tombstones.delete(callId);
    this.tombstones.set(callId, version);
    if (this.tombstones.size > this.maxTombstones) {
      const oldest = this.tombstones.keys().next();
      if (oldest.done !== true) this.tombstones.delete(oldest.value);
    }
  }
}
