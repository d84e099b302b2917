import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DigestAuthenticator, type DigestAuthenticatorOptions } from '../../src/sip/auth/authenticator.js';
import {
  formatChallenge,
  formatCredentials,
  parseDigestHeader,
  type DigestHeader,
} from '../../src/sip/auth/digest-header.js';
import {
  computeDigestResponse,
  hashBody,
  verifyCredentials,
  type DigestAlgorithm,
  type DigestQop,
} from '../../src/sip/auth/digest.js';
import { NonceManager } from '../../src/sip/auth/nonce.js';
import { ReplayGuard } from '../../src/sip/auth/replay.js';
import { luaScriptCandidates } from '../../src/store/lua.js';

const SECRET = 'test-secret-0123456789abcdef';
const REALM = 'hotline.test';

function parsed(header: string): DigestHeader {
  const r = parseDigestHeader(header);
  if (!r.ok) throw new Error(`unexpected parse failure: ${r.reason}`);
  return r.value;
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

describe('digest response vectors', () => {
  it('RFC 2617 §3.5 example (Mufasa) → response 6629fae49393a05397450978507c4ef1', () => {
    const input = {
      algorithm: 'MD5',
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      cnonce: '0a4f113b',
      nc: '00000001',
      qop: 'auth',
    } as const;
    expect(computeDigestResponse(input)).toBe('6629fae49393a05397450978507c4ef1');
    expect(verifyCredentials({ ...input, response: '6629fae49393a05397450978507c4ef1' })).toBe(true);
    expect(verifyCredentials({ ...input, response: '6629FAE49393A05397450978507C4EF1' })).toBe(true);
    expect(verifyCredentials({ ...input, password: 'Circle of Life', response: '6629fae49393a05397450978507c4ef1' })).toBe(false);
  });

  const rfc7616 = {
    username: 'Mufasa',
    realm: 'http-auth@example.org',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    nc: '00000001',
    qop: 'auth',
  } as const;

  it('RFC 7616 §3.9.1 SHA-256 example → response 753927fa…b6c1', () => {
    expect(computeDigestResponse({ ...rfc7616, algorithm: 'SHA-256' })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('RFC 7616 §3.9.1 MD5 example → response 8ca523f5e9506fed4657c9700eebdbec', () => {
    expect(computeDigestResponse({ ...rfc7616, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('no qop (RFC 2069 compat) → H(HA1:nonce:HA2)', () => {
    const ha1 = md5('Mufasa:testrealm@host.com:Circle Of Life');
    const ha2 = md5('GET:/dir/index.html');
    expect(
      computeDigestResponse({
        algorithm: 'MD5',
        username: 'Mufasa',
        realm: 'testrealm@host.com',
        password: 'Circle Of Life',
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      }),
    ).toBe(md5(`${ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:${ha2}`));
  });

  it('MD5-sess and auth-int follow RFC 2617 §3.2.2.2/§3.2.2.3', () => {
    const ha1 = md5(`${md5('u:r:p')}:n:c`);
    const ha2 = md5(`INVITE:sip:x@y:${md5('v=0\r\n')}`);
    expect(
      computeDigestResponse({
        algorithm: 'MD5-sess',
        username: 'u',
        realm: 'r',
        password: 'p',
        method: 'INVITE',
        uri: 'sip:x@y',
        nonce: 'n',
        cnonce: 'c',
        nc: '0000000a',
        qop: 'auth-int',
        bodyHash: hashBody('MD5-sess', 'v=0\r\n'),
      }),
    ).toBe(md5(`${ha1}:n:0000000a:c:auth-int:${ha2}`));
  });

  it('qop without cnonce: compute throws, verify just says false', () => {
    const input = { algorithm: 'MD5', username: 'u', realm: 'r', password: 'p', method: 'GET', uri: '/', nonce: 'n', qop: 'auth' } as const;
    expect(() => computeDigestResponse(input)).toThrow(TypeError);
    expect(verifyCredentials({ ...input, response: '00' })).toBe(false);
  });
});

describe('digest header parsing', () => {
  it('parses the RFC 2617 §3.5 Authorization header', () => {
    const h = parsed(
      `Digest username="Mufasa",\r\n realm="testrealm@host.com",\r\n nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
       uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b",
       response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
    );
    expect(h.scheme).toBe('Digest');
    expect(Object.fromEntries(h.params)).toEqual({
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
      response: '6629fae49393a05397450978507c4ef1',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
    });
  });

  it('lowercases names, unescapes quoted strings, keeps unknown params, tolerates odd spacing and empty list items', () => {
    const h = parsed('  digest ,USERNAME = "a\\"b\\\\c" ,, Realm=x,  X-Foo="", nonce=abc/d+e==  ,');
    expect(h.scheme).toBe('digest');
    expect(Object.fromEntries(h.params)).toEqual({ username: 'a"b\\c', realm: 'x', 'x-foo': '', nonce: 'abc/d+e==' });
  });

  it.each([
    ['empty string', ''],
    ['no scheme', '="x"'],
    ['unterminated quote', 'Digest realm="x'],
    ['dangling escape', 'Digest realm="x\\'],
    ['missing =', 'Digest realm "x"'],
    ['missing value', 'Digest realm=, nonce="n"'],
    ['duplicate param', 'Digest realm="a", REALM="b"'],
    ['junk after value', 'Digest realm="a" nonce="b"'],
    ['quote inside token', 'Digest realm=a"b"'],
    ['control char in quoted string', 'Digest realm="a\u0000b"'],
    ['over-long value', `Digest realm="${'a'.repeat(10_000)}"`],
  ])('garbage header (%s) → AUTH_MALFORMED', (_name, header) => {
    const r = parseDigestHeader(header);
    expect(r).toMatchObject({ ok: false, code: 'AUTH_MALFORMED' });
  });

  it('property: any random string fed to the header parser never throws', () => {
    const alphabet = fc.constantFrom(...'Digest =",\\ \t\r\nabcXYZ019/+-_\u0000\u00e9'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: alphabet }), fc.string({ unit: 'binary' })), (s) => {
        const r = parseDigestHeader(s);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('property: formatChallenge output parses back to the same values', () => {
    const noControls = (s: string): boolean => [...s].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f);
    const text = fc.string({ unit: 'grapheme', maxLength: 40 }).filter(noControls);
    fc.assert(
      fc.property(text, text, fc.boolean(), (realm, nonce, stale) => {
        const h = parsed(formatChallenge({ realm, nonce, algorithm: 'SHA-256', qop: ['auth', 'auth-int'], stale }));
        expect(h.params.get('realm')).toBe(realm);
        expect(h.params.get('nonce')).toBe(nonce);
        expect(h.params.get('algorithm')).toBe('SHA-256');
        expect(h.params.get('qop')).toBe('auth,auth-int');
        expect(h.params.get('stale')).toBe(stale ? 'true' : undefined);
      }),
    );
  });

  it('formatChallenge refuses CR/LF (header injection)', () => {
    expect(() => formatChallenge({ realm: 'a\r\nVia: x', nonce: 'n' })).toThrow(RangeError);
  });
});

describe('stateless nonces', () => {
  let clock = 1_700_000_000_000;
  const manager = (o: Partial<{ secret: string; realm: string }> = {}): NonceManager =>
    new NonceManager({ secret: o.secret ?? SECRET, realm: o.realm ?? REALM, now: () => clock });

  it('fresh nonce is ok; older than the lifetime (300 s) is stale', () => {
    const nonces = manager();
    const n = nonces.issue();
    expect(n).toMatch(/^[A-Za-z0-9_-]+$/);
    clock += 300_000;
    expect(nonces.check(n)).toBe('ok');
    clock += 1;
    expect(nonces.check(n)).toBe('stale');
  });

  it('tampered, foreign-secret, foreign-realm, future and garbage nonces are invalid', () => {
    const nonces = manager();
    const n = nonces.issue();
    const flipped = (n[0] === 'A' ? 'B' : 'A') + n.slice(1);
    expect(nonces.check(flipped)).toBe('invalid');
    expect(manager({ secret: 'another-secret-0123456789' }).check(n)).toBe('invalid');
    expect(manager({ realm: 'other' }).check(n)).toBe('invalid');
    clock -= 60_000;
    expect(nonces.check(n)).toBe('invalid');
    clock += 60_000;
    for (const g of ['', 'x', '!!!', n + 'A', n.slice(0, -1), 'a'.repeat(500)]) expect(nonces.check(g)).toBe('invalid');
  });

  it('rejects a non-canonical base64url spelling of a valid nonce', () => {
    const nonces = manager();
    const n = nonces.issue();
    // 56 bytes → the last char carries 2 unused bits, zero when canonical; set them.
    const last = n.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const alias = n.slice(0, -1) + alphabet[alphabet.indexOf(last) | 3];
    expect(Buffer.from(alias, 'base64url').equals(Buffer.from(n, 'base64url'))).toBe(true);
    expect(nonces.check(n)).toBe('ok');
    expect(alias).not.toBe(n);
    expect(nonces.check(alias)).toBe('invalid');
  });

  it('refuses short secrets', () => {
    expect(() => new NonceManager({ secret: 'short', realm: REALM })).toThrow(RangeError);
  });
});

describe('Redis-backed pieces', () => {
  let redis: Redis;
  let prefix: string;

  beforeAll(() => {
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: false, maxRetriesPerRequest: 1 });
  });

  afterEach(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  });

  afterAll(async () => {
    await redis.quit();
  });

  const freshPrefix = (): string => (prefix = `test:${randomUUID()}:`);

  describe('replay guard', () => {
    it('qop: nc must strictly increase; the key gets a TTL', async () => {
      const guard = new ReplayGuard(redis, freshPrefix());
      expect(await guard.accept('n1', 1, 60_000)).toBe(true);
      expect(await guard.accept('n1', 1, 60_000)).toBe(false);
      expect(await guard.accept('n1', 3, 60_000)).toBe(true);
      expect(await guard.accept('n1', 2, 60_000)).toBe(false);
      expect(await guard.accept('n2', 1, 60_000)).toBe(true);
      const ttl = await redis.pttl(`${prefix}n1`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    });

    it('no qop: a nonce is usable exactly once, and is then spent for qop use too', async () => {
      const guard = new ReplayGuard(redis, freshPrefix());
      expect(await guard.accept('n', 0)).toBe(true);
      expect(await guard.accept('n', 0)).toBe(false);
      expect(await guard.accept('n', 1)).toBe(false);
      expect(await guard.accept('m', 5)).toBe(true);
      expect(await guard.accept('m', 0)).toBe(false);
    });

    it('concurrent uses of the same nc: exactly one wins', async () => {
      const guard = new ReplayGuard(redis, freshPrefix());
      const results = await Promise.all(Array.from({ length: 20 }, () => guard.accept('n', 7)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('rejects invalid nc / ttl arguments', async () => {
      const guard = new ReplayGuard(redis, freshPrefix());
      await expect(guard.accept('n', -1)).rejects.toThrow(RangeError);
      await expect(guard.accept('n', 1.5)).rejects.toThrow(RangeError);
      await expect(guard.accept('n', 1, 0)).rejects.toThrow(RangeError);
    });

    it('finds replay.lua under src/ when running from dist/', () => {
      const urls = luaScriptCandidates('replay.lua', 'file:///repo/dist/src/sip/auth/replay.js').map((u) => u.href);
      expect(urls).toEqual(['file:///repo/dist/src/sip/auth/replay.lua', 'file:///repo/src/sip/auth/replay.lua']);
    });
  });

  describe('DigestAuthenticator', () => {
    let clock: number;
    const users = new Map([
      ['1001', 'secret-1001'],
      ['1002', 'pa"ss'],
    ]);

    function setup(o: Partial<DigestAuthenticatorOptions> = {}): DigestAuthenticator {
      clock = 1_700_000_000_000;
      return new DigestAuthenticator({
        realm: REALM,
        lookupPassword: (u) => users.get(u),
        nonces: new NonceManager({ secret: SECRET, realm: REALM, now: () => clock }),
        replay: new ReplayGuard(redis, freshPrefix()),
        algorithms: ['SHA-256', 'MD5'],
        ...o,
      });
    }

    interface ClientOptions {
      username?: string;
      password?: string;
      method?: string;
      uri?: string;
      nc?: number;
      qop?: DigestQop | null;
      algorithm?: DigestAlgorithm;
      realm?: string;
      body?: string;
    }

    /** What a UAC does with a challenge. */
    function answer(challenge: string, c: ClientOptions = {}): string {
      const p = parsed(challenge).params;
      const algorithm = c.algorithm ?? (p.get('algorithm') as DigestAlgorithm);
      const qop = c.qop === null ? undefined : (c.qop ?? 'auth');
      const nc = qop ? (c.nc ?? 1).toString(16).padStart(8, '0') : undefined;
      const cnonce = qop ? 'client-cnonce' : undefined;
      const base = {
        algorithm,
        username: c.username ?? '1001',
        realm: c.realm ?? p.get('realm')!,
        nonce: p.get('nonce')!,
        uri: c.uri ?? 'sip:hotline.test',
        qop,
        nc,
        cnonce,
      };
      const response = computeDigestResponse({
        ...base,
        password: c.password ?? users.get(base.username) ?? 'x',
        method: c.method ?? 'REGISTER',
        bodyHash: qop === 'auth-int' ? hashBody(algorithm, c.body ?? '') : undefined,
      });
      return formatCredentials({ ...base, response });
    }

    async function challenge(auth: DigestAuthenticator): Promise<string[]> {
      const r = await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [] });
      if (r.ok) throw new Error('expected a challenge');
      return r.challenges;
    }

    it('no credentials → AUTH_REQUIRED with SHA-256 then MD5 challenges sharing one nonce (RFC 8760)', async () => {
      const auth = setup();
      const r = await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [] });
      expect(r).toMatchObject({ ok: false, code: 'AUTH_REQUIRED' });
      if (r.ok) return;
      expect(r.challenges).toHaveLength(2);
      const [sha, md] = r.challenges.map(parsed);
      expect(sha!.params.get('algorithm')).toBe('SHA-256');
      expect(md!.params.get('algorithm')).toBe('MD5');
      expect(sha!.params.get('qop')).toBe('auth');
      expect(sha!.params.get('realm')).toBe(REALM);
      expect(sha!.params.has('stale')).toBe(false);
      expect(sha!.params.get('nonce')).toBe(md!.params.get('nonce'));
    });

    it('configured MD5-first (for phones that read only the first challenge) → MD5 challenge first', async () => {
      const [first, second] = await challenge(setup({ algorithms: ['MD5', 'SHA-256'] }));
      expect(parsed(first!).params.get('algorithm')).toBe('MD5');
      expect(parsed(second!).params.get('algorithm')).toBe('SHA-256');
    });

    it.each(['SHA-256', 'MD5'] as const)('correct %s credentials → ok with username', async (algorithm) => {
      const auth = setup();
      const challenges = await challenge(auth);
      const ch = challenges.find((c) => parsed(c).params.get('algorithm') === algorithm)!;
      const r = await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [answer(ch)] });
      expect(r).toEqual({ ok: true, username: '1001' });
    });

    it('nonce reused with increasing nc → ok; same nc again → AUTH_REPLAY with stale=true', async () => {
      const auth = setup();
      const [ch] = await challenge(auth);
      const first = answer(ch!, { nc: 1 });
      expect((await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [first] })).ok).toBe(true);
      expect((await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [answer(ch!, { nc: 2 })] })).ok).toBe(true);
      const replay = await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [first] });
      expect(replay).toMatchObject({ ok: false, code: 'AUTH_REPLAY' });
      if (!replay.ok) expect(parsed(replay.challenges[0]!).params.get('stale')).toBe('true');
    });

    it('no qop (RFC 2069 client): first use ok, second use → AUTH_REPLAY', async () => {
      const auth = setup();
      const [ch] = await challenge(auth);
      const creds = answer(ch!, { qop: null });
      expect((await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [creds] })).ok).toBe(true);
      expect(await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [creds] })).toMatchObject({ code: 'AUTH_REPLAY' });
    });

    it('no qop rejected when allowNoQop=false → AUTH_MALFORMED', async () => {
      const auth = setup({ allowNoQop: false });
      const [ch] = await challenge(auth);
      const r = await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [answer(ch!, { qop: null })] });
      expect(r).toMatchObject({ ok: false, code: 'AUTH_MALFORMED' });
    });

    it('stale nonce with the right password → AUTH_STALE with stale=true challenges', async () => {
      const auth = setup();
      const [ch] = await challenge(auth);
      clock += 300_001;
      const r = await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [answer(ch!)] });
      expect(r).toMatchObject({ ok: false, code: 'AUTH_STALE' });
      if (r.ok) return;
      expect(r.challenges).toHaveLength(2);
      for (const c of r.challenges) expect(parsed(c).params.get('stale')).toBe('true');
    });

    it('stale nonce with a wrong password → AUTH_BAD_PASSWORD without stale (RFC 2617 §3.2.1)', async () => {
      const auth = setup();
      const [ch] = await challenge(auth);
      clock += 300_001;
      const r = await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [answer(ch!, { password: 'nope' })] });
      expect(r).toMatchObject({ ok: false, code: 'AUTH_BAD_PASSWORD' });
      if (!r.ok) expect(parsed(r.challenges[0]!).params.has('stale')).toBe(false);
    });

    it('unknown user and wrong password → distinct codes, identical challenges (no enumeration)', async () => {
      const auth = setup();
      const [ch] = await challenge(auth);
      const unknown = await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [answer(ch!, { username: '9999', password: 'x' })] });
      const wrong = await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [answer(ch!, { password: 'x' })] });
      expect(unknown).toMatchObject({ ok: false, code: 'AUTH_UNKNOWN_USER' });
      expect(wrong).toMatchObject({ ok: false, code: 'AUTH_BAD_PASSWORD' });
      const shape = (r: typeof wrong): string[] =>
        r.ok ? [] : r.challenges.map((c) => c.replace(/nonce="[^"]*"/, 'nonce=""'));
      expect(shape(unknown)).toEqual(shape(wrong));
    });

    it('credentials for another realm → AUTH_REALM_MISMATCH', async () => {
      const auth = setup();
      const other = formatChallenge({ realm: 'elsewhere', nonce: 'n', algorithm: 'MD5', qop: 'auth' });
      const r = await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [answer(other)] });
      expect(r).toMatchObject({ ok: false, code: 'AUTH_REALM_MISMATCH' });
    });

    it('picks our realm out of several Authorization headers', async () => {
      const auth = setup();
      const [ch] = await challenge(auth);
      const other = answer(formatChallenge({ realm: 'elsewhere', nonce: 'n', algorithm: 'MD5', qop: 'auth' }));
      const r = await auth.authenticate({ method: 'REGISTER', authorizationHeaders: ['Basic dXNlcjpwYXNz', other, answer(ch!)] });
      expect(r).toEqual({ ok: true, username: '1001' });
    });

    it('wrong method or tampered uri → AUTH_BAD_PASSWORD', async () => {
      const auth = setup();
      const [ch] = await challenge(auth);
      const creds = answer(ch!, { method: 'INVITE' });
      expect(await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [creds] })).toMatchObject({ code: 'AUTH_BAD_PASSWORD' });
      const tampered = creds.replace('uri="sip:hotline.test"', 'uri="sip:evil.test"');
      expect(await auth.authenticate({ method: 'INVITE', authorizationHeaders: [tampered] })).toMatchObject({ code: 'AUTH_BAD_PASSWORD' });
    });

    it('password with a quote character works end to end', async () => {
      const auth = setup();
      const [ch] = await challenge(auth);
      const r = await auth.authenticate({ method: 'REGISTER', authorizationHeaders: [answer(ch!, { username: '1002' })] });
      expect(r).toEqual({ ok: true, username: '1002' });
    });

    it.each([
      ['garbage header', 'Digest realm="unterminated'],
      ['missing uri', `Digest username="1001", realm="${REALM}", nonce="n", response="00"`],
      ['missing realm', 'Digest username="1001", nonce="n", uri="sip:x", response="00"'],
      ['bad nc', `Digest username="1001", realm="${REALM}", nonce="n", uri="sip:x", response="00", qop=auth, cnonce="c", nc=1`],
      ['qop=auth without cnonce', `Digest username="1001", realm="${REALM}", nonce="n", uri="sip:x", response="00", qop=auth, nc=00000001`],
      ['unsupported algorithm', `Digest username="1001", realm="${REALM}", nonce="n", uri="sip:x", response="00", algorithm=SHA-512-256`],
      ['qop not offered', `Digest username="1001", realm="${REALM}", nonce="n", uri="sip:x", response="00", qop=auth-int, cnonce="c", nc=00000001`],
    ])('%s → AUTH_MALFORMED with fresh challenges, never throws', async (_name, header) => {
      const r = await setup().authenticate({ method: 'REGISTER', authorizationHeaders: [header] });
      expect(r).toMatchObject({ ok: false, code: 'AUTH_MALFORMED' });
      if (!r.ok) expect(r.challenges).toHaveLength(2);
    });

    it('qop=auth-int (when offered) hashes the body', async () => {
      const auth = setup({ qop: ['auth', 'auth-int'] });
      const [ch] = await challenge(auth);
      const sdp = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n';
      const creds = answer(ch!, { qop: 'auth-int', method: 'INVITE', body: sdp });
      expect(await auth.authenticate({ method: 'INVITE', authorizationHeaders: [creds], bodyForAuthInt: sdp + 'x' })).toMatchObject({
        code: 'AUTH_BAD_PASSWORD',
      });
      expect(await auth.authenticate({ method: 'INVITE', authorizationHeaders: [creds], bodyForAuthInt: sdp })).toEqual({
        ok: true,
        username: '1001',
      });
    });

    it('property: random Authorization headers never throw and never authenticate', async () => {
      const auth = setup();
      await fc.assert(
        fc.asyncProperty(fc.array(fc.string(), { maxLength: 3 }), async (headers) => {
          const r = await auth.authenticate({ method: 'REGISTER', authorizationHeaders: headers });
          expect(r.ok).toBe(false);
        }),
        { numRuns: 200 },
      );
    });
  });
});
