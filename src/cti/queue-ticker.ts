/**
 * `queue.stats` events every cti.events.queueStatsSeconds: the wallboard's
 * heartbeat. Every instance ticks; one event per queue and period gets
 * through (the dedupe key names the period).
 */
import type { Logger } from 'pino';
import type { AcdService } from '../acd/service/acd-service.js';
import type { QueueConfig } from '../config/acd-schema.js';
import type { EventPublisher } from './events/publisher.js';
import type { QueueDayStats } from './queue-stats.js';

export interface QueueTickerOptions {
  acd: AcdService;
  today: QueueDayStats;
  publisher: EventPublisher;
  queues: readonly QueueConfig[];
  tenant: string;
  periodMs: number;
  logger?: Logger;
}

export class QueueStatsTicker {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: QueueTickerOptions) {}

  start(): void {
    if (this.timer !== undefined || this.opts.queues.length === 0) return;
    this.timer = setInterval(() => void this.tick(), this.opts.periodMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async tick(): Promise<void> {
    const { acd, today, publisher, periodMs } = this.opts;
    await today.refresh().catch((err: unknown) => this.opts.logger?.debug({ err }, 'journal not read for queue stats'));
    const slot = Math.floor(Date.now() / periodMs);
    for (const q of this.opts.queues) {
      const s = acd.queueStats(q.id);
      publisher.publish(
        {
          type: 'queue.stats',
          time: new Date().toISOString(),
          tenant: this.opts.tenant,
          queue: q.id,
          waiting: s.waiting,
          longestWaitMs: s.longestWaitMs,
          agents: s.agents,
          serviceLevelSeconds: q.serviceLevelSeconds,
          today: today.today(q.id),
        },
        `queue:${q.id}:${slot}`,
      );
    }
  }
}
