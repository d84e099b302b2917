import { existsSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const COMMAND = 'hotlineDigestReplayAccept';
const MAX_NC = 0xffffffff;

type WithReplayCommand = Redis & {
  [COMMAND](key: string, nc: number, ttlMs: number): Promise<number>;
};

/**
 * Where replay.lua may live: next to this module (src/ under vitest/tsx) or,
 * since tsc does not copy .lua files, at the same path under the repo's src/.
 */
export function replayScriptCandidates(moduleUrl: string = import.meta.url): URL[] {
  const beside = new URL('./replay.lua', moduleUrl);
  const inSrc = new URL(beside.href.replace('/dist/src/', '/src/'));
  return inSrc.href === beside.href ? [beside] : [beside, inSrc];
}

let cachedScript: string | undefined;

export function loadReplayScript(): string {
  if (cachedScript !== undefined) return cachedScript;
  const candidates = replayScriptCandidates();
  const found = candidates.find((url) => existsSync(url));
  if (found === undefined) {
    throw new Error(`replay.lua not found; looked in ${candidates.map((u) => u.pathname).join(', ')}`);
  }
  cachedScript = readFileSync(found, 'utf8');
  return cachedScript;
}

export interface ReplayGuardOptions {
  /** Key lifetime when accept() is not given one. Default 300 000 (the default nonce lifetime). */
  ttlMs?: number;
}

/** Enforces strictly increasing nc per nonce (qop) or single use (no qop), across nodes, in Redis. */
export class ReplayGuard {
  readonly ttlMs: number;
  private readonly redis: WithReplayCommand;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    options: ReplayGuardOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 300_000;
    redis.defineCommand(COMMAND, { lua: loadReplayScript(), numberOfKeys: 1 });
    this.redis = redis as WithReplayCommand;
  }

  /**
   * Resolves true if this (nonce, nc) use is fresh and records it; false if it is a replay.
   * `nc` is the integer value of the nc parameter, or 0 when qop is absent.
   * `ttlMs` should be at least the nonce lifetime.
   */
  async accept(nonce: string, nc: number, ttlMs: number = this.ttlMs): Promise<boolean> {
    if (!Number.isInteger(nc) || nc < 0 || nc > MAX_NC) throw new RangeError(`invalid nc: ${nc}`);
    if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new RangeError(`invalid ttlMs: ${ttlMs}`);
    const result = await this.redis[COMMAND](this.keyPrefix + nonce, nc, ttlMs);
    return result === 1;
  }
}
