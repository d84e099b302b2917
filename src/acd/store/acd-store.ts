/**
 * The ACD's live state in Redis. Every change goes through one of the Lua
 * scripts in ../lua (atomic check-and-set; Node never reads, modifies and
 * writes back), and each script appends the records it wrote to the
 * `changes` stream and its queue events to the `journal` stream.
 */
import type { Redis } from 'ioredis';
import { AcdError } from '../errors.js';
import type { AgentLive, AgentState, JournalEvent, JournalEventName, QueueEntry, Requirement, StateLogEntry } from '../types.js';
import type { AcdKeys } from './keys.js';
import { parseAgent, parseData, parseEntry } from './codec.js';
import { SCRIPTS, SCRIPT_KEYS, scriptSource, type ScriptName } from './scripts.js';

type Reply = readonly unknown[];
type Scripted = Redis & Record<string, (...args: (string | number)[]) => Promise<unknown>>;

/** One record from the `changes` stream. */
export type Change =
  | { streamId: string; kind: 'agent'; id: string; agent: AgentLive; from: AgentState; cause: string }
  | { streamId: string; kind: 'entry'; id: string; entry: QueueEntry }
  | { streamId: string; kind: 'entry-removed'; id: string; version: number }
  | { streamId: string; kind: 'queue'; id: string; emergency: boolean };

export interface ChangeBatch {
  changes: Change[];
  /** Id of the last stream entry read (fromId when none). */
  lastId: string;
  /** Stream entries read (one per script run). */
  entries: number;
  /** The entries' sequence numbers (`n`), in order; entries without one are left out. */
  seqs: number[];
}

export interface Snapshot {
  agents: AgentLive[];
  entries: QueueEntry[];
  /** Per queue: emergency switch, last agent offered (round-robin). */
  queues: Map<string, { emergency: boolean; lastOffered?: string }>;
  /** Replay `changes` after this id to catch up from the snapshot. */
  changesFrom: string;
  /** Sequence number of the last `changes` entry the snapshot includes (gap detection). */
  changesSeq: number;
}

export interface EnqueueInput {
  callId: string;
  queue: string;
  priority: number;
  owner: string;
  maxLength: number;
  caller?: string;
  variables?: Readonly<Record<string, string>>;
  requirement?: Requirement;
}

export type EnqueueResult =
  | { status: 'ok' | 'EXISTS'; position: number; entry: QueueEntry }
  | { status: 'CLOSED' | 'FULL' | 'NOT_WAITING' };

export type AgentStateResult = { status: 'ok' | 'same' | 'pending'; agent: AgentLive; released: string[] } | { status: 'WRONG_STATE'; agent: AgentLive };

export type ReserveResult = { status: 'ok'; agents: string[] } | { status: 'CALL_NOT_FOUND' | 'CALL_NOT_WAITING' | 'AGENT_UNAVAILABLE' };

export type LeaveEvent = Extract<JournalEventName, 'ABANDON' | 'EXITWITHTIMEOUT' | 'EXITEMPTY' | 'EXITWITHKEY' | 'EXITLOST' | 'OVERFLOW'>;
export type CompleteEvent = Extract<JournalEventName, 'COMPLETECALLER' | 'COMPLETEAGENT' | 'TRANSFER' | 'EXITLOST'>;

export interface AcdStoreOptions {
  /** Redis calls them with the server's prefix + 'acd:' (AcdKeys). */
  keys: AcdKeys;
  reservationTtlMs: number;
  missesBeforePause: number;
  handleTimeWindow: number;
}

const asList = (v: unknown): Reply => (Array.isArray(v) ? (v as unknown[]) : []);
const asString = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const jsonStrings = (v: unknown): string[] => {
  try {
    const parsed: unknown = JSON.parse(asString(v));
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
};

export class AcdStore {
  private readonly redis: Scripted;
  readonly keys: AcdKeys;

  constructor(
    redis: Redis,
    private readonly opts: AcdStoreOptions,
  ) {
    for (const name of SCRIPTS) redis.defineCommand(commandName(name), { lua: scriptSource(name), numberOfKeys: SCRIPT_KEYS[name] });
    this.redis = redis as Scripted;
    this.keys = opts.keys;
  }

  private async run(name: ScriptName, keys: string[], now: number, args: (string | number)[]): Promise<Reply> {
    const fn = this.redis[commandName(name)];
    if (fn === undefined) throw new AcdError('ACD_STORE_UNAVAILABLE', `script ${name} not loaded`);
    try {
      return asList(await fn.call(this.redis, ...keys, this.keys.prefix, now, ...args));
    } catch (err) {
      throw storeError(err, name);
    }
  }

  async agentState(
    agentId: string,
    to: 'available' | 'paused' | 'logged-out' | 'on-call-outbound' | 'wrap-up',
    cause: string,
    now: number,
    opts: { reason?: string; onlyFrom?: readonly AgentState[]; wrapUpMs?: number; force?: boolean } = {},
  ): Promise<AgentStateResult> {
    const r = await this.run('agent-state', [this.keys.agent(agentId), this.keys.wrapups()], now, [
      agentId,
      to,
      cause,
      opts.reason ?? '',
      (opts.onlyFrom ?? []).join(','),
      opts.wrapUpMs ?? 0,
      opts.force === true ? '1' : '0',
    ]);
    const status = asString(r[0]);
    const agent = parseAgent(asString(r[2]));
    if (agent === undefined) throw badReply('agent-state');
    if (status === 'WRONG_STATE') return { status, agent };
    if (status !== 'ok' && status !== 'same' && status !== 'pending') throw badReply('agent-state');
    return { status, agent, released: jsonStrings(r[3]) };
  }

  async enqueue(input: EnqueueInput, now: number): Promise<EnqueueResult> {
    return this.enqueueScript(input.callId, input.queue, now, [
      input.priority,
      input.owner,
      input.maxLength,
      input.caller ?? '',
      JSON.stringify(input.variables ?? {}),
      input.requirement === undefined ? '' : JSON.stringify(input.requirement),
      'new',
      '',
    ]);
  }

  /** A waiting caller moves to another queue (overflow), keeping enqueue time and arrival order. */
  async move(callId: string, queue: string, reason: string, maxLength: number, now: number): Promise<EnqueueResult> {
    return this.enqueueScript(callId, queue, now, [0, '', maxLength, '', '{}', '', 'move', reason]);
  }

  private async enqueueScript(callId: string, queue: string, now: number, rest: (string | number)[]): Promise<EnqueueResult> {
    const r = await this.run('enqueue', [this.keys.entry(callId), this.keys.queue(queue), this.keys.queueMeta(queue)], now, [callId, queue, ...rest]);
    const status = asString(r[0]);
    if (status === 'CLOSED' || status === 'FULL' || status === 'NOT_WAITING') return { status };
    const entry = parseEntry(asString(r[2]));
    if ((status !== 'ok' && status !== 'EXISTS') || entry === undefined) throw badReply('enqueue');
    return { status, position: Number(r[1]), entry };
  }

  async reserve(callId: string, queue: string, agents: readonly { id: string; maxOffers: number }[], now: number): Promise<ReserveResult> {
    const pairs = agents.flatMap((a) => [a.id, a.maxOffers]);
    const r = await this.run('reserve', [this.keys.entry(callId), this.keys.reservations(), this.keys.queueMeta(queue)], now, [
      callId,
      this.opts.reservationTtlMs,
      ...pairs,
    ]);
    const status = asString(r[0]);
    if (status === 'ok') return { status, agents: r.slice(1).map(asString) };
    if (status === 'CALL_NOT_FOUND' || status === 'CALL_NOT_WAITING' || status === 'AGENT_UNAVAILABLE') return { status };
    throw badReply('reserve');
  }

  /** The INVITE is out: reserved → ringing. False: the offer was withdrawn meanwhile. */
  async ring(callId: string, agentId: string, ttlMs: number, now: number): Promise<boolean> {
    const r = await this.run('ring', [this.keys.entry(callId), this.keys.reservations()], now, [callId, agentId, ttlMs]);
    return asString(r[0]) === 'ok';
  }

  async answer(callId: string, agentId: string, queue: string, now: number): Promise<{ ok: true; withdrawnCalls: string[]; releasedAgents: string[] } | { ok: false }> {
    const r = await this.run('answer', [this.keys.entry(callId), this.keys.queue(queue), this.keys.reservations()], now, [callId, agentId]);
    if (asString(r[0]) !== 'ok') return { ok: false };
    return { ok: true, withdrawnCalls: jsonStrings(r[1]), releasedAgents: jsonStrings(r[2]) };
  }

  /** An offer ended unanswered; `miss` counts it towards auto-pause (RINGNOANSWER). */
  /** `rest`: not a miss, but the agent is left alone for the retry delay all the same (a failing phone). */
  async release(callId: string, agentId: string, cause: string, miss: boolean, now: number, rest = false): Promise<{ agentState?: AgentState; entryState?: string }> {
    const r = await this.run('release', [this.keys.entry(callId)], now, [callId, agentId, cause, miss ? '1' : '0', this.opts.missesBeforePause, rest ? '1' : '0']);
    const agentState = asString(r[1]);
    const entryState = asString(r[2]);
    return { ...(agentState === '' ? {} : { agentState: agentState as AgentState }), ...(entryState === '' ? {} : { entryState }) };
  }

  async leave(
    callId: string,
    event: LeaveEvent,
    data: Readonly<Record<string, string>>,
    now: number,
  ): Promise<{ status: 'ok'; position: number; released: string[]; entry?: QueueEntry } | { status: 'GONE' } | { status: 'CONNECTED'; agent: string }> {
    const r = await this.run('leave', [this.keys.entry(callId)], now, [callId, event, JSON.stringify(data)]);
    const status = asString(r[0]);
    if (status === 'GONE') return { status };
    if (status === 'CONNECTED') return { status, agent: asString(r[1]) };
    if (status !== 'ok') throw badReply('leave');
    const entry = parseEntry(asString(r[3]));
    return { status, position: Number(r[1]), released: jsonStrings(r[2]), ...(entry === undefined ? {} : { entry }) };
  }

  async complete(
    callId: string,
    event: CompleteEvent,
    wrapUpMs: number,
    data: Readonly<Record<string, string>>,
    now: number,
  ): Promise<{ status: 'ok'; agent: string; agentState?: AgentState } | { status: 'GONE' | 'NOT_CONNECTED' }> {
    const r = await this.run('complete', [this.keys.entry(callId), this.keys.wrapups()], now, [
      callId,
      event,
      wrapUpMs,
      this.opts.handleTimeWindow,
      JSON.stringify(data),
    ]);
    const status = asString(r[0]);
    if (status === 'GONE' || status === 'NOT_CONNECTED') return { status };
    if (status !== 'ok') throw badReply('complete');
    const state = asString(r[2]);
    return { status, agent: asString(r[1]), ...(state === '' ? {} : { agentState: state as AgentState }) };
  }

  /** Expired reservations back to the queue, ended wrap-ups to available. */
  async sweep(now: number, limit = 100): Promise<{ returned: string[]; freed: string[] }> {
    const r = await this.run('sweep', [this.keys.reservations(), this.keys.wrapups()], now, [limit]);
    return { returned: jsonStrings(r[0]), freed: jsonStrings(r[1]) };
  }

  /** Emergency switch: new callers are refused (overflow) while on. One MULTI: flag and change record together. */
  async setEmergency(queue: string, on: boolean): Promise<void> {
    await guard(
      this.redis
        .multi()
        .hset(this.keys.queueMeta(queue), 'emergency', on ? '1' : '0')
        .xadd(this.keys.changes(), 'MAXLEN', '~', 100000, '*', 'k', 'q', 'id', queue, 'v', on ? '1' : '0')
        .exec(),
    );
  }

  async agent(agentId: string): Promise<AgentLive | undefined> {
    const json = await guard(this.redis.get(this.keys.agent(agentId)));
    return json === null ? undefined : parseAgent(json);
  }

  async entry(callId: string): Promise<QueueEntry | undefined> {
    const json = await guard(this.redis.get(this.keys.entry(callId)));
    return json === null ? undefined : parseEntry(json);
  }

  async handleTimes(queue: string): Promise<number[]> {
    const values = await guard(this.redis.lrange(this.keys.handleTimes(queue), 0, -1));
    return values.map(Number).filter((n) => Number.isFinite(n) && n >= 0);
  }

  /** Everything, for a view to start from; then follow `changes` from `changesFrom`. */
  async snapshot(queueIds: readonly string[]): Promise<Snapshot> {
    // where the follower starts: the last entry and its sequence number, read together
    const [[, seq], [, last]] = ((await guard(
      this.redis.multi().get(this.keys.changesSeq()).xrevrange(this.keys.changes(), '+', '-', 'COUNT', 1).exec(),
    )) ?? [[null, null], [null, []]]) as [[unknown, string | null], [unknown, [string, string[]][]]];
    const changesFrom = last[0]?.[0] ?? '0-0';
    const changesSeq = Number(seq ?? 0);
    const agents = await this.mget(await guard(this.redis.smembers(this.keys.agents())), (id) => this.keys.agent(id), parseAgent);
    const entries = await this.mget(await guard(this.redis.smembers(this.keys.entries())), (id) => this.keys.entry(id), parseEntry);
    const queues = new Map<string, { emergency: boolean; lastOffered?: string }>();
    for (const q of queueIds) {
      const meta = await guard(this.redis.hgetall(this.keys.queueMeta(q)));
      queues.set(q, { emergency: meta.emergency === '1', ...(meta.lastOffered === undefined ? {} : { lastOffered: meta.lastOffered }) });
    }
    return { agents, entries, queues, changesFrom, changesSeq };
  }

  private async mget<T>(ids: string[], keyOf: (id: string) => string, parse: (json: string) => T | undefined): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const values = await guard(this.redis.mget(...ids.slice(i, i + 1000).map(keyOf)));
      for (const v of values) {
        const parsed = v === null ? undefined : parse(v);
        if (parsed !== undefined) out.push(parsed);
      }
    }
    return out;
  }

  /**
   * Records of `changes` after `fromId`. With `blockMs`, waits that long for
   * one (use a connection of its own: a blocked connection serves nobody else).
   */
  static async readChanges(redis: Redis, key: string, fromId: string, count: number, blockMs?: number): Promise<ChangeBatch> {
    const reply =
      blockMs === undefined
        ? await guard(redis.xread('COUNT', String(count), 'STREAMS', key, fromId))
        : await guard(redis.xread('COUNT', String(count), 'BLOCK', String(blockMs), 'STREAMS', key, fromId));
    const batch: ChangeBatch = { changes: [], lastId: fromId, entries: 0, seqs: [] };
    for (const [, messages] of reply ?? []) {
      for (const [streamId, fields] of messages) {
        // every entry moves the position on, even one that holds nothing we can read
        if (fields[0] === 'n') batch.seqs.push(Number(fields[1]));
        batch.changes.push(...parseChanges(streamId, fields[0] === 'n' ? fields.slice(2) : fields));
        batch.lastId = streamId;
        batch.entries++;
      }
    }
    return batch;
  }

  async journal(fromId = '-', count = 1000): Promise<JournalEvent[]> {
    const rows = await guard(this.redis.xrange(this.keys.journal(), fromId, '+', 'COUNT', count));
    return rows.map(([id, fields]) => {
      const f = fieldMap(fields);
      const event: JournalEvent = { id, event: (f.event ?? '') as JournalEventName, time: Number(f.time), data: parseData(f.data) };
      if (f.queue) event.queue = f.queue;
      if (f.callId) event.callId = f.callId;
      if (f.agentId) event.agentId = f.agentId;
      return event;
    });
  }

  /** Agent state changes after `fromId` (exclusive when it is an id, as XRANGE with '(' ). */
  async stateLog(fromId = '-', count = 1000): Promise<StateLogEntry[]> {
    const rows = await guard(this.redis.xrange(this.keys.statelog(), fromId, '+', 'COUNT', count));
    return rows.map(([id, fields]) => decodeStateLog(id, fieldMap(fields)));
  }

  async heartbeat(instanceId: string, now: number): Promise<void> {
    await guard(this.redis.zadd(this.keys.instances(), now, instanceId));
  }

  /** Instance id → last heartbeat (ms). */
  async instances(): Promise<Map<string, number>> {
    const flat = await guard(this.redis.zrange(this.keys.instances(), '0', '-1', 'WITHSCORES'));
    const out = new Map<string, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i]!, Number(flat[i + 1]));
    return out;
  }

  async forgetInstance(instanceId: string): Promise<void> {
    await guard(this.redis.zrem(this.keys.instances(), instanceId));
  }

  /**
   * The caller leg's SIP dialog, so another instance can hang up a caller
   * whose instance died. It expires after a day by itself, so one saved just
   * as its call ended (a race with dropDialog) does not stay for ever.
   */
  async saveDialog(callId: string, dialog: unknown): Promise<void> {
    await guard(this.redis.set(this.keys.dialog(callId), JSON.stringify(dialog), 'EX', 86_400));
  }

  async dropDialog(callId: string): Promise<void> {
    await guard(this.redis.del(this.keys.dialog(callId)));
  }

  async dialog(callId: string): Promise<unknown> {
    const json = await guard(this.redis.get(this.keys.dialog(callId)));
    if (json === null) return undefined;
    try {
      return JSON.parse(json) as unknown;
    } catch {
      return undefined;
    }
  }
}

function commandName(script: ScriptName): string {
  return `hotlineAcd_${script.replace(/-/g, '_')}`;
}

function fieldMap(fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
  return out;
}

/** One stream entry holds every record a script run wrote, each starting at its `k` field. */
function parseChanges(streamId: string, fields: readonly string[]): Change[] {
  const out: Change[] = [];
  let start = 0;
  for (let i = 2; i <= fields.length; i += 2) {
    if (i === fields.length || fields[i] === 'k') {
      const change = parseChange(streamId, fieldMap(fields.slice(start, i)));
      if (change !== undefined) out.push(change);
      start = i;
    }
  }
  return out;
}

function parseChange(streamId: string, f: Record<string, string>): Change | undefined {
  const id = f.id;
  const v = f.v ?? '';
  if (id === undefined) return undefined;
  if (f.k === 'a') {
    const agent = parseAgent(v);
    return agent === undefined ? undefined : { streamId, kind: 'agent', id, agent, from: (f.from ?? agent.state) as AgentState, cause: f.cause ?? '' };
  }
  if (f.k === 'e') {
    if (v === '') return { streamId, kind: 'entry-removed', id, version: Number(f.version ?? 0) };
    const entry = parseEntry(v);
    return entry === undefined ? undefined : { streamId, kind: 'entry', id, entry };
  }
  if (f.k === 'q') return { streamId, kind: 'queue', id, emergency: v === '1' };
  return undefined;
}

async function guard<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw storeError(err, 'redis');
  }
}

function storeError(err: unknown, what: string): AcdError {
  if (err instanceof AcdError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes('ACD_INVALID_TRANSITION')) {
    return new AcdError('ACD_INVALID_TRANSITION', message.replace(/^.*?(ACD_INVALID_TRANSITION)/, '$1'), { cause: err });
  }
  if (message.includes('ERR acd:')) return new AcdError('ACD_INVALID_ARGUMENT', message.replace(/^.*?ERR acd:\s*/, ''), { cause: err });
  return new AcdError('ACD_STORE_UNAVAILABLE', `ACD store (${what}) unavailable: ${message}`, { cause: err });
}

function badReply(script: string): AcdError {
  return new AcdError('ACD_BAD_REPLY', `unexpected reply from ${script}.lua`);
}

/** A `statelog` stream entry (fields as lib.lua's saveAgent writes them). */
export function decodeStateLog(id: string, f: Record<string, string | undefined>): StateLogEntry {
  const entry: StateLogEntry = { id, agentId: f.agentId ?? '', from: (f.from ?? 'logged-out') as AgentState, to: (f.to ?? 'logged-out') as AgentState, cause: f.cause ?? '', time: Number(f.time) };
  if (f.reason) entry.reason = f.reason;
  if (f.callId) entry.callId = f.callId;
  return entry;
}
