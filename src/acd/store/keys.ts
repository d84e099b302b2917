/**
 * The one key builder for the ACD's Redis state, under the server's prefix
 * (`<redis.prefix>acd:`). The Lua scripts build the same names from ARGV[1].
 */
import type { RedisKeys } from '../../store/redis.js';

export class AcdKeys {
  /** e.g. `hl:acd:` */
  readonly prefix: string;

  constructor(keys: RedisKeys) {
    this.prefix = keys.key('acd', '');
  }

  private k(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  /** AgentLive JSON. */
  agent(id: string): string {
    return this.k('agent', id);
  }
  /** Set of every agent id with a record. */
  agents(): string {
    return this.k('agents');
  }
  /** QueueEntry JSON. */
  entry(callId: string): string {
    return this.k('entry', callId);
  }
  /** Set of every call id with an entry (waiting, offered or connected). */
  entries(): string {
    return this.k('entries');
  }
  /** Zset of a queue's callers, ordered (priority desc, arrival). */
  queue(id: string): string {
    return this.k('queue', id);
  }
  /** Hash: emergency ('1' on), lastOffered (round-robin). */
  queueMeta(id: string): string {
    return this.k('queuemeta', id);
  }
  /** Zset: call id by reservation expiry. */
  reservations(): string {
    return this.k('reservations');
  }
  /** Zset: agent id by wrap-up end. */
  wrapups(): string {
    return this.k('wrapups');
  }
  /** List of recent handle times (ms) of a queue, newest first. */
  handleTimes(queue: string): string {
    return this.k('aht', queue);
  }
  /** Stream of full records written (`k` a|e|q, `id`, `v`): every instance's view follows it. */
  changes(): string {
    return this.k('changes');
  }
  /** Counter numbering `changes` entries without gaps (a follower sees a jump when some were trimmed unread). */
  changesSeq(): string {
    return this.k('changes-seq');
  }
  /** Stream of queue events (ENTERQUEUE, CONNECT, …) for reports and CTI. */
  journal(): string {
    return this.k('journal');
  }
  /** Stream of agent state changes (agentId, from, to, cause, reason, callId, time) for occupancy and wrap-up reports. */
  statelog(): string {
    return this.k('statelog');
  }
  /** Zset: instance id by last heartbeat (ms). */
  instances(): string {
    return this.k('instances');
  }
  /** SIP dialog JSON of a queued caller's leg (to hang up a caller whose instance died); expires on its own. */
  dialog(callId: string): string {
    return this.k('dialog', callId);
  }
}
