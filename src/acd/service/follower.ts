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
  /** Sequence number of the entry at `from` (entries are numbered without gaps). */
  seq: number;
  /** Entries were trimmed before this follower read them: the view must be reloaded. */
  onGap(): void;
  onChanges(changes: Change[]): void;
  logger?: Logger;
  /** Longest single block; below the client's command timeout. */
  blockMs?: number;
}

export class ChangeFollower {
  private lastId: string;
  private lastSeq: number;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: FollowerOptions) {
    this.lastId = opts.from;
    this.lastSeq = opts.seq;
  }

  start(): void {
    this.loop ??= this.run();
  }

  get position(): string {
    return this.lastId;
  }

  /** Sequence number of the last entry accounted for. */
  get seq(): number {
    return this.lastSeq;
  }

  /** Continue from `id` whose entry has sequence number `seq` (after a fresh snapshot). */
  resume(id: string, seq: number): void {
    this.lastId = id;
    this.lastSeq = seq;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const from = this.lastId;
        const batch = await AcdStore.readChanges(this.opts.redis, this.opts.key, from, 500, this.opts.blockMs ?? 1000);
        failures = 0;
        if (batch.entries === 0 || this.lastId !== from) continue; // nothing, or resumed elsewhere meanwhile
        this.lastId = batch.lastId;
        let gap = false;
        for (const n of batch.seqs) {
          if (n > this.lastSeq + 1) gap = true;
          if (n > this.lastSeq) this.lastSeq = n;
        }
        if (batch.changes.length > 0) this.opts.onChanges(batch.changes);
        if (gap) this.opts.onGap();
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
