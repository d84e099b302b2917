/**
 * Token buckets per key (a token's subject, or a client address before
 * login): `perSecond` sustained, twice that as a burst. Pure apart from the
 * injected clock; old buckets are forgotten so the map stays small.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly burst: number;
  private sweptAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.burst = perSecond * 2;
    this.sweptAt = now();
  }

  /** Take one token; false when the key is over its rate (nothing else happens). */
  take(key: string): boolean {
    const now = this.now();
    if (now - this.sweptAt > 60_000) this.sweep(now);
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private sweep(now: number): void {
    this.sweptAt = now;
    // a bucket idle long enough to be full again carries no information
    const full = (this.burst / this.perSecond) * 1000;
    for (const [k, b] of this.buckets) if (now - b.at > full) this.buckets.delete(k);
  }
}
