import { randomBytes } from 'node:crypto';
import { formatChallenge, parseDigestHeader } from './digest-header.js';
import {
  DIGEST_ALGORITHMS,
  hashBody,
  parseAlgorithm,
  verifyCredentials,
  type DigestAlgorithm,
  type DigestInput,
  type DigestQop,
} from './digest.js';
import type { NonceManager } from './nonce.js';
import type { ReplayGuard } from './replay.js';

export type AuthFailureCode =
  | 'AUTH_REQUIRED'
  | 'AUTH_MALFORMED'
  | 'AUTH_UNKNOWN_USER'
  | 'AUTH_BAD_PASSWORD'
  | 'AUTH_STALE'
  | 'AUTH_REPLAY'
  | 'AUTH_REALM_MISMATCH';

export type AuthResult =
  | { ok: true; username: string }
  /** `challenges`: WWW-Authenticate values for the 401; `reason` is for logs only. */
  | { ok: false; code: AuthFailureCode; reason: string; challenges: string[] };

export interface DigestAuthenticatorOptions {
  realm: string;
  lookupPassword: (username: string) => string | undefined | Promise<string | undefined>;
  nonces: NonceManager;
  replay: ReplayGuard;
  /** Challenges offered, one per algorithm, in this order. Default ['SHA-256', 'MD5'] (RFC 8760 §2.4). */
  algorithms?: readonly DigestAlgorithm[];
  /**
   * qop values offered. Default ['auth']. Offering 'auth-int' means callers must pass the
   * message body (empty for none) as bodyForAuthInt.
   */
  qop?: readonly DigestQop[];
  /** Accept credentials without qop (RFC 2069); each nonce is then single-use. Default true. */
  allowNoQop?: boolean;
}

export interface AuthenticateRequest {
  method: string;
  /** Every Authorization (or Proxy-Authorization) header value of the request. */
  authorizationHeaders: readonly string[];
  bodyForAuthInt?: string | Uint8Array;
  /**
   * Algorithms to challenge with and accept for this request, instead of the
   * configured ones (e.g. MD5 only for an agent whose phone fails on a SHA-256 challenge).
   */
  algorithms?: readonly DigestAlgorithm[];
}

interface Failure {
  code: AuthFailureCode;
  reason: string;
  stale?: boolean;
}

type CredentialsInput = Omit<DigestInput, 'password'> & { response: string };

const NC = /^[0-9a-fA-F]{8}$/;

export class DigestAuthenticator {
  private readonly realm: string;
  private readonly algorithms: readonly DigestAlgorithm[];
  private readonly qop: readonly DigestQop[];
  private readonly allowNoQop: boolean;
  /** Used for unknown users so they cost the same hashing as known ones. */
  private readonly decoyPassword = randomBytes(18).toString('base64');

  constructor(private readonly o: DigestAuthenticatorOptions) {
    this.realm = o.realm;
    const wanted = o.algorithms ?? ['SHA-256', 'MD5'];
    // Challenge order is the operator's: RFC 8760 wants the preferred one first, but many
    // phones (and sipp 3.6) read only the first challenge and speak only MD5.
    this.algorithms = wanted.filter((a, i) => DIGEST_ALGORITHMS.includes(a) && wanted.indexOf(a) === i);
    if (this.algorithms.length === 0) throw new RangeError('at least one digest algorithm is required');
    this.qop = o.qop ?? ['auth'];
    this.allowNoQop = o.allowNoQop ?? true;
    if (o.nonces.realm !== o.realm) throw new RangeError('NonceManager realm differs from authenticator realm');
  }

  /**
   * Never throws on bad client input; rejects only if lookupPassword or Redis fails.
   */
  async authenticate(req: AuthenticateRequest): Promise<AuthResult> {
    const algorithms = req.algorithms !== undefined && req.algorithms.length > 0 ? req.algorithms : this.algorithms;
    const fail = (f: Failure): AuthResult => this.fail(f, algorithms);
    const selected = this.select(req.authorizationHeaders);
    if ('code' in selected) return fail(selected);
    const input = this.toDigestInput(selected, req, algorithms);
    if ('code' in input) return fail(input);

    const password = await this.o.lookupPassword(input.username);
    const digestOk = verifyCredentials({ ...input, password: password ?? this.decoyPassword });
    if (password === undefined) return fail({ code: 'AUTH_UNKNOWN_USER', reason: `unknown user ${input.username}` });
    if (!digestOk) return fail({ code: 'AUTH_BAD_PASSWORD', reason: `wrong response for ${input.username}` });

    // Only reached with a correct digest, so stale=true never helps someone without the password
    // (RFC 2617 §3.2.1). An 'invalid' nonce here is typically one signed with a rotated secret.
    const status = this.o.nonces.check(input.nonce);
    if (status !== 'ok') return fail({ code: 'AUTH_STALE', reason: `nonce ${status}`, stale: true });

    const nc = input.qop === undefined ? 0 : Number.parseInt(input.nc ?? '', 16);
    if (!(await this.o.replay.accept(input.nonce, nc, this.o.nonces.lifetimeMs))) {
      // stale=true lets a client that reuses nonces (e.g. RFC 2069) retry without reprompting.
      return fail({ code: 'AUTH_REPLAY', reason: `nonce reused (nc=${nc})`, stale: true });
    }
    return { ok: true, username: input.username };
  }

  /** Picks the Digest credentials for our realm out of possibly several headers. */
  private select(headers: readonly string[]): Map<string, string> | Failure {
    let malformed: string | undefined;
    let otherRealm: string | undefined;
    for (const raw of headers) {
      const parsed = parseDigestHeader(raw);
      if (!parsed.ok) {
        malformed ??= parsed.reason;
        continue;
      }
      if (parsed.value.scheme.toLowerCase() !== 'digest') continue;
      const realm = parsed.value.params.get('realm');
      if (realm === undefined) malformed ??= 'missing realm';
      else if (realm !== this.realm) otherRealm ??= realm;
      else return parsed.value.params;
    }
    if (malformed !== undefined) return { code: 'AUTH_MALFORMED', reason: malformed };
    if (otherRealm !== undefined) return { code: 'AUTH_REALM_MISMATCH', reason: `realm "${otherRealm}"` };
    return { code: 'AUTH_REQUIRED', reason: 'no Digest credentials' };
  }

  private toDigestInput(
    p: Map<string, string>,
    req: AuthenticateRequest,
    algorithms: readonly DigestAlgorithm[],
  ): CredentialsInput | Failure {
    const bad = (reason: string): Failure => ({ code: 'AUTH_MALFORMED', reason });
    const username = p.get('username');
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    if (!username) return bad('missing username');
    if (!nonce) return bad('missing nonce');
    if (!uri) return bad('missing uri');
    if (!response) return bad('missing response');

    const algorithm = parseAlgorithm(p.get('algorithm'));
    if (algorithm === undefined || !algorithms.includes(algorithm)) {
      return bad(`unsupported algorithm ${p.get('algorithm') ?? 'MD5'}`);
    }
    const base = { algorithm, username, realm: this.realm, method: req.method, uri, nonce, response };

    const qopRaw = p.get('qop');
    if (qopRaw === undefined) {
      if (!this.allowNoQop) return bad('qop required');
      if (algorithm.endsWith('-sess')) return bad(`${algorithm} requires qop`);
      return base;
    }
    const qop = this.qop.find((q) => q === qopRaw.toLowerCase());
    if (qop === undefined) return bad(`qop ${qopRaw} not offered`);
    const cnonce = p.get('cnonce');
    const nc = p.get('nc');
    if (!cnonce) return bad('missing cnonce');
    if (nc === undefined || !NC.test(nc) || Number.parseInt(nc, 16) === 0) return bad('bad nc');
    const bodyHash = qop === 'auth-int' ? hashBody(algorithm, req.bodyForAuthInt ?? '') : undefined;
    return { ...base, qop, cnonce, nc, bodyHash };
  }

  private fail(f: Failure, algorithms: readonly DigestAlgorithm[]): AuthResult {
    const nonce = this.o.nonces.issue();
    const challenges = algorithms.map((algorithm) =>
      formatChallenge({ realm: this.realm, nonce, algorithm, qop: this.qop, stale: f.stale }),
    );
    return { ok: false, code: f.code, reason: f.reason, challenges };
  }
}
