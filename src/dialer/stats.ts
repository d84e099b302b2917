/**
 * A campaign's figures in Redis: running totals (attempts, live answers,
 * connected, abandoned, handling time, dispositions) and per-day answers and
 * abandons for the rolling 30-day abandon rate the law counts.
 *
 *   dialer:stats:<id>            hash of totals (disposition:<d> per disposition)
 *   dialer:daily:<id>:<YYYY-MM-DD>  hash answered / abandoned, expires after 31 days
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../store/redis.js';
import type { Disposition } from './compliance.js';

const DAY_MS = 86_400_000;

export interface CampaignFigures {
  attempts: number;
  liveAnswers: number;
  connected: number;
  abandoned: number;
  handled: number;
  handleMs: number;
  dispositions: Partial<Record<Disposition, number>>;
  /** Abandoned ÷ live answers over the last 30 days, %. */
  abandonPct30d: number;
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export class CampaignStats {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private totals(id: string): string {
    return this.keys.key('dialer', 'stats', id);
  }

  private daily(id: string, ms: number): string {
    return this.keys.key('dialer', 'daily', id, day(ms));
  }

  /** One attempt more at `now` (`by` -1: one that turned out not to reach the contact at all). */
  async attempted(id: string, now: number, by = 1): Promise<void> {
    await this.redis.multi().hincrby(this.totals(id), 'attempts', by).hincrby(this.daily(id, now), 'attempts', by).pexpire(this.daily(id, now), 31 * DAY_MS).exec();
  }

  /** A campaign outcome counted: an agent's label ("sale"), or the dialer's `message-left`. */
  async outcome(id: string, label: string): Promise<void> {
    await this.redis.hincrby(this.totals(id), `outcome:${label}`, 1);
  }

  /** The outcome of one attempt; `handleMs` for a call an agent had. */
  async finished(id: string, d: Disposition, now: number, o: { live: boolean; connected: boolean; handleMs?: number }): Promise<void> {
    const m = this.redis.multi().hincrby(this.totals(id), `disposition:${d}`, 1);
    if (o.live) {
      m.hincrby(this.totals(id), 'liveAnswers', 1).hincrby(this.daily(id, now), 'answered', 1);
      if (d === 'abandoned') m.hincrby(this.totals(id), 'abandoned', 1).hincrby(this.daily(id, now), 'abandoned', 1);
      m.pexpire(this.daily(id, now), 31 * DAY_MS);
    }
    if (o.connected) m.hincrby(this.totals(id), 'connected', 1);
    if (o.handleMs !== undefined) m.hincrby(this.totals(id), 'handled', 1).hincrby(this.totals(id), 'handleMs', Math.round(o.handleMs));
    await m.exec();
  }

  /**
   * The attempts, live answers and abandons of the UTC day `now` is in (the per-day
   * hash the 30-day rate is summed from).
   */
  async today(id: string, now: number): Promise<{ attempts: number; liveAnswers: number; abandoned: number }> {
    const [attempts, answered, abandoned] = await this.redis.hmget(this.daily(id, now), 'attempts', 'answered', 'abandoned');
    return { attempts: Number(attempts ?? 0), liveAnswers: Number(answered ?? 0), abandoned: Number(abandoned ?? 0) };
  }

  async figures(id: string, now: number): Promise<CampaignFigures> {
    const days = Array.from({ length: 30 }, (_, i) => this.daily(id, now - i * DAY_MS));
    const m = this.redis.multi().hgetall(this.totals(id));
    for (const k of days) m.hmget(k, 'answered', 'abandoned');
    const replies = (await m.exec()) ?? [];
    const t = (replies[0]?.[1] ?? {}) as Record<string, string>;
    let answered30 = 0;
    let abandoned30 = 0;
    for (const [, v] of replies.slice(1)) {
      const [a, b] = (v ?? []) as (string | null)[];
      answered30 += Number(a ?? 0);
      abandoned30 += Number(b ?? 0);
    }
    const dispositions: Partial<Record<Disposition, number>> = {};
    for (const [k, v] of Object.entries(t)) if (k.startsWith('disposition:')) dispositions[k.slice('disposition:'.length) as Disposition] = Number(v);
    const n = (k: string): number => Number(t[k] ?? 0);
    return {
      attempts: n('attempts'),
      liveAnswers: n('liveAnswers'),
      connected: n('connected'),
      abandoned: n('abandoned'),
      handled: n('handled'),
      handleMs: n('handleMs'),
      dispositions,
      abandonPct30d: answered30 === 0 ? 0 : Math.round((abandoned30 / answered30) * 1000) / 10,
    };
  }
}
