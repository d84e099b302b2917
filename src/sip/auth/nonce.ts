import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type NonceStatus = 'ok' | 'stale' | 'invalid';

export interface NonceManagerOptions {
  /** Shared by every node that must accept this node's nonces; at least 16 bytes. */
  secret: string | Uint8Array;
  realm: string;
  /** Default 300 000 (5 min). */
  lifetimeMs?: number;
  /** Tolerated clock skew for nonces that appear to come from the future. Default 5 000. */
  maxFutureSkewMs?: number;
  now?: () => number;
}

const TS_BYTES = 8;
const RANDOM_BYTES = 16;
const MAC_BYTES = 32;
const NONCE_BYTES = TS_BYTES + RANDOM_BYTES + MAC_BYTES;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Stateless nonces: base64url(timestampMs[8, BE] ‖ random[16] ‖ HMAC-SHA256(secret, timestamp ‖ random ‖ realm)).
 * Any node sharing the secret can validate them; single use is enforced separately (ReplayGuard).
 */
export class NonceManager {
  readonly lifetimeMs: number;
  readonly realm: string;
  private readonly secret: Buffer;
  private readonly maxFutureSkewMs: number;
  private readonly now: () => number;

  constructor(o: NonceManagerOptions) {
    this.secret = Buffer.from(o.secret);
    if (this.secret.length < 16) throw new RangeError('nonce secret must be at least 16 bytes');
    this.realm = o.realm;
    this.lifetimeMs = o.lifetimeMs ?? 300_000;
    this.maxFutureSkewMs = o.maxFutureSkewMs ?? 5_000;
    this.now = o.now ?? Date.now;
  }

  issue(): string {
    const head = Buffer.alloc(TS_BYTES + RANDOM_BYTES);
    head.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.now()))));
    randomBytes(RANDOM_BYTES).copy(head, TS_BYTES);
    return Buffer.concat([head, this.mac(head)]).toString('base64url');
  }

  check(nonce: string): NonceStatus {
    if (typeof nonce !== 'string' || nonce.length > 128 || !BASE64URL.test(nonce)) return 'invalid';
    const raw = Buffer.from(nonce, 'base64url');
    // Reject non-canonical encodings so one nonce has exactly one spelling (it is a replay key).
    if (raw.length !== NONCE_BYTES || raw.toString('base64url') !== nonce) return 'invalid';

    const head = raw.subarray(0, TS_BYTES + RANDOM_BYTES);
    if (!timingSafeEqual(raw.subarray(TS_BYTES + RANDOM_BYTES), this.mac(head))) return 'invalid';

    const age = this.now() - Number(raw.readBigUInt64BE(0));
    if (age < -this.maxFutureSkewMs) return 'invalid';
    return age > this.lifetimeMs ? 'stale' : 'ok';
  }

  private mac(head: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(head).update(this.realm, 'utf8').digest();
  }
}
