/**
 * Places the callbacks of the CallbackBook: every tick, for each queue, the
 * first callback whose turn it is (nobody who queued before it still waits)
 * is claimed once one of the queue's agents is free or wrapping up, and the
 * customer is called over the trunk. Answered: they hear who is calling and
 * wait in the queue one priority above its callers, so they are next. Not
 * answered: back in line after retryDelayMs, up to maxAttempts.
 *
 * Like the dialer's campaigns, callbacks keep to the customer's calling hours
 * (compliance.ts, the zone of their number) and to the trunk's calls per
 * second (TrunkPacer, shared across instances and with the dialer).
 */
import type { Logger } from '../log.js';
import type { AcdService } from '../acd/service/acd-service.js';
import type { QueueConfig } from '../config/acd-schema.js';
import type { Call } from './call.js';
import type { CallbackBook, CallbackEntry } from './callbacks.js';
import { DialError } from './dial.js';
import type { QueueCalls } from './queue-call.js';
import { DEFAULT_RULES, insideWindow, nextWindowOpen, type CallingRules } from '../dialer/compliance.js';
import { timeZoneFor } from '../dialer/lists/timezone.js';
import type { TrunkPacer } from '../dialer/trunk-pacer.js';

export interface CallbackDialerOptions {
  book: CallbackBook;
  acd: AcdService;
  queueCalls: QueueCalls;
  queues: readonly QueueConfig[];
  placeCall(number: string, run: (call: Call) => Promise<void>, opts: { ringTimeoutMs: number }): Promise<Call>;
  prompt(name: string): string;
  logger?: Logger;
  tickMs?: number;
  retryDelayMs?: number;
  maxAttempts?: number;
  ringTimeoutMs?: number;
  now?: () => number;
  /** The customer's calling hours (default 08:00–21:00 in the zone of their number). */
  rules?: CallingRules;
  /** Calls per second on the trunk, shared with the dialer. */
  pacer?: TrunkPacer;
}

export class CallbackDialer {
  private timer: NodeJS.Timeout | undefined;
  private readonly dialing = new Set<string>();
  private ticking = false;
  private readonly now: () => number;

  constructor(private readonly opts: CallbackDialerOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.opts.tickMs ?? 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass over the queues; a queue whose callback is being dialed waits for it. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const q of this.opts.queues) {
        if (this.dialing.has(q.id) || !this.agentAboutToBeFree(q.id)) continue;
        const head = await this.nextDue(q.id);
        if (head === undefined || this.someoneAhead(q.id, head.keptSince)) continue;
        if (await this.opts.book.claim(head)) void this.place(q, head);
      }
    } catch (err) {
      this.opts.logger?.warn({ err, code: 'CALLBACK_STORE_UNAVAILABLE' }, 'callbacks not checked this tick');
    } finally {
      this.ticking = false;
    }
  }

  /**
   * The first callback in line that may be called now. One outside its
   * customer's calling hours (the zone from the number; unknown: they just
   * called us, so their hours are taken as now) waits for the window to open,
   * keeping its place, and the next one is looked at.
   */
  private async nextDue(queue: string): Promise<CallbackEntry | undefined> {
    const now = this.now();
    const rules = this.opts.rules ?? DEFAULT_RULES;
    for (const e of await this.opts.book.first(queue, 20)) {
      if (e.notBefore > now) continue;
      const tz = timeZoneFor(e.number).tz;
      if (tz !== undefined && !insideWindow(now, tz, rules)) {
        await this.opts.book.postpone(e, nextWindowOpen(now, tz, rules));
        this.opts.logger?.info({ callbackId: e.id, queue }, 'callback outside the customer\'s calling hours: waits for them');
        continue;
      }
      return e;
    }
    return undefined;
  }

  private agentAboutToBeFree(queue: string): boolean {
    const a = this.opts.acd.queueStats(queue).agents;
    return a.available + a['wrap-up'] > 0;
  }

  /** A caller still waiting who queued before the callback's kept time is served first. */
  private someoneAhead(queue: string, keptSince: number): boolean {
    const now = this.now();
    return this.opts.acd.waitingCalls(queue).some((c) => now - c.waitedMs <= keptSince);
  }

  private async place(queue: QueueConfig, e: CallbackEntry): Promise<void> {
    const log = this.opts.logger?.child({ callbackId: e.id, queue: queue.id });
    this.dialing.add(queue.id);
    try {
      // the trunk's calls per second are shared with the campaigns
      await this.opts.pacer?.take();
      await this.opts.placeCall(
        e.number,
        async (call) => {
          for (const [k, v] of Object.entries(e.variables)) call.variables.set(k, v);
          call.variables.set('callback_id', e.id);
          await call.caller.endpoint?.play([this.opts.prompt('callback-intro')]).catch(() => undefined);
          if (call.isEnded()) return;
          await this.opts.queueCalls.run(call, { queue: queue.id, priority: Math.min(9, queue.priority + 1) });
        },
        { ringTimeoutMs: this.opts.ringTimeoutMs ?? 30_000 },
      );
      await this.opts.book.done(e.id);
      log?.info({ attempt: e.attempts + 1 }, 'callback answered; customer queued');
    } catch (err) {
      const reason = err instanceof DialError ? err.reason : 'failed';
      const max = this.opts.maxAttempts ?? 3;
      if (e.attempts + 1 >= max) {
        await this.opts.book.done(e.id).catch(() => undefined);
        log?.warn({ code: 'CALLBACK_GAVE_UP', reason, attempts: e.attempts + 1 }, 'callback not reached; given up');
      } else {
        await this.opts.book.retry(e, this.now() + (this.opts.retryDelayMs ?? 120_000)).catch((er: unknown) => log?.error({ err: er, code: 'CALLBACK_LOST' }, 'callback could not be put back'));
        log?.info({ reason, attempt: e.attempts + 1 }, 'callback not reached; will retry');
      }
    } finally {
      this.dialing.delete(queue.id);
    }
  }
}
