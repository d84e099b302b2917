/**
 * Callbacks: a caller who would rather not wait hangs up and keeps their
 * place. The request waits in Redis, ordered by the time the caller first
 * queued; when nobody who called earlier is still waiting in that queue and
 * one of its agents is free or wrapping up, one instance claims it (ZREM is
 * the claim: exactly one wins), calls the customer over the trunk and, once
 * they answer, puts them back in the queue ahead of everyone who came later.
 * No answer or busy: tried again after a delay, up to maxAttempts.
 *
 *   requested ──(head of queue, agent about to be free)──▶ dialing ──answer──▶ queued (priority +1) ──▶ agent
 *       ▲                                                    │ no answer / busy / failed
 *       └──────────────── retry after retryDelayMs ◀─────────┘ (attempts < max; else dropped: CALLBACK_GAVE_UP)
 *
 * Redis (prefix + 'callback…'): `callback:<id>` hash (queue, number,
 * variables JSON, keptSince, requestedAt, attempts, notBefore), and
 * `callbacks:<queue>` zset of ids scored by keptSince.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { Redis, RedisKeys } from '../store/redis.js';
import type { CallbackRequest } from '../ivr/types.js';

export interface CallbackEntry {
  id: string;
  queue: string;
  number: string;
  variables: Record<string, string>;
  /** When the caller first queued (their place); ms since epoch. */
  keptSince: number;
  requestedAt: number;
  attempts: number;
  notBefore: number;
}

export interface CallbackBookOptions {
  redis: Redis;
  keys: RedisKeys;
  logger?: Logger;
  now?: () => number;
}

export class CallbackBook {
  private readonly now: () => number;

  constructor(private readonly opts: CallbackBookOptions) {
    this.now = opts.now ?? Date.now;
  }

  private entryKey(id: string): string {
    return this.opts.keys.key('callback', id);
  }

  private queueKey(queue: string): string {
    return this.opts.keys.key('callbacks', queue);
  }

  /** Files a callback; `keptSince` is when the caller first queued (default now). Resolves with its place among callbacks. */
  async request(req: CallbackRequest & { keptSince?: number }): Promise<{ id: string; position: number }> {
    const id = randomUUID();
    const now = this.now();
    const keptSince = req.keptSince ?? now;
    const entry: CallbackEntry = { id, queue: req.queue, number: req.number, variables: { ...req.variables }, keptSince, requestedAt: now, attempts: 0, notBefore: 0 };
    await this.opts.redis.multi().hset(this.entryKey(id), toHash(entry)).zadd(this.queueKey(req.queue), keptSince, id).exec();
    const rank = await this.opts.redis.zrank(this.queueKey(req.queue), id);
    this.opts.logger?.info({ callbackId: id, queue: req.queue }, 'callback requested');
    return { id, position: (rank ?? 0) + 1 };
  }

  /** Callbacks of a queue in order (the first is due next once its notBefore has passed). */
  async pending(queue: string): Promise<CallbackEntry[]> {
    const ids = await this.opts.redis.zrange(this.queueKey(queue), '0', '-1');
    const out: CallbackEntry[] = [];
    for (const id of ids) {
      const e = fromHash(id, await this.opts.redis.hgetall(this.entryKey(id)));
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  /** The first `limit` callbacks of a queue, in order. */
  async first(queue: string, limit: number): Promise<CallbackEntry[]> {
    const ids = await this.opts.redis.zrange(this.queueKey(queue), '0', String(limit - 1));
    const out: CallbackEntry[] = [];
    for (const id of ids) {
      const e = fromHash(id, await this.opts.redis.hgetall(this.entryKey(id)));
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  /** Not before `notBefore` (outside the customer's calling hours), without counting an attempt; keeps its place. */
  async postpone(e: CallbackEntry, notBefore: number): Promise<void> {
    await this.opts.redis.hset(this.entryKey(e.id), { notBefore: String(notBefore) });
  }

  /** The queue's first callback (due or not), read without the rest of the line. */
  async head(queue: string): Promise<CallbackEntry | undefined> {
    const [id] = await this.opts.redis.zrange(this.queueKey(queue), '0', '0');
    return id === undefined ? undefined : fromHash(id, await this.opts.redis.hgetall(this.entryKey(id)));
  }

  /** Takes a callback out of the line for this instance; false when another instance took it first. */
  async claim(e: CallbackEntry): Promise<boolean> {
    return (await this.opts.redis.zrem(this.queueKey(e.queue), e.id)) === 1;
  }

  /** Back in line (same place) after a failed attempt, not before `notBefore`. */
  async retry(e: CallbackEntry, notBefore: number): Promise<void> {
    await this.opts.redis
      .multi()
      .hset(this.entryKey(e.id), { attempts: String(e.attempts + 1), notBefore: String(notBefore) })
      .zadd(this.queueKey(e.queue), e.keptSince, e.id)
      .exec();
  }

  async done(id: string): Promise<void> {
    await this.opts.redis.del(this.entryKey(id));
  }
}

function toHash(e: CallbackEntry): Record<string, string> {
  return {
    queue: e.queue,
    number: e.number,
    variables: JSON.stringify(e.variables),
    keptSince: String(e.keptSince),
    requestedAt: String(e.requestedAt),
    attempts: String(e.attempts),
    notBefore: String(e.notBefore),
  };
}

function fromHash(id: string, h: Record<string, string>): CallbackEntry | undefined {
  if (h.queue === undefined || h.number === undefined) return undefined;
  let variables: Record<string, string> = {};
  try {
    const parsed: unknown = JSON.parse(h.variables ?? '{}');
    if (typeof parsed === 'object' && parsed !== null) variables = Object.fromEntries(Object.entries(parsed).filter((kv): kv is [string, string] => typeof kv[1] === 'string'));
  } catch {
    // a damaged variables field loses the screen pop, not the callback
  }
  return {
    id,
    queue: h.queue,
    number: h.number,
    variables,
    keptSince: Number(h.keptSince ?? 0),
    requestedAt: Number(h.requestedAt ?? 0),
    attempts: Number(h.attempts ?? 0),
    notBefore: Number(h.notBefore ?? 0),
  };
}
