/**
 * Fan-out of the event stream to this instance's subscribers. One tail of
 * the Redis Stream feeds every subscription; each event is serialised once
 * and each subscriber gets it at most once, whatever number of its
 * subscriptions match.
 *
 * A subscription that resumes (`since`) is replayed from the stream first,
 * up to the id the tail had reached when it subscribed; live events that
 * arrive meanwhile wait in the subscriber's buffer and follow, so nothing is
 * lost or doubled at the seam. Each subscriber receives ids in increasing
 * order: a second subscription on a connection resumes only events newer
 * than what the connection already received.
 *
 *   subscribe(since) ──▶ replaying ──(XRANGE since..mark, then buffered live)──▶ live
 *
 * A subscriber is indexed by the agents and queues it follows, so an event
 * costs a few map lookups, not a scan of every subscriber.
 */
import type { Logger } from 'pino';
import { maySee, matches, type EventFilter, type Principal, type TeamsOf } from '../auth/principal.js';
import { compareIds, type EventStream, type StreamEvent } from './stream.js';

/** Where a subscriber's messages go (a WebSocket, a webhook dispatcher, a test). */
export interface Sink {
  /** Deliver one message (a JSON string); returns false when the sink is full and was closed. */
  send(message: string): boolean;
}

interface Subscription {
  id: string;
  filter: EventFilter;
}

export class Subscriber {
  readonly subs = new Map<string, Subscription>();
  /** The last id delivered to this subscriber (dedupe across subscriptions). */
  lastSent = '0-0';
  /** Live events held while one of its subscriptions replays (delivery stays in id order). */
  pending: StreamEvent[] | undefined;
  replaying = 0;
  closed = false;

  constructor(
    readonly principal: Principal,
    readonly sink: Sink,
  ) {}
}

export interface SubscribeResult {
  replayed: number;
  /** The oldest id the stream still had when `since` was older (events between were trimmed). */
  gap?: string;
}

export class EventFanout {
  private readonly all = new Set<Subscriber>();
  private readonly byAgent = new Map<string, Set<Subscriber>>();
  private readonly byQueue = new Map<string, Set<Subscriber>>();
  private readonly subscribers = new Set<Subscriber>();
  private abort: AbortController | undefined;
  /** The id the tail has delivered up to. */
  private mark = '0-0';
  private running: Promise<void> | undefined;
  delivered = 0;

  constructor(
    private readonly stream: EventStream,
    private readonly teamsOf: TeamsOf,
    private readonly logger?: Logger,
  ) {}

  /** Start tailing from the stream's current end. */
  async start(): Promise<void> {
    if (this.running !== undefined) return;
    // Redis down at start: follow from now on (nothing older is owed to anyone yet)
    this.mark = await this.stream.lastId().catch(() => `${Date.now()}-0`);
    this.abort = new AbortController();
    this.running = this.stream.tail(this.mark, (batch, last) => this.onBatch(batch, last), this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
    this.running = undefined;
  }

  get size(): number {
    return this.subscribers.size;
  }

  add(principal: Principal, sink: Sink): Subscriber {
    const s = new Subscriber(principal, sink);
    this.subscribers.add(s);
    return s;
  }

  /** Drop a subscriber and all its subscriptions (its connection closed). */
  remove(s: Subscriber): void {
    s.closed = true;
    for (const id of [...s.subs.keys()]) this.unsubscribe(s, id);
    this.subscribers.delete(s);
  }

  /**
   * Add (or replace) one subscription. The caller has checked the filter is
   * allowed (filterRefusal); visibility is checked again per event.
   */
  async subscribe(s: Subscriber, id: string, filter: EventFilter, since?: string): Promise<SubscribeResult> {
    if (s.subs.has(id)) this.unsubscribe(s, id);
    const sub: Subscription = { id, filter };
    s.subs.set(id, sub);
    this.index(s, filter, true);
    if (since === undefined) return { replayed: 0 };
    let replayed = 0;
    let gap: string | undefined;
    s.pending ??= [];
    s.replaying += 1;
    try {
      const until = this.mark;
      const first = await this.stream.firstId();
      if (first !== undefined && since !== '0-0' && compareIds(since, first) < 0) gap = first;
      let after = since;
      while (!s.closed && s.subs.get(id) === sub && compareIds(after, until) < 0) {
        const batch = await this.stream.range(after, until, 500);
        if (batch.length === 0) break;
        for (const e of batch) if (matches(filter, e.event) && this.visible(s, e) && this.deliver(s, e)) replayed += 1;
        after = batch[batch.length - 1]!.event.id;
      }
    } finally {
      s.replaying -= 1;
      if (s.replaying === 0) {
        // live events that came during the replay follow it, in order
        const held = s.pending ?? [];
        s.pending = undefined;
        for (const e of held) if (this.wants(s, e)) this.deliver(s, e);
      }
    }
    return { replayed, ...(gap === undefined ? {} : { gap }) };
  }

  unsubscribe(s: Subscriber, id: string): boolean {
    const sub = s.subs.get(id);
    if (sub === undefined) return false;
    s.subs.delete(id);
    this.index(s, sub.filter, false);
    // an index entry may still be needed by another subscription of the same subscriber
    for (const other of s.subs.values()) this.index(s, other.filter, true);
    return true;
  }

  private index(s: Subscriber, f: EventFilter, add: boolean): void {
    const apply = (map: Map<string, Set<Subscriber>>, key: string): void => {
      let set = map.get(key);
      if (add) {
        if (set === undefined) map.set(key, (set = new Set()));
        set.add(s);
      } else if (set !== undefined) {
        set.delete(s);
        if (set.size === 0) map.delete(key);
      }
    };
    if (f.all === true) {
      if (add) this.all.add(s);
      else this.all.delete(s);
    }
    for (const a of f.agents ?? []) apply(this.byAgent, a);
    for (const q of f.queues ?? []) apply(this.byQueue, q);
  }

  private visible(s: Subscriber, e: StreamEvent): boolean {
    const ev = e.event as { agentId?: string; fromAgentId?: string; queue?: string };
    return maySee(s.principal, ev, this.teamsOf);
  }

  private onBatch(batch: StreamEvent[], last: string): void {
    this.mark = last;
    for (const e of batch) this.dispatch(e);
  }

  /** Publish one event read from the stream to every subscriber it concerns. */
  dispatch(e: StreamEvent): void {
    const ev = e.event as { agentId?: string; fromAgentId?: string; queue?: string };
    const targets = new Set<Subscriber>(this.all);
    const add = (set: Set<Subscriber> | undefined): void => set?.forEach((s) => targets.add(s));
    if (ev.agentId !== undefined) add(this.byAgent.get(ev.agentId));
    if (ev.fromAgentId !== undefined) add(this.byAgent.get(ev.fromAgentId));
    if (ev.queue !== undefined) add(this.byQueue.get(ev.queue));
    for (const s of targets) {
      if (s.closed) continue;
      if (s.pending !== undefined) s.pending.push(e);
      else if (this.wants(s, e)) this.deliver(s, e);
    }
  }

  private wants(s: Subscriber, e: StreamEvent): boolean {
    if (!this.visible(s, e)) return false;
    for (const sub of s.subs.values()) if (matches(sub.filter, e.event)) return true;
    return false;
  }

  /** Send once per subscriber, in id order. */
  private deliver(s: Subscriber, e: StreamEvent): boolean {
    if (s.closed || compareIds(e.event.id, s.lastSent) <= 0) return false;
    s.lastSent = e.event.id;
    this.delivered += 1;
    if (!s.sink.send(e.message)) {
      this.logger?.info({ sub: s.principal.sub }, 'event subscriber dropped: too far behind');
      this.remove(s);
      return false;
    }
    return true;
  }
}
