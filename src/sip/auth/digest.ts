import { createHash, timingSafeEqual } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'SHA-256' | 'MD5-sess' | 'SHA-256-sess';
export type DigestQop = 'auth' | 'auth-int';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'];

/** Maps a wire `algorithm` value (case-insensitive; absent means MD5) to a supported algorithm. */
export function parseAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  if (value === undefined) return 'MD5';
  const upper = value.toUpperCase();
  return DIGEST_ALGORITHMS.find((a) => a.toUpperCase() === upper);
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  method: string;
  /** The `uri` parameter exactly as sent by the client. */
  uri: string;
  nonce: string;
  /** Required when qop is set, and for the -sess algorithms. */
  cnonce?: string;
  /** Wire form (8 hex digits); required when qop is set. */
  nc?: string;
  /** Absent means RFC 2069 compatibility mode. */
  qop?: DigestQop;
  /** H(entity-body) for qop=auth-int; see {@link hashBody}. */
  bodyHash?: string;
}

const isSess = (a: DigestAlgorithm): boolean => a.endsWith('-sess');

function hashHex(algorithm: DigestAlgorithm, data: string | Uint8Array): string {
  return createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5')
    .update(data)
    .digest('hex');
}

/** H(entity-body) for qop=auth-int, with the hash function of `algorithm`. */
export function hashBody(algorithm: DigestAlgorithm, body: string | Uint8Array): string {
  return hashHex(algorithm, body);
}

function missingField(i: DigestInput): string | undefined {
  if (i.qop !== undefined && (i.cnonce === undefined || i.nc === undefined)) return 'qop requires cnonce and nc';
  if (isSess(i.algorithm) && i.cnonce === undefined) return `${i.algorithm} requires cnonce`;
  if (i.qop === 'auth-int' && i.bodyHash === undefined) return 'qop=auth-int requires bodyHash';
  return undefined;
}

/**
 * The lowercase-hex `response` value (RFC 2617 §3.2.2, RFC 7616 §3.4.1).
 * Throws TypeError when a field required by the qop/algorithm is missing.
 */
export function computeDigestResponse(i: DigestInput): string {
  const missing = missingField(i);
  if (missing !== undefined) throw new TypeError(missing);
  const h = (s: string): string => hashHex(i.algorithm, s);

  let ha1 = h(`${i.username}:${i.realm}:${i.password}`);
  if (isSess(i.algorithm)) ha1 = h(`${ha1}:${i.nonce}:${i.cnonce ?? ''}`);

  const ha2 = i.qop === 'auth-int' ? h(`${i.method}:${i.uri}:${i.bodyHash ?? ''}`) : h(`${i.method}:${i.uri}`);

  if (i.qop === undefined) return h(`${ha1}:${i.nonce}:${ha2}`);
  return h(`${ha1}:${i.nonce}:${i.nc ?? ''}:${i.cnonce ?? ''}:${i.qop}:${ha2}`);
}

/** Constant-time check of the client's `response`. Returns false (never throws) on incomplete input. */
export function verifyCredentials(i: DigestInput & { response: string }): boolean {
  if (missingField(i) !== undefined || !/^[0-9a-fA-F]+$/.test(i.response)) return false;
  const expected = Buffer.from(computeDigestResponse(i), 'latin1');
  const actual = Buffer.from(i.response.toLowerCase(), 'latin1');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
