import type { DigestAlgorithm, DigestQop } from './digest.js';

export interface DigestHeader {
  /** As sent (compare case-insensitively). */
  scheme: string;
  /** Parameter names lowercased; quoted-string values unescaped. */
  params: Map<string, string>;
}

export type DigestHeaderParseResult =
  | { ok: true; value: DigestHeader }
  | { ok: false; code: 'AUTH_MALFORMED'; reason: string };

const MAX_HEADER_LENGTH = 8192;

// RFC 7230 tchar
const TOKEN_CHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;

const isWhitespace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\r' || c === '\n';

const isControl = (c: string): boolean => {
  const code = c.charCodeAt(0);
  return (code < 0x20 && c !== '\t') || code === 0x7f;
};

const malformed = (reason: string): DigestHeaderParseResult => ({
  ok: false,
  code: 'AUTH_MALFORMED',
  reason,
});

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  peek(): string | undefined {
    return this.text[this.pos];
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipWhitespace(): void {
    while (isWhitespace(this.peek())) this.pos++;
  }

  skipWhitespaceAndCommas(): void {
    while (isWhitespace(this.peek()) || this.peek() === ',') this.pos++;
  }

  token(): string {
    const start = this.pos;
    while (TOKEN_CHAR.test(this.peek() ?? '')) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** Lenient unquoted value: anything visible up to whitespace or ','; allows e.g. base64 '/' and '='. */
  bareValue(): string | { error: string } {
    const start = this.pos;
    for (let c = this.peek(); c !== undefined && !isWhitespace(c) && c !== ','; c = this.peek()) {
      if (c === '"' || isControl(c)) return { error: `unexpected character at ${this.pos}` };
      this.pos++;
    }
    if (this.pos === start) return { error: `missing value at ${start}` };
    return this.text.slice(start, this.pos);
  }

  /** Called with the cursor on the opening quote. */
  quotedString(): string | { error: string } {
    const start = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined) return { error: `unterminated quoted string at ${start}` };
      this.pos++;
      if (c === '"') return out;
      if (c === '\\') {
        const escaped = this.peek();
        if (escaped === undefined) return { error: `unterminated quoted string at ${start}` };
        if (isControl(escaped)) return { error: `control character at ${this.pos}` };
        out += escaped;
        this.pos++;
      } else if (isControl(c)) {
        return { error: `control character at ${this.pos - 1}` };
      } else {
        out += c;
      }
    }
  }
}

/**
 * Parses one credentials or challenge value:
 * `Digest username="1001", realm="x", nc=00000001, ...`. Never throws.
 */
export function parseDigestHeader(input: string): DigestHeaderParseResult {
  if (typeof input !== 'string') return malformed('header value is not a string');
  if (input.length > MAX_HEADER_LENGTH) return malformed('header value too long');

  const s = new Scanner(input);
  s.skipWhitespace();
  const scheme = s.token();
  if (scheme === '') return malformed('missing auth scheme');
  if (!s.atEnd() && !isWhitespace(s.peek())) return malformed(`unexpected character at ${s.pos}`);

  const params = new Map<string, string>();
  for (;;) {
    s.skipWhitespaceAndCommas();
    if (s.atEnd()) break;

    const nameAt = s.pos;
    const name = s.token().toLowerCase();
    if (name === '') return malformed(`expected parameter name at ${nameAt}`);
    s.skipWhitespace();
    if (s.peek() !== '=') return malformed(`expected '=' after '${name}'`);
    s.pos++;
    s.skipWhitespace();

    const value = s.peek() === '"' ? s.quotedString() : s.bareValue();
    if (typeof value !== 'string') return malformed(value.error);
    if (params.has(name)) return malformed(`duplicate parameter '${name}'`);
    params.set(name, value);

    s.skipWhitespace();
    if (!s.atEnd() && s.peek() !== ',') return malformed(`expected ',' at ${s.pos}`);
  }
  return { ok: true, value: { scheme, params } };
}

/** Quotes a value as an RFC 7230 quoted-string. Throws on control characters (header injection). */
export function quoteString(value: string): string {
  for (const c of value) {
    if (isControl(c)) throw new RangeError('control character in quoted-string value');
  }
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export interface ChallengeOptions {
  realm: string;
  nonce: string;
  algorithm?: DigestAlgorithm;
  opaque?: string;
  stale?: boolean;
  qop?: DigestQop | readonly DigestQop[];
}

/** Builds a WWW-Authenticate / Proxy-Authenticate value. */
export function formatChallenge(o: ChallengeOptions): string {
  const parts = [`realm=${quoteString(o.realm)}`, `nonce=${quoteString(o.nonce)}`];
  if (o.opaque !== undefined) parts.push(`opaque=${quoteString(o.opaque)}`);
  if (o.algorithm !== undefined) parts.push(`algorithm=${o.algorithm}`);
  const qop = typeof o.qop === 'string' ? [o.qop] : o.qop;
  if (qop !== undefined && qop.length > 0) parts.push(`qop=${quoteString(qop.join(','))}`);
  if (o.stale === true) parts.push('stale=true');
  return `Digest ${parts.join(', ')}`;
}

export interface CredentialsOptions {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: DigestAlgorithm;
  qop?: DigestQop;
  cnonce?: string;
  /** Wire form, 8 hex digits. */
  nc?: string;
  opaque?: string;
}

/** Builds an Authorization / Proxy-Authorization value (UAC side, and tests). */
export function formatCredentials(o: CredentialsOptions): string {
  const parts = [
    `username=${quoteString(o.username)}`,
    `realm=${quoteString(o.realm)}`,
    `nonce=${quoteString(o.nonce)}`,
    `uri=${quoteString(o.uri)}`,
    `response=${quoteString(o.response)}`,
  ];
  if (o.algorithm !== undefined) parts.push(`algorithm=${o.algorithm}`);
  if (o.cnonce !== undefined) parts.push(`cnonce=${quoteString(o.cnonce)}`);
  if (o.opaque !== undefined) parts.push(`opaque=${quoteString(o.opaque)}`);
  if (o.qop !== undefined) parts.push(`qop=${o.qop}`);
  if (o.nc !== undefined) {
    if (!/^[0-9a-fA-F]{8}$/.test(o.nc)) throw new RangeError('nc must be 8 hex digits');
    parts.push(`nc=${o.nc}`);
  }
  return `Digest ${parts.join(', ')}`;
}
