/**
 * The event fan-out (src/cti/events/fanout.ts) over the Redis Stream
 * (src/cti/events/stream.ts), against a real Redis under a unique prefix.
 * Subscribers are recording sinks. Nothing sleeps: a delivery is awaited
 * with expect.poll, and "not delivered" is shown by a later event (ids are
 * delivered in order) having arrived without it.
 *
 * Claims fixture: agents 1001 and 1002 in team east, 1003 in team west.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal, TeamsOf } from '../../src/cti/auth/principal.js';
import { EventFanout, type Sink, type Subscriber } from '../../src/cti/events/fanout.js';
import { compareIds, CtiKeys, EventStream, isStreamId, type StreamEvent } from '../../src/cti/events/stream.js';
import type { CtiEvent, NewEvent } from '../../src/cti/events/types.js';
import { deletePrefix, RedisKeys } from '../../src/store/redis.js';

const TEAMS: Record<string, readonly string[]> = { '1001': ['east'], '1002': ['east'], '1003': ['west'] };
const teamsOf: TeamsOf = (id) => TEAMS[id];

const agent1001: Principal = { sub: 'agent:1001', tenant: 't', scopes: ['agent:self'], agentId: '1001', teams: [] };
const supervisorEast: Principal = { sub: 'agent:1004', tenant: 't', scopes: ['agent:self', 'supervisor'], agentId: '1004', teams: ['east'] };
const reader: Principal = { sub: 'key:r', tenant: 't', scopes: ['events:read'], teams: [] };

const TIME = '2024-03-15T12:00:00.000Z';

function busy(agentId: string, cause = 'test'): NewEvent {
  return { type: 'agent.busy', time: TIME, tenant: 't', agentId, state: 'on-call', since: TIME, cause };
}

function offered(agentId: string, queue: string): NewEvent {
  return { type: 'call.offered', time: TIME, tenant: 't', callId: `call-${agentId}`, agentId, queue };
}

function transferred(fromAgentId: string, agentId: string): NewEvent {
  return { type: 'call.transferred', time: TIME, tenant: 't', callId: 'call-x', agentId, fromAgentId, kind: 'blind', to: agentId };
}

function stats(queue: string): NewEvent {
  return {
    type: 'queue.stats',
    time: TIME,
    tenant: 't',
    queue,
    waiting: 2,
    longestWaitMs: 12_000,
    agents: { available: 1 },
    serviceLevelSeconds: 20,
    today: { offered: 3, answered: 1, abandoned: 0, shortAbandoned: 0, answeredWithinSl: 1, serviceLevelPct: 100, abandonRatePct: 0, asaMs: 4000 },
  };
}

/** Records every message; `accept(n)` answers the n-th send (1-based). */
class RecordingSink implements Sink {
  readonly messages: string[] = [];
  constructor(private readonly accept: (n: number) => boolean = () => true) {}
  send(message: string): boolean {
    this.messages.push(message);
    return this.accept(this.messages.length);
  }
  events(): CtiEvent[] {
    return this.messages.map((m) => (JSON.parse(m) as { op: string; event: CtiEvent }).event);
  }
  ids(): string[] {
    return this.events().map((e) => e.id);
  }
}

let redis: Redis;
let keys: RedisKeys;
let stream: EventStream;
let fanout: EventFanout;

beforeEach(async () => {
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  keys = new RedisKeys(`test:${randomUUID()}:`);
  stream = new EventStream(redis, new CtiKeys(keys), { maxLen: 10_000 });
  fanout = new EventFanout(stream, teamsOf);
  await fanout.start();
});

afterEach(async () => {
  await fanout.stop();
  await deletePrefix(redis, keys.prefix);
  redis.disconnect();
});

async function publish(e: NewEvent): Promise<string> {
  const id = await stream.publish(e);
  if (id === undefined) throw new Error('not published');
  return id;
}

async function publishAll(events: NewEvent[]): Promise<string[]> {
  const ids: string[] = [];
  for (const e of events) ids.push(await publish(e));
  return ids;
}

/** Wait until `sink` has received `id` (its last delivery so far). */
async function received(sink: RecordingSink, id: string): Promise<void> {
  await expect.poll(() => sink.ids().includes(id), { timeout: 5000 }).toBe(true);
}

/** A reader subscribed to everything: once it has an event, the tail has dispatched it to everyone. */
async function sentinel(): Promise<RecordingSink> {
  const sink = new RecordingSink();
  await fanout.subscribe(fanout.add(reader, sink), 'all', { all: true });
  return sink;
}

describe('who gets what', () => {
  it('agent 1001 subscribed to itself gets its own events and a transfer from it, nothing of 1002 nor queue events', async () => {
    const sink = new RecordingSink();
    const s = fanout.add(agent1001, sink);
    expect(await fanout.subscribe(s, 's1', { agents: ['1001'] })).toStrictEqual({ replayed: 0 });
    const [, mine1, , xfer, , mine2] = await publishAll([busy('1002'), busy('1001'), stats('sales'), transferred('1001', '1003'), offered('1002', 'sales'), busy('1001', 'last')]);
    await received(sink, mine2!);
    expect(sink.ids()).toStrictEqual([mine1, xfer, mine2]);
  });

  it('the message is {"op":"event","event":{id first, then the event as published}}', async () => {
    const sink = new RecordingSink();
    await fanout.subscribe(fanout.add(agent1001, sink), 's1', { agents: ['1001'] });
    const e = busy('1001', 'login');
    const id = await publish(e);
    await received(sink, id);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.startsWith(`{"op":"event","event":{"id":"${id}",`)).toBe(true);
    expect(JSON.parse(sink.messages[0]!)).toStrictEqual({ op: 'event', event: { id, ...e } });
  });

  it("supervisor of team east subscribed to all gets east agents, itself and queue events, not team west's agent", async () => {
    const sink = new RecordingSink();
    await fanout.subscribe(fanout.add(supervisorEast, sink), 'all', { all: true });
    const readerSink = await sentinel();
    const [e1001, e1003, eStats, e1002, e1004, eWestCall] = await publishAll([busy('1001'), busy('1003'), stats('sales'), busy('1002'), busy('1004'), offered('1003', 'sales')]);
    const last = await publish(busy('1001', 'last'));
    await received(sink, last);
    await received(readerSink, last);
    expect(sink.ids()).toStrictEqual([e1001, eStats, e1002, e1004, last]);
    expect(readerSink.ids()).toStrictEqual([e1001, e1003, eStats, e1002, e1004, eWestCall, last]);
  });

  it('supervisor of team east following queue sales gets its stats and east calls in it, not a west agent offered a sales call', async () => {
    const sink = new RecordingSink();
    await fanout.subscribe(fanout.add(supervisorEast, sink), 'q', { queues: ['sales'] });
    const [eStats, , eWest, eEast, , last] = await publishAll([stats('sales'), stats('support'), offered('1003', 'sales'), offered('1002', 'sales'), busy('1001'), stats('sales')]);
    await received(sink, last!);
    expect(sink.ids()).toStrictEqual([eStats, eEast, last]);
    expect(sink.ids()).not.toContain(eWest);
  });

  it('a subscriber with two (three) matching subscriptions receives an event once', async () => {
    const sink = new RecordingSink();
    const s = fanout.add(supervisorEast, sink);
    await fanout.subscribe(s, 'agent', { agents: ['1001'] });
    await fanout.subscribe(s, 'queue', { queues: ['sales'] });
    await fanout.subscribe(s, 'all', { all: true });
    const before = fanout.delivered;
    const [both, last] = await publishAll([offered('1001', 'sales'), busy('1002')]);
    await received(sink, last!);
    expect(sink.ids()).toStrictEqual([both, last]);
    expect(fanout.delivered - before).toBe(2);
  });
});

describe('unsubscribe and replace', () => {
  it('unsubscribe stops that subscription; the other subscription keeps working', async () => {
    const sink = new RecordingSink();
    const s = fanout.add(supervisorEast, sink);
    await fanout.subscribe(s, 'a', { agents: ['1001'] });
    await fanout.subscribe(s, 'b', { agents: ['1002'] });
    const [e1, e2] = await publishAll([busy('1001'), busy('1002')]);
    await received(sink, e2!);
    expect(fanout.unsubscribe(s, 'a')).toBe(true);
    expect(fanout.unsubscribe(s, 'a')).toBe(false);
    const [, e4] = await publishAll([busy('1001'), busy('1002')]);
    await received(sink, e4!);
    expect(sink.ids()).toStrictEqual([e1, e2, e4]);
    expect([...s.subs.keys()]).toStrictEqual(['b']);
  });

  it('unsubscribing one of two subscriptions that both follow 1001 keeps 1001 delivered', async () => {
    const sink = new RecordingSink();
    const s = fanout.add(supervisorEast, sink);
    await fanout.subscribe(s, 'a', { agents: ['1001'] });
    await fanout.subscribe(s, 'b', { agents: ['1001', '1002'] });
    fanout.unsubscribe(s, 'a');
    const [e1, e2] = await publishAll([busy('1001'), busy('1002')]);
    await received(sink, e2!);
    expect(sink.ids()).toStrictEqual([e1, e2]);
  });

  it('subscribing again with the same id replaces its filter', async () => {
    const sink = new RecordingSink();
    const s = fanout.add(supervisorEast, sink);
    await fanout.subscribe(s, 'a', { agents: ['1001'] });
    await fanout.subscribe(s, 'a', { agents: ['1002'] });
    const [, e2] = await publishAll([busy('1001'), busy('1002')]);
    await received(sink, e2!);
    expect(sink.ids()).toStrictEqual([e2]);
  });

  it('remove drops every subscription: nothing more is sent, size decreases', async () => {
    const gone = new RecordingSink();
    const s = fanout.add(supervisorEast, gone);
    await fanout.subscribe(s, 'a', { all: true });
    const watcher = await sentinel();
    expect(fanout.size).toBe(2);
    fanout.remove(s);
    expect(fanout.size).toBe(1);
    const e = await publish(busy('1001'));
    await received(watcher, e);
    expect(gone.messages).toStrictEqual([]);
  });
});

describe('resume with since', () => {
  /**
   * Agent 1001 saw `seen`, then was away while `missed` were published (the
   * tail dispatched them to nobody of its). Returns the ids.
   */
  async function away(): Promise<{ watcher: RecordingSink; seen: string; missed: string[] }> {
    const watcher = await sentinel();
    const seen = await publish(busy('1001', 'seen'));
    const missed = await publishAll([busy('1001', 'm1'), busy('1002', 'm2'), busy('1001', 'm3'), stats('sales'), busy('1001', 'm5')]);
    await received(watcher, missed[4]!); // the tail is past every missed event: the replay has them all
    return { watcher, seen, missed };
  }

  it('live events published during the replay wait in the pending buffer, then follow: missed in id order, then live, no duplicate', async () => {
    const { watcher, seen, missed } = await away();
    const sink = new RecordingSink();
    const s = fanout.add(agent1001, sink);

    // hold the replay's first read until live events have been dispatched
    const range = stream.range.bind(stream);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    stream.range = async (after, until, count) => {
      await gate;
      return range(after, until, count);
    };

    const subscribing = fanout.subscribe(s, 's1', { agents: ['1001'] }, seen);
    const live = await publishAll([busy('1001', 'l1'), busy('1002', 'l2'), busy('1001', 'l3'), busy('1001', 'l4')]);
    await received(watcher, live[3]!);
    expect(s.pending?.map((e: StreamEvent) => e.event.id)).toStrictEqual([live[0], live[2], live[3]]);
    expect(sink.messages).toStrictEqual([]);
    release();

    expect(await subscribing).toStrictEqual({ replayed: 3 });
    expect(s.pending).toBeUndefined();
    expect(sink.ids()).toStrictEqual([missed[0], missed[2], missed[4], live[0], live[2], live[3]]);

    const after = await publish(busy('1001', 'after'));
    await received(sink, after);
    expect(sink.ids()).toStrictEqual([missed[0], missed[2], missed[4], live[0], live[2], live[3], after]);
  });

  it('events published concurrently with the subscribe call: missed then live, each once, in id order', async () => {
    const { seen, missed } = await away();
    const sink = new RecordingSink();
    const s = fanout.add(agent1001, sink);
    const [result, ...live] = await Promise.all([
      fanout.subscribe(s, 's1', { agents: ['1001'] }, seen),
      publish(busy('1001', 'l1')),
      publish(busy('1002', 'l2')),
      publish(busy('1001', 'l3')),
    ]);
    // the replay ends at the id the tail had reached when subscribe was called: the last missed event
    expect(result).toStrictEqual({ replayed: 3 });
    const last = await publish(busy('1001', 'last'));
    await received(sink, last);
    const ids = live as string[];
    expect(sink.ids()).toStrictEqual([missed[0], missed[2], missed[4], ids[0], ids[2], last]);
  });

  it('since the newest id the tail has → nothing replayed, live events follow', async () => {
    const { missed } = await away();
    const sink = new RecordingSink();
    const s = fanout.add(agent1001, sink);
    expect(await fanout.subscribe(s, 's1', { agents: ['1001'] }, missed[4])).toStrictEqual({ replayed: 0 });
    const e = await publish(busy('1001'));
    await received(sink, e);
    expect(sink.ids()).toStrictEqual([e]);
  });

  it('a second resuming subscription on a live connection never sends an older id or a duplicate', async () => {
    const { seen, missed } = await away();
    const sink = new RecordingSink();
    const s = fanout.add(supervisorEast, sink);
    expect(await fanout.subscribe(s, 'a', { agents: ['1001'] }, seen)).toStrictEqual({ replayed: 3 });
    // 1002's m2 is older than what the connection already has (m5): not sent (documented in fanout.ts)
    expect(await fanout.subscribe(s, 'b', { agents: ['1002'] }, seen)).toStrictEqual({ replayed: 0 });
    const e = await publish(busy('1002'));
    await received(sink, e);
    expect(sink.ids()).toStrictEqual([missed[0], missed[2], missed[4], e]);
  });

  it('since older than the first entry kept (stream trimmed) → gap is the oldest id, the rest is replayed', async () => {
    const watcher = await sentinel();
    const ids = await publishAll(Array.from({ length: 10 }, (_, i) => busy('1001', `e${i + 1}`)));
    await received(watcher, ids[9]!);
    await redis.xtrim(stream.key, 'MAXLEN', 5);
    expect(await stream.firstId()).toBe(ids[5]);

    const trimmed = new RecordingSink();
    expect(await fanout.subscribe(fanout.add(agent1001, trimmed), 's', { agents: ['1001'] }, ids[1])).toStrictEqual({ replayed: 5, gap: ids[5] });
    expect(trimmed.ids()).toStrictEqual(ids.slice(5));

    const kept = new RecordingSink();
    expect(await fanout.subscribe(fanout.add(agent1001, kept), 's', { agents: ['1001'] }, ids[5])).toStrictEqual({ replayed: 4 });
    expect(kept.ids()).toStrictEqual(ids.slice(6));

    const fromStart = new RecordingSink();
    expect(await fanout.subscribe(fanout.add(agent1001, fromStart), 's', { agents: ['1001'] }, '0-0')).toStrictEqual({ replayed: 5 });
    expect(fromStart.ids()).toStrictEqual(ids.slice(5));
  });

  it('a replay longer than one read (1200 events, reads of 500) → every matching event once, in order', async () => {
    const watcher = await sentinel();
    const since = await publish(busy('1001', 'since'));
    const events = Array.from({ length: 1200 }, (_, i) => busy(i % 3 === 0 ? '1002' : '1001', `e${i}`));
    const ids = await Promise.all(events.map((e) => publish(e)));
    await received(watcher, ids[1199]!);
    const sink = new RecordingSink();
    const result = await fanout.subscribe(fanout.add(agent1001, sink), 's', { agents: ['1001'] }, since);
    const expected = ids.filter((_, i) => i % 3 !== 0);
    expect(result).toStrictEqual({ replayed: 800 });
    expect(sink.ids()).toStrictEqual(expected);
  });
});

describe('slow sinks', () => {
  it('a sink whose send returns false is removed: no more deliveries, size decreases, the others get everything', async () => {
    const slow = new RecordingSink((n) => n < 2);
    const fast = new RecordingSink();
    const slowSub: Subscriber = fanout.add(reader, slow);
    await fanout.subscribe(slowSub, 's', { all: true });
    await fanout.subscribe(fanout.add(reader, fast), 's', { all: true });
    expect(fanout.size).toBe(2);
    const ids = await publishAll([busy('1001'), busy('1002'), busy('1003'), stats('sales')]);
    await received(fast, ids[3]!);
    expect(fast.ids()).toStrictEqual(ids);
    expect(slow.ids()).toStrictEqual([ids[0], ids[1]]); // the second send answered false: nothing after it
    expect(slowSub.closed).toBe(true);
    expect(fanout.size).toBe(1);
  });
});

describe('publish', () => {
  it('the same dedupe key twice → one entry; the second publish returns undefined; subscribers get it once', async () => {
    const sink = await sentinel();
    const first = await stream.publish(busy('1001'), 'agent:1001:v7');
    expect(first).toBeDefined();
    expect(isStreamId(first!)).toBe(true);
    expect(await stream.publish(busy('1001'), 'agent:1001:v7')).toBeUndefined();
    expect(await redis.xlen(stream.key)).toBe(1);
    const other = await stream.publish(busy('1001'), 'agent:1001:v8');
    expect(other).toBeDefined();
    expect(await redis.xlen(stream.key)).toBe(2);
    await received(sink, other!);
    expect(sink.ids()).toStrictEqual([first, other]);
  });

  it('without a dedupe key the same event is appended every time', async () => {
    await publish(busy('1001'));
    await publish(busy('1001'));
    expect(await redis.xlen(stream.key)).toBe(2);
  });

  it('an empty stream: lastId "0-0", firstId undefined; then both name the entries', async () => {
    expect(await stream.lastId()).toBe('0-0');
    expect(await stream.firstId()).toBeUndefined();
    const a = await publish(busy('1001'));
    const b = await publish(busy('1002'));
    expect(await stream.firstId()).toBe(a);
    expect(await stream.lastId()).toBe(b);
    expect((await stream.range('0-0', b, 10)).map((e) => e.event.id)).toStrictEqual([a, b]);
    expect((await stream.range(a, b, 10)).map((e) => e.event.id)).toStrictEqual([b]);
  });
});

describe('stream ids', () => {
  it('compareIds orders by ms, then by sequence numerically (not as text)', () => {
    expect(compareIds('1700000000000-0', '1700000000001-0')).toBe(-1);
    expect(compareIds('1700000000001-0', '1700000000000-9')).toBe(1);
    expect(compareIds('1700000000000-9', '1700000000000-10')).toBe(-1);
    expect(compareIds('1700000000000-10', '1700000000000-9')).toBe(1);
    expect(compareIds('1700000000000-3', '1700000000000-3')).toBe(0);
    expect(compareIds('999-0', '1000-0')).toBe(-1);
    expect(compareIds('0-0', '0-1')).toBe(-1);
  });

  it('compareIds is exact beyond 2^53: 18446744073709551615 vs …614, and seq 9007199254740993 vs …992', () => {
    expect(compareIds('18446744073709551615-0', '18446744073709551614-99')).toBe(1);
    expect(compareIds('18446744073709551614-0', '18446744073709551615-0')).toBe(-1);
    expect(compareIds('5-9007199254740993', '5-9007199254740992')).toBe(1);
    expect(compareIds('5-18446744073709551615', '5-18446744073709551615')).toBe(0);
  });

  it('isStreamId accepts "<ms>-<seq>" only', () => {
    for (const ok of ['0-0', '1700000000000-0', '1700000000000-42', '18446744073709551615-18446744073709551615']) expect(isStreamId(ok)).toBe(true);
    for (const bad of ['', '1700000000000', '-0', '1-', 'abc-1', '1-2-3', ' 1-0', '1-0 ', '1.5-0', '+', '$', '123456789012345678901-0']) expect(isStreamId(bad)).toBe(false);
  });
});
