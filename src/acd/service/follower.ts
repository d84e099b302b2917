/**
 * Follows the ACD `changes` stream on a connection of its own (XREAD BLOCK),
 * so this instance's routing view sees what every instance writes. Records
 * carry versions: replaying some twice (after a reconnect, or the snapshot
 * overlap at start) changes nothing.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AcdStore, type Change } from '../store/acd-store.js';

export interface FollowerOptions {
  redis: Redis;
  key: string;
  from: string;
  onChanges(changes: Change[]): void;
  logger?: Logger;
  /** Longest single block; below the client's command timeout. */
  blockMs?: number;
}

export class ChangeFollower {
  private lastId: string;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: FollowerOptions) {
    this.lastId = opts.from;
  }

  start(): void {
    this.loop ??= this.run();
  }

  get position(): string {
    return this.lastId;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const changes = await AcdStore.readChanges(this.opts.redis, this.opts.key, this.lastId, 500, this.opts.blockMs ?? 1000);
        failures = 0;
        if (changes.length === 0) continue;
        this.lastId = changes[changes.length - 1]!.streamId;
        this.opts.onChanges(changes);
      } catch (err) {
        if (this.stopped) break;
        if (failures++ === 0) this.opts.logger?.warn({ err, code: 'ACD_STORE_UNAVAILABLE' }, 'ACD change stream unavailable: routing view frozen until Redis is back');
        await new Promise((r) => setTimeout(r, Math.min(200 * failures, 2000)));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.opts.redis.disconnect();
    await this.loop?.catch(() => undefined);
  }
}
