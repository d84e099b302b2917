/**
 * The composition root: builds every part of the server from a validated
 * config and starts/stops them in order. `npm start` (src/main.ts) and the
 * integration tests both go through here.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import type { Logger } from './log.js';
import { createRedis, redisReady, RedisKeys, type Redis } from './store/redis.js';
import { buildHttpServer } from './http/server.js';
import { NonceManager } from './sip/auth/nonce.js';
import { ReplayGuard } from './sip/auth/replay.js';
import { DigestAuthenticator } from './sip/auth/authenticator.js';
import { Registrar } from './sip/registrar/registrar.js';
import { SipStack } from './sip/stack.js';
import { createCallRouter } from './calls/router.js';
import type { IncomingCall } from './sip/ua/incoming-call.js';

export interface RunningServer {
  config: Config;
  sip: SipStack;
  http: FastifyInstance;
  redis: Redis;
  registrar: Registrar;
  /** Graceful stop: no new calls, calls hung up, transactions drained, sockets closed. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Server instance id (registrations record which instance holds a TCP/WS flow). */
  instanceId?: string;
  /** RFC 3261 timers; tests shorten them. */
  timers?: { T1?: number; T2?: number; T4?: number };
  ringTimeoutMs?: number;
  drainMs?: number;
  /** TCP: close a connection holding an incomplete message this long (ms); tests shorten it. */
  tcpIncompleteTimeoutMs?: number;
}

/**
 * The digest nonce secret is shared through Redis so any instance can check a
 * nonce another issued; if Redis is down at start, a local secret still lets
 * this instance authenticate on its own.
 */
async function nonceSecret(redis: Redis, keys: RedisKeys, logger: Logger): Promise<string> {
  const fresh = randomBytes(32).toString('hex');
  try {
    await redis.set(keys.key('auth', 'secret'), fresh, 'NX');
    return (await redis.get(keys.key('auth', 'secret'))) ?? fresh;
  } catch (err) {
    logger.warn({ err, code: 'AUTH_SECRET_LOCAL' }, 'Redis unavailable at start: using an instance-local nonce secret');
    return fresh;
  }
}

export async function startServer(config: Config, logger: Logger, opts: StartOptions = {}): Promise<RunningServer> {
  const instanceId = opts.instanceId ?? randomBytes(6).toString('hex');
  const redis = createRedis(config.redis.url, { logger });
  const keys = new RedisKeys(config.redis.prefix);
  const agents = new Map(config.agents.map((a) => [a.id, a]));
  const realm = config.sip.realm;

  const nonces = new NonceManager({ secret: await nonceSecret(redis, keys, logger), realm });
  const replay = new ReplayGuard(redis, keys.key('auth', 'nc') + ':', { ttlMs: nonces.lifetimeMs });
  const authenticator = new DigestAuthenticator({ realm, lookupPassword: (user) => agents.get(user)?.password,
    nonces,
    replay,
    algorithms: config.sip.auth.algorithms,
  });
  const registrar = new Registrar({
    redis,
    keys,
    authenticator,
    isKnownUser: (user) => agents.has(user),
    expires: { min: config.sip.registration.minExpires, max: config.sip.registration.maxExpires, default: config.sip.registration.defaultExpires },
    instanceId,
    algorithmsFor: (user) => agents.get(user)?.authAlgorithms,
    logger,
  });

  // The router needs the stack's UA core; calls arrive only after start(), when it is set.
  let route: (call: IncomingCall) => void = (call) => call.reject(503);
  const sip = new SipStack({
    host: config.sip.host,
    publicHost: config.sip.publicHost,
    port: config.sip.port,
    wsPort: config.sip.wsPort,
    userAgent: config.sip.userAgent,
    logger,
    timers: opts.timers,
    tcpIncompleteTimeoutMs: opts.tcpIncompleteTimeoutMs,
    // a phone may stay silent on its TCP connection for a whole registration
    tcpIdleTimeoutMs: (config.sip.registration.maxExpires + 120) * 1000,
    handlers: {
      onInvite: (call) => route(call),
      onRegister: (req, source) => registrar.handle(req, source),
    },
    onFlowClosed: (connectionId) => {
      registrar.removeFlow(connectionId).catch((err: unknown) => logger.warn({ err, connectionId }, 'could not drop bindings of a closed flow'));
    },
  });
  route = createCallRouter(
    {
      hotline: config.numbers.hotline,
      answerNumber: config.numbers.answer.enabled ? config.numbers.answer.number : undefined,
      agentIds: new Set(agents.keys()),
      publicHost: config.sip.publicHost,
    },
    {
      ua: sip.ua,
      lookup: async (agentId) => (await registrar.lookup(agentId)).map((b) => ({ uri: b.uri, source: b.source })),
      domain: realm,
      ringTimeoutMs: opts.ringTimeoutMs ?? 30_000,
      logger,
    },
    logger,
  );

  const http = buildHttpServer({
    logger,
    health: () => Promise.resolve({ sip: sip.isRunning, redis: redisReady(redis) }),
  });

  await sip.start();
  await http.listen({ port: config.http.port, host: config.sip.host });
  logger.info(
    { udp: sip.port('UDP'), tcp: sip.port('TCP'), ws: sip.port('WS'), http: config.http.port, instanceId },
    'hotline started',
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('stopping: no new calls, draining transactions');
      await sip.stop(opts.drainMs ?? 5000);
      await http.close();
      redis.disconnect();
      logger.info('stopped');
    })();
    return stopping;
  };

  return { config, sip, http, redis, registrar, stop };
}
