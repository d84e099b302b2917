import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { DigestAuthenticator } from '../../src/sip/auth/authenticator.js';
import { formatCredentials, parseDigestHeader } from '../../src/sip/auth/digest-header.js';
import { computeDigestResponse, parseAlgorithm } from '../../src/sip/auth/digest.js';
import { NonceManager } from '../../src/sip/auth/nonce.js';
import { ReplayGuard } from '../../src/sip/auth/replay.js';
import { parseDatagram, SipRequest, type SipResponse } from '../../src/sip/message/index.js';
import { Registrar, RegistrarError, type Binding, type RegistrarOptions } from '../../src/sip/registrar/index.js';
import type { Destination } from '../../src/sip/transport/types.js';
import { createRedis, RedisKeys } from '../../src/store/redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REALM = 'hotline.example';
const PASSWORDS: Record<string, string> = { '1001': 'ahx7-plum-41', '1002': 'kiwo3-slate-88', '1004': 'tolu2-brick-63' };
const AGENTS = new Set(['1001', '1002', '1003']);
const EXPIRES = { min: 60, max: 3600, default: 600 };
const UDP: Destination = { protocol: 'UDP', address: '192.0.2.10', port: 5060 };

// ---- per-test Redis with a unique prefix, cleaned up afterwards ----

const clients: Redis[] = [];
const prefixes: string[] = [];

function client(url = REDIS_URL): Redis {
  const redis = url === REDIS_URL ? new Redis(url) : createRedis(url);
  clients.push(redis);
  return redis;
}

function newPrefix(): string {
  const prefix = `test:registrar:${randomUUID()}:`;
  prefixes.push(prefix);
  return prefix;
}

afterEach(async () => {
  const cleaner = new Redis(REDIS_URL);
  for (const prefix of prefixes.splice(0)) {
    const keys = await cleaner.keys(`${prefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
  }
  await cleaner.quit();
  for (const c of clients.splice(0)) c.disconnect();
});

interface Setup {
  registrar: Registrar;
  redis: Redis;
  prefix: string;
  clock: { now: number };
  logLines: string[];
}

function setup(options: Partial<RegistrarOptions> & { authRedis?: Redis; prefix?: string } = {}): Setup {
  const { authRedis, prefix: givenPrefix, ...overrides } = options;
  const redis = overrides.redis ?? client();
  const prefix = givenPrefix ?? newPrefix();
  const nonces = new NonceManager({ secret: 'registrar-test-secret-0123456789', realm: REALM });
  const authenticator = new DigestAuthenticator({
    realm: REALM,
    nonces,
    replay: new ReplayGuard(authRedis ?? redis, `${prefix}nonce:`),
    lookupPassword: (user) => PASSWORDS[user],
  });
  const clock = { now: Date.now() };
  const logLines: string[] = [];
  const registrar = new Registrar({
    redis,
    keys: new RedisKeys(prefix),
    authenticator,
    isKnownUser: (user) => AGENTS.has(user),
    expires: EXPIRES,
    instanceId: 'node-a',
    now: () => clock.now,
    logger: createLogger('debug', { destination: { write: (line: string) => void logLines.push(line) } }),
    ...overrides,
  });
  return { registrar, redis, prefix, clock, logLines };
}

// ---- building REGISTER requests from raw SIP text ----

function parseRequest(text: string): SipRequest {
  const out = parseDatagram(Buffer.from(text.replace(/\r?\n/g, '\r\n')));
  if (out.kind !== 'message' || !(out.message instanceof SipRequest)) throw new Error(`did not parse: ${text}`);
  return out.message;
}

interface RegisterOptions {
  user?: string;
  /** The To user when it differs from the authenticating user. */
  to?: string;
  contacts?: string[];
  expires?: string;
  callId?: string;
  cseq?: number;
  extra?: string[];
  authorization?: string;
}

function registerText(o: RegisterOptions): string {
  const user = o.to ?? o.user ?? '1001';
  const lines = [
    `REGISTER sip:${REALM} SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK${randomUUID().slice(0, 8)}`,
    'Max-Forwards: 70',
    `From: <sip:${user}@${REALM}>;tag=f${user}`,
    `To: <sip:${user}@${REALM}>`,
    `Call-ID: ${o.callId ?? 'call-1@192.0.2.10'}`,
    `CSeq: ${o.cseq ?? 1} REGISTER`,
    ...(o.contacts ?? []).map((c) => `Contact: ${c}`),
    ...(o.expires === undefined ? [] : [`Expires: ${o.expires}`]),
    ...(o.extra ?? []),
    ...(o.authorization === undefined ? [] : [`Authorization: ${o.authorization}`]),
    'Content-Length: 0',
    '',
    '',
  ];
  return lines.join('\r\n');
}

/** Credentials answering `challenge` for `user` (SHA-256 or MD5 as the challenge says), nc=1. */
function credentials(challenge: string, user: string, password: string): string {
  const parsed = parseDigestHeader(challenge);
  if (!parsed.ok) throw new Error(parsed.reason);
  const nonce = parsed.value.params.get('nonce')!;
  const algorithm = parseAlgorithm(parsed.value.params.get('algorithm'))!;
  const cnonce = randomUUID();
  const common = { username: user, realm: REALM, nonce, uri: `sip:${REALM}`, algorithm, qop: 'auth', cnonce, nc: '00000001' } as const;
  const response = computeDigestResponse({ ...common, password, method: 'REGISTER' });
  return formatCredentials({ ...common, response });
}

/** REGISTER without credentials, then again answering the first (SHA-256) challenge. */
async function register(
  registrar: Registrar,
  o: RegisterOptions & { password?: string },
  source: Destination = UDP,
): Promise<{ res: SipResponse; authorization: string }> {
  const user = o.user ?? '1001';
  const challenge = await registrar.handle(parseRequest(registerText({ ...o, cseq: (o.cseq ?? 2) - 1 })), source);
  expect(challenge.status).toBe(401);
  const authorization = credentials(challenge.getAll('www-authenticate')[0]!, user, o.password ?? PASSWORDS[user] ?? 'x');
  const res = await registrar.handle(parseRequest(registerText({ ...o, cseq: o.cseq ?? 2, authorization })), source);
  return { res, authorization };
}

const contactsOf = (res: SipResponse): string[] => res.getAll('contact');

// ---- scenarios ----

describe('Registrar: authentication', () => {
  it('REGISTER without credentials → 401 with SHA-256 and MD5 challenges', async () => {
    const { registrar } = setup();
    const res = await registrar.handle(parseRequest(registerText({ contacts: ['<sip:1001@192.0.2.10:5060>'] })), UDP);
    expect(res.status).toBe(401);
    const challenges = res.getAll('www-authenticate');
    expect(challenges).toHaveLength(2);
    expect(res.count('www-authenticate')).toBe(2);
    expect(challenges[0]).toMatch(/^Digest .*algorithm=SHA-256/);
    expect(challenges[1]).toMatch(/^Digest .*algorithm=MD5/);
    expect(res.toTag).toBeDefined();
    expect(await registrar.lookup('1001')).toEqual([]);
  });

  it('agent 1001 registers with SHA-256 digest → 200 listing its contact with expires', async () => {
    const { registrar, clock } = setup();
    const { res, authorization } = await register(registrar, { contacts: ['<sip:1001@192.0.2.10:5060>'] });
    expect(authorization).toContain('algorithm=SHA-256');
    expect(res.status).toBe(200);
    expect(contactsOf(res)).toEqual(['<sip:1001@192.0.2.10:5060>;expires=600']);
    expect(res.get('date')).toBe(new Date(clock.now).toUTCString());
    const [binding, ...rest] = await registrar.lookup('1001');
    expect(rest).toEqual([]);
    expect(binding).toMatchObject({
      aor: `sip:1001@${REALM}`,
      uri: 'sip:1001@192.0.2.10:5060',
      expiresAt: clock.now + 600_000,
      q: 1,
      callId: 'call-1@192.0.2.10',
      cseq: 2,
      source: UDP,
      instanceId: 'node-a',
      updatedAt: clock.now,
    });
  });

  it('agent registers with MD5 digest → 200', async () => {
    const { registrar } = setup();
    const first = await registrar.handle(parseRequest(registerText({ contacts: ['<sip:1001@192.0.2.10>'] })), UDP);
    const md5 = first.getAll('www-authenticate')[1]!;
    const authorization = credentials(md5, '1001', PASSWORDS['1001']!);
    const res = await registrar.handle(
      parseRequest(registerText({ contacts: ['<sip:1001@192.0.2.10>'], cseq: 2, authorization })),
      UDP,
    );
    expect(res.status).toBe(200);
  });

  it('wrong password → 401, nothing stored', async () => {
    const { registrar } = setup();
    const { res } = await register(registrar, { contacts: ['<sip:1001@192.0.2.10>'], password: 'guess' });
    expect(res.status).toBe(401);
    expect(res.getAll('www-authenticate')).toHaveLength(2);
    expect(await registrar.lookup('1001')).toEqual([]);
  });

  it('unknown user → the same 401 as a wrong password, nothing stored', async () => {
    const { registrar } = setup();
    const { res } = await register(registrar, { user: '9999', contacts: ['<sip:9999@192.0.2.10>'], password: 'x' });
    expect(res.status).toBe(401);
    expect(res.reason).toBe('Unauthorized');
    expect(res.getAll('www-authenticate')).toHaveLength(2);
    expect(await registrar.lookup('9999')).toEqual([]);
  });

  it('replayed Authorization (same nonce and nc) → 401, binding unchanged', async () => {
    const { registrar, clock } = setup();
    const { res, authorization } = await register(registrar, { contacts: ['<sip:1001@192.0.2.10>'] });
    expect(res.status).toBe(200);
    const before = await registrar.lookup('1001');
    clock.now += 5_000;
    const replay = parseRequest(
      registerText({ contacts: ['<sip:1001@192.0.2.10>', '<sip:1001@203.0.113.66>'], cseq: 3, authorization }),
    );
    const again = await registrar.handle(replay, UDP);
    expect(again.status).toBe(401);
    expect(again.getAll('www-authenticate')[0]).toContain('stale=true');
    expect(await registrar.lookup('1001')).toEqual(before);
  });

  it('authenticated as 1001 registering 1002 → 403', async () => {
    const { registrar } = setup();
    const first = await registrar.handle(parseRequest(registerText({ to: '1002', contacts: ['<sip:x@192.0.2.10>'] })), UDP);
    const authorization = credentials(first.getAll('www-authenticate')[0]!, '1001', PASSWORDS['1001']!);
    const res = await registrar.handle(
      parseRequest(registerText({ to: '1002', contacts: ['<sip:x@192.0.2.10>'], cseq: 2, authorization })),
      UDP,
    );
    expect(res.status).toBe(403);
    expect(await registrar.lookup('1002')).toEqual([]);
  });

  it('authenticated user that is not an agent → 404', async () => {
    const { registrar } = setup();
    const { res } = await register(registrar, { user: '1004', contacts: ['<sip:1004@192.0.2.10>'] });
    expect(res.status).toBe(404);
    expect(await registrar.lookup('1004')).toEqual([]);
  });
});

describe('Registrar: request checks', () => {
  it('To with an unknown scheme (RFC 4475 unksm2) → 400 before any challenge', async () => {
    const { registrar } = setup();
    const req = parseRequest(
      [
        'REGISTER sip:example.com SIP/2.0',
        'To: isbn:2983792873',
        'From: <http://www.example.com>;tag=3234233',
        'Call-ID: unksch.fk9234sdfj',
        'CSeq: 2 REGISTER',
        'Max-Forwards: 70',
        'Via: SIP/2.0/UDP 192.0.2.21:5060;branch=z9hG4bKkdjuw',
        'l: 0',
        '',
        '',
      ].join('\r\n'),
    );
    const res = await registrar.handle(req, UDP);
    expect(res.status).toBe(400);
  });

  it('malformed Contact → 400', async () => {
    const { registrar } = setup();
    const res = await registrar.handle(parseRequest(registerText({ contacts: ['<sip:1001@192.0.2.10'] })), UDP);
    expect(res.status).toBe(400);
  });

  it('Require: an unsupported extension → 420 with Unsupported', async () => {
    const { registrar } = setup();
    const res = await registrar.handle(
      parseRequest(registerText({ contacts: ['<sip:1001@192.0.2.10>'], extra: ['Require: foo-ext'] })),
      UDP,
    );
    expect(res.status).toBe(420);
    expect(res.get('unsupported')).toBe('foo-ext');
  });
});

describe('Registrar: contacts and expiry', () => {
  it('two contacts, then one removed with expires=0 → one left', async () => {
    const { registrar } = setup();
    const { res } = await register(registrar, {
      contacts: ['<sip:1001@192.0.2.10:5060>', '<sip:1001@192.0.2.11:5060>;expires=120'],
    });
    expect(res.status).toBe(200);
    expect(contactsOf(res).sort()).toEqual([
      '<sip:1001@192.0.2.10:5060>;expires=600',
      '<sip:1001@192.0.2.11:5060>;expires=120',
    ]);
    const { res: res2 } = await register(registrar, { contacts: ['<sip:1001@192.0.2.10:5060>;expires=0'], cseq: 4 });
    expect(res2.status).toBe(200);
    expect(contactsOf(res2)).toEqual(['<sip:1001@192.0.2.11:5060>;expires=120']);
    expect((await registrar.lookup('1001')).map((b) => b.uri)).toEqual(['sip:1001@192.0.2.11:5060']);
  });

  it('Contact: * with Expires: 0 → all bindings removed', async () => {
    const { registrar, redis, prefix } = setup();
    await register(registrar, { contacts: ['<sip:1001@192.0.2.10>', '<sip:1001@192.0.2.11>'] });
    expect(await registrar.lookup('1001')).toHaveLength(2);
    const { res } = await register(registrar, { contacts: ['*'], expires: '0', cseq: 4 });
    expect(res.status).toBe(200);
    expect(contactsOf(res)).toEqual([]);
    expect(await registrar.lookup('1001')).toEqual([]);
    expect(await redis.exists(`${prefix}reg:aor:1001`)).toBe(0);
  });

  it('Contact: * with a non-zero Expires, or next to another contact → 400', async () => {
    const { registrar } = setup();
    await register(registrar, { contacts: ['<sip:1001@192.0.2.10>'] });
    expect((await register(registrar, { contacts: ['*'], expires: '60', cseq: 4 })).res.status).toBe(400);
    expect((await register(registrar, { contacts: ['*'], cseq: 6 })).res.status).toBe(400);
    expect((await register(registrar, { contacts: ['*', '<sip:1001@192.0.2.11>'], expires: '0', cseq: 8 })).res.status).toBe(400);
    expect(await registrar.lookup('1001')).toHaveLength(1);
  });

  it('Expires: 10 below min 60 → 423 with Min-Expires: 60', async () => {
    const { registrar } = setup();
    const { res } = await register(registrar, { contacts: ['<sip:1001@192.0.2.10>'], expires: '10' });
    expect(res.status).toBe(423);
    expect(res.get('min-expires')).toBe('60');
    const perContact = await register(registrar, { contacts: ['<sip:1001@192.0.2.10>;expires=30'], expires: '600', cseq: 4 });
    expect(perContact.res.status).toBe(423);
    expect(await registrar.lookup('1001')).toEqual([]);
  });

  it('per-contact expires beats Expires, which beats the default; both clamp to max', async () => {
    const { registrar } = setup();
    const { res } = await register(registrar, {
      contacts: ['<sip:1001@192.0.2.10>;expires=90', '<sip:1001@192.0.2.11>', '<sip:1001@192.0.2.12>;expires=7200'],
      expires: '300',
    });
    expect(contactsOf(res).sort()).toEqual([
      '<sip:1001@192.0.2.10>;expires=90',
      '<sip:1001@192.0.2.11>;expires=300',
      '<sip:1001@192.0.2.12>;expires=3600',
    ]);
  });

  it('huge and garbage expiry values (RFC 4475 scalar02 style) → max, no overflow', async () => {
    const { registrar } = setup();
    const { res } = await register(registrar, {
      contacts: ['<sip:1001@host129.example.com>;expires=280297596632815', '<sip:1001@192.0.2.11>'],
      expires: '1000000000000000000000000000000000000000000000000000000',
    });
    expect(res.status).toBe(200);
    expect(contactsOf(res).sort()).toEqual([
      '<sip:1001@192.0.2.11>;expires=3600',
      '<sip:1001@host129.example.com>;expires=3600',
    ]);
    const garbage = await register(registrar, { contacts: ['<sip:1001@192.0.2.13>'], expires: 'soon', cseq: 4 });
    expect(garbage.res.status).toBe(200);
    expect(contactsOf(garbage.res)).toContain('<sip:1001@192.0.2.13>;expires=3600');
  });

  it('same Call-ID with lower CSeq → 500, nothing changes', async () => {
    const { registrar, clock } = setup();
    await register(registrar, { contacts: ['<sip:1001@192.0.2.10>'], cseq: 10 });
    const before = await registrar.lookup('1001');
    clock.now += 1_000;
    const lower = await register(registrar, { contacts: ['<sip:1001@192.0.2.10>;expires=0', '<sip:1001@192.0.2.11>'], cseq: 6 });
    expect(lower.res.status).toBe(500);
    const equal = await register(registrar, { contacts: ['*'], expires: '0', cseq: 10 });
    expect(equal.res.status).toBe(500);
    expect(await registrar.lookup('1001')).toEqual(before);
  });

  it('a different Call-ID replaces the binding whatever its CSeq', async () => {
    const { registrar } = setup();
    await register(registrar, { contacts: ['<sip:1001@192.0.2.10>'], cseq: 10 });
    const { res } = await register(registrar, { contacts: ['<sip:1001@192.0.2.10>'], callId: 'rebooted@192.0.2.10', cseq: 2 });
    expect(res.status).toBe(200);
    const [binding] = await registrar.lookup('1001');
    expect(binding).toMatchObject({ callId: 'rebooted@192.0.2.10', cseq: 2 });
  });

  it('REGISTER without Contact is a query → 200 with the current bindings', async () => {
    const { registrar, clock } = setup();
    await register(registrar, { contacts: ['<sip:1001@192.0.2.10>'] });
    clock.now += 100_000;
    const { res } = await register(registrar, { cseq: 4 });
    expect(res.status).toBe(200);
    expect(contactsOf(res)).toEqual(['<sip:1001@192.0.2.10>;expires=500']);
    expect(res.has('date')).toBe(true);
  });

  it('binding expires → lookup returns none (injected clock)', async () => {
    const { registrar, redis, prefix, clock } = setup();
    const gone: string[] = [];
    registrar.on('unregistered', (user, b, reason) => gone.push(`${user} ${b.uri} ${reason}`));
    await register(registrar, { contacts: ['<sip:1001@192.0.2.10>'], expires: '60' });
    const ttl = await redis.pttl(`${prefix}reg:aor:1001`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    clock.now += 60_001;
    expect(await registrar.lookup('1001')).toEqual([]);
    // the next REGISTER for the AOR purges it and says so
    const { res } = await register(registrar, { cseq: 4 });
    expect(contactsOf(res)).toEqual([]);
    expect(gone).toEqual(['1001 sip:1001@192.0.2.10 expired']);
    expect(await redis.exists(`${prefix}reg:aor:1001`)).toBe(0);
  });

  it('lookup orders by q (highest first), then newest first', async () => {
    const { registrar, clock } = setup();
    await register(registrar, { contacts: ['<sip:1001@192.0.2.10>;q=0.5'] });
    clock.now += 1_000;
    await register(registrar, { contacts: ['<sip:1001@192.0.2.11>'], cseq: 4 });
    clock.now += 1_000;
    const { res } = await register(registrar, { contacts: ['<sip:1001@192.0.2.12>'], cseq: 6 });
    expect(contactsOf(res)).toContain('<sip:1001@192.0.2.10>;expires=598;q=0.5');
    expect((await registrar.lookup('1001')).map((b) => [b.uri, b.q])).toEqual([
      ['sip:1001@192.0.2.12', 1],
      ['sip:1001@192.0.2.11', 1],
      ['sip:1001@192.0.2.10', 0.5],
    ]);
  });
});

describe('Registrar: contact URIs', () => {
  it('contact param vs URI param (cparam01/cparam02)', async () => {
    const { registrar } = setup();
    // cparam01: addr-spec, so ";unknownparam" is a header parameter, not part of the URI
    const one = await register(registrar, { contacts: ['sip:+19725552222@gw1.example.net;unknownparam'] });
    expect(one.res.status).toBe(200);
    expect(contactsOf(one.res)).toEqual(['<sip:+19725552222@gw1.example.net>;expires=600']);
    // cparam02: inside <>, ";unknownparam" is a URI parameter: a different contact
    const two = await register(registrar, { contacts: ['<sip:+19725552222@gw1.example.net;unknownparam>'], cseq: 4 });
    expect(two.res.status).toBe(200);
    expect((await registrar.lookup('1001')).map((b) => b.uri).sort()).toEqual([
      'sip:+19725552222@gw1.example.net',
      'sip:+19725552222@gw1.example.net;unknownparam',
    ]);
  });

  it('escaped header in the contact URI (RFC 4475 regescrt) is stored intact', async () => {
    const { registrar } = setup();
    const uri = 'sip:user@example.com?Route=%3Csip:sip.example.com%3E';
    const { res } = await register(registrar, { contacts: [`<${uri}>`] });
    expect(res.status).toBe(200);
    expect(contactsOf(res)).toEqual([`<${uri}>;expires=600`]);
    expect((await registrar.lookup('1001'))[0]?.uri).toBe(uri);
  });

  it('URI-equal contacts (host case, parameter order) update one binding', async () => {
    const { registrar } = setup();
    await register(registrar, { contacts: ['<sip:1001@Phone.Example.com;transport=tcp;ob>'] });
    await register(registrar, { contacts: ['<sip:1001@phone.example.com;ob;transport=TCP>;expires=120'], cseq: 4 });
    const bindings = await registrar.lookup('1001');
    expect(bindings).toHaveLength(1);
    expect(bindings[0]?.uri).toBe('sip:1001@phone.example.com;ob;transport=TCP');
  });

  it('records source, User-Agent, +sip.instance and reg-id', async () => {
    const { registrar } = setup();
    const ws: Destination = { protocol: 'WSS', address: '198.51.100.7', port: 53122, connectionId: 'ws-17' };
    const instance = '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>';
    const { res } = await register(
      registrar,
      {
        contacts: [`<sip:abc@df7jal23ls0d.invalid;transport=ws>;+sip.instance="${instance}";reg-id=1;q=0.8`],
        extra: ['User-Agent: JsSIP 3.10.1'],
      },
      ws,
    );
    expect(contactsOf(res)).toEqual([
      `<sip:abc@df7jal23ls0d.invalid;transport=ws>;expires=600;q=0.8;+sip.instance="${instance}";reg-id=1`,
    ]);
    expect((await registrar.lookup('1001'))[0]).toMatchObject({
      source: ws,
      instanceId: 'node-a',
      userAgent: 'JsSIP 3.10.1',
      sipInstance: instance,
      regId: '1',
      q: 0.8,
    });
  });
});

describe('Registrar: events, flows and instances', () => {
  it('emits registered (new, then refresh) and unregistered', async () => {
    const { registrar } = setup();
    const events: string[] = [];
    registrar.on('registered', (user, b, isNew) => events.push(`reg ${user} ${b.uri} ${isNew}`));
    registrar.on('unregistered', (user, b, reason) => events.push(`unreg ${user} ${b.uri} ${reason}`));
    await register(registrar, { contacts: ['<sip:1001@192.0.2.10>'] });
    await register(registrar, { contacts: ['<sip:1001@192.0.2.10>'], cseq: 4 });
    await register(registrar, { contacts: ['<sip:1001@192.0.2.10>;expires=0'], cseq: 6 });
    expect(events).toEqual([
      'reg 1001 sip:1001@192.0.2.10 true',
      'reg 1001 sip:1001@192.0.2.10 false',
      'unreg 1001 sip:1001@192.0.2.10 unregistered',
    ]);
  });

  it('a throwing listener does not break the REGISTER', async () => {
    const { registrar } = setup();
    registrar.on('registered', () => {
      throw new Error('listener bug');
    });
    const { res } = await register(registrar, { contacts: ['<sip:1001@192.0.2.10>'] });
    expect(res.status).toBe(200);
  });

  it('removeFlow drops the bindings made over that connection on this instance only', async () => {
    const a = setup();
    const b = setup({ redis: a.redis, prefix: a.prefix, instanceId: 'node-b' });
    const ws: Destination = { protocol: 'WS', address: '198.51.100.7', port: 53122, connectionId: 'conn-1' };
    await register(a.registrar, { contacts: ['<sip:1001@browser.invalid;transport=ws>'] }, ws);
    await register(a.registrar, { user: '1002', contacts: ['<sip:1002@browser.invalid;transport=ws>'] }, ws);
    await register(a.registrar, { contacts: ['<sip:1001@192.0.2.10>'], callId: 'desk-phone', cseq: 2 });
    const events: string[] = [];
    a.registrar.on('unregistered', (user, binding, reason) => events.push(`${user} ${binding.uri} ${reason}`));

    expect(await b.registrar.removeFlow('conn-1')).toEqual([]);
    expect(await a.registrar.lookup('1001')).toHaveLength(2);

    const removed = await a.registrar.removeFlow('conn-1');
    expect(removed.map((x) => x.uri).sort()).toEqual([
      'sip:1001@browser.invalid;transport=ws',
      'sip:1002@browser.invalid;transport=ws',
    ]);
    expect(events.sort()).toEqual([
      '1001 sip:1001@browser.invalid;transport=ws flow-closed',
      '1002 sip:1002@browser.invalid;transport=ws flow-closed',
    ]);
    expect((await a.registrar.lookup('1001')).map((x) => x.uri)).toEqual(['sip:1001@192.0.2.10']);
    expect(await a.registrar.lookup('1002')).toEqual([]);
    expect(await a.redis.exists(`${a.prefix}reg:flow:node-a:conn-1`)).toBe(0);
  });

  it('another Registrar instance on the same Redis sees the binding', async () => {
    const a = setup();
    const b = setup({ redis: client(), prefix: a.prefix, instanceId: 'node-b' });
    const tcp: Destination = { protocol: 'TCP', address: '192.0.2.10', port: 40112, connectionId: 'tcp-9' };
    await register(a.registrar, { contacts: ['<sip:1001@192.0.2.10:40112;transport=tcp>'] }, tcp);
    const seen: Binding[] = await b.registrar.lookup('1001');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ uri: 'sip:1001@192.0.2.10:40112;transport=tcp', instanceId: 'node-a', source: tcp });
  });

  it('concurrent REGISTERs for one AOR all land (atomic per request)', async () => {
    const { registrar } = setup();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        register(registrar, { contacts: [`<sip:1001@192.0.2.${20 + i}>`], callId: `c${i}` }),
      ),
    );
    expect(results.map((r) => r.res.status)).toEqual(Array<number>(8).fill(200));
    expect(await registrar.lookup('1001')).toHaveLength(8);
  });
});

describe('Registrar: Redis unavailable', () => {
  const deadUrl = 'redis://127.0.0.1:1';

  it('Redis down (a client pointed at a closed port) → 503 Retry-After, no throw', async () => {
    const prefix = newPrefix();
    const dead = client(deadUrl);
    const { registrar, logLines } = setup({ redis: dead, authRedis: client(), prefix });
    const { res } = await register(registrar, { contacts: ['<sip:1001@192.0.2.10>'] });
    expect(res.status).toBe(503);
    expect(res.get('retry-after')).toBe('5');
    const logged = logLines.map((l) => JSON.parse(l) as { code?: string; level: number });
    expect(logged.some((l) => l.code === 'REGISTRAR_STORE_UNAVAILABLE' && l.level === 50)).toBe(true);
  });

  it('authenticator on the dead Redis too → 503, no throw', async () => {
    const { registrar, logLines } = setup({ redis: client(deadUrl) });
    const first = await registrar.handle(parseRequest(registerText({ contacts: ['<sip:1001@192.0.2.10>'] })), UDP);
    expect(first.status).toBe(401); // challenges need no Redis
    const authorization = credentials(first.getAll('www-authenticate')[0]!, '1001', PASSWORDS['1001']!);
    const res = await registrar.handle(
      parseRequest(registerText({ contacts: ['<sip:1001@192.0.2.10>'], cseq: 2, authorization })),
      UDP,
    );
    expect(res.status).toBe(503);
    expect(res.get('retry-after')).toBe('5');
    expect(logLines.some((l) => l.includes('"code":"REGISTRAR_AUTH_UNAVAILABLE"'))).toBe(true);
  });

  it('lookup and removeFlow reject with RegistrarError REGISTRAR_STORE_UNAVAILABLE', async () => {
    const { registrar } = setup({ redis: client(deadUrl) });
    await expect(registrar.lookup('1001')).rejects.toMatchObject({ code: 'REGISTRAR_STORE_UNAVAILABLE' });
    await expect(registrar.removeFlow('conn-1')).rejects.toBeInstanceOf(RegistrarError);
  });
});
