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
import { buildHttpServer, mediaStatsRoute } from './http/server.js';
import { installCtiBase, installCtiRoutes } from './cti/plugin.js';
import { CtiKeys, EventStream } from './cti/events/stream.js';
import { EventFanout } from './cti/events/fanout.js';
import { EventPublisher } from './cti/events/publisher.js';
import { QueueDayStats } from './cti/queue-stats.js';
import { QueueStatsTicker } from './cti/queue-ticker.js';
import { WebhookKeys, WebhookRegistry } from './cti/webhooks/registry.js';
import { WebhookDispatcher } from './cti/webhooks/dispatcher.js';
import { WebhookWorker } from './cti/webhooks/worker.js';
import { NonceManager } from './sip/auth/nonce.js';
import { ReplayGuard } from './sip/auth/replay.js';
import { DigestAuthenticator } from './sip/auth/authenticator.js';
import { Registrar } from './sip/registrar/registrar.js';
import { SipStack } from './sip/stack.js';
import { createCallRouter } from './calls/router.js';
import type { IncomingCall } from './sip/ua/incoming-call.js';
import { join } from 'node:path';
import { ProjectRtpMediaServer } from './media/projectrtp/server.js';
import type { MediaEndpoint, MediaServer } from './media/port.js';
import { ensurePrompts, ensureTone, promptPath, renderText } from './media/prompts.js';
import { openDb, type Db } from './store/db.js';
import { RecordingStore } from './recording/store.js';
import { CallRecorder } from './recording/recorder.js';
import { RecordingRetention, retentionPolicy } from './recording/retention.js';
import { CallLog } from './reports/records/call-log.js';
import { watchCall } from './reports/records/summary-tap.js';
import { RecordsIngester } from './reports/ingest/ingester.js';
import { RecordsWorker } from './reports/ingest/worker.js';
import { ReportService } from './reports/report-service.js';
import { CdrSearch } from './reports/cdr-search.js';
import { CampaignStore } from './dialer/campaign-store.js';
import { DncList } from './dialer/dnc.js';
import { DialerEngine } from './dialer/engine.js';
import { TrunkPacer } from './dialer/trunk-pacer.js';
import { CampaignStats } from './dialer/stats.js';
import { CallManager } from './calls/manager.js';
import { runHotline } from './calls/hotline.js';
import { RtpEngineProcess } from './media/rtpengine/process.js';
import { NgClient } from './media/rtpengine/ng.js';
import { WebRtcEdge } from './media/rtpengine/webrtc-edge.js';
import { BrowserEndpoint } from './media/browser-endpoint.js';
import { PtimeEdge } from './media/rtpengine/ptime-edge.js';
import type { BrowserMedia } from './calls/dial.js';
import { AcdService } from './acd/service/acd-service.js';
import { agentProfiles } from './acd/service/profiles.js';
import { withQueuePrompts } from './acd/prompts.js';
import { QueueCalls } from './calls/queue-call.js';
import { recordVoicemail } from './recording/voicemail.js';
import { runAcdHotline } from './calls/acd-hotline.js';
import { AutoLogin } from './acd/service/auto-login.js';
import { instanceIdFor } from './instance-id.js';
import { byeOrphan } from './calls/orphan-bye.js';
import { resolve as resolvePath } from 'node:path';
import { FlowRegistry, loadFlowsAtStart } from './ivr/registry.js';
import { runIvrCall } from './calls/ivr-call.js';
import { ivrRoutes } from './http/ivr-routes.js';
import { exampleAccounts } from './http/example-accounts.js';
import { CallbackBook } from './calls/callbacks.js';
import { CallbackDialer } from './calls/callback-dialer.js';
import type { TraceEvent } from './ivr/types.js';
import type { Call } from './calls/call.js';

export interface RunningServer {
  config: Config;
  sip: SipStack;
  http: FastifyInstance;
  redis: Redis;
  registrar: Registrar;
  media: MediaServer;
  calls: CallManager;
  acd: AcdService;
  queueCalls: QueueCalls;
  /** IVR flows in service (undefined when no number routes to a flow). */
  flows: FlowRegistry | undefined;
  callbacks: CallbackBook;
  recordings: RecordingStore;
  recorder: CallRecorder;
  /** Call records (journals → PostgreSQL) and the reports over them. */
  records: { callLog: CallLog; ingester: RecordsIngester; worker: RecordsWorker; reports: ReportService };
  /** CTI: the event stream in Redis, this instance's fan-out to WebSockets, and what publishes into it. */
  events: { stream: EventStream; fanout: EventFanout; publisher: EventPublisher };
  /** The database, once open (undefined while it is unreachable). */
  db(): Db | undefined;
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
  /** Leave projectrtp running at stop (tests start several servers in one process; it cannot restart). */
  keepMediaEngine?: boolean;
  /** PostgreSQL schema for this server's tables (tests isolate themselves). */
  dbSchema?: string;
  digitTimeoutMs?: number;
  /** ACD housekeeping period (heartbeat, sweep, overflow checks); tests shorten it. */
  acdTickMs?: number;
  /** Every IVR step of every call (tests check the path and prompts). */
  onIvrTrace?: (call: Call, event: TraceEvent) => void;
  /** Delay before a callback nobody answered is tried again; tests shorten it. */
  callbackRetryMs?: number;
}

/** The CTI token secret: the config's, else one random secret every instance shares through Redis. */
async function ctiSecret(config: Config, redis: Redis, keys: CtiKeys, logger: Logger): Promise<string> {
  if (config.cti.jwtSecret !== undefined) return config.cti.jwtSecret;
  const fresh = randomBytes(32).toString('hex');
  try {
    await redis.set(keys.secret(), fresh, 'NX');
    return (await redis.get(keys.secret())) ?? fresh;
  } catch (err) {
    logger.warn({ err, code: 'CTI_SECRET_LOCAL' }, 'Redis unavailable at start: CTI tokens are signed with an instance-local secret');
    return fresh;
  }
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
  const instanceId = opts.instanceId ?? instanceIdFor(config.dataDir);
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

  const dataDir = config.dataDir;
  const promptsDir = config.prompts.dir ?? join(dataDir, 'prompts');
  const promptsResult = await ensurePrompts({ dir: promptsDir, voice: config.prompts.voice, texts: withQueuePrompts(config.prompts.texts), logger });
  for (const f of promptsResult.failed) logger.warn({ prompt: f.name, error: f.error }, 'prompt missing: calls that need it will fail that step');
  await ensureTone(promptPath(promptsDir, 'ringback'), 'ringback').catch((err: unknown) => logger.warn({ err }, 'ringback tone missing'));
  await ensureTone(promptPath(promptsDir, 'beep'), 'beep').catch((err: unknown) => logger.warn({ err }, 'beep tone missing'));
  const prompt = (name: string): string => promptPath(promptsDir, name);

  // IVR flows: loaded (texts rendered, files checked) before anything listens; a flow a number needs must load
  const queueIds = new Set(config.queues.map((q) => q.id));
  const flowNumbers = config.ivr.numbers;
  const flowsDir = resolvePath(config.ivr.dir);
  let flows: FlowRegistry | undefined;
  if (Object.keys(flowNumbers).length > 0) {
    flows = new FlowRegistry(flowsDir, {
      promptsDir,
      cacheDir: config.ivr.cacheDir ?? join(promptsDir, 'cache'),
      defaultVoice: config.prompts.voice,
      queueExists: (id) => queueIds.has(id),
      logger,
      referenced: () => new Set(Object.values(flowNumbers)),
    });
    await loadFlowsAtStart(flows, flowNumbers, flowsDir);
    if (config.ivr.watch) flows.watch();
  }

  const media = new ProjectRtpMediaServer({
    publicAddress: config.media.publicAddress ?? config.sip.publicHost,
    portMin: config.media.rtpPortMin,
    portMax: config.media.rtpPortMax,
    workDir: join(dataDir, 'media'),
    shutdownEngineOnStop: opts.keepMediaEngine !== true,
    logger,
  });
  await media.start();

  // Browsers (WebRTC) reach projectrtp through rtpengine: ICE, DTLS-SRTP and Opus stay at the edge.
  let rtpengine: RtpEngineProcess | undefined;
  let edge: WebRtcEdge | undefined;
  let browserMedia: BrowserMedia | undefined;
  let ptimeEdge: PtimeEdge | undefined;
  let browserAnswer: ((offer: Buffer, ids: { callId: string; legId: string }) => Promise<MediaEndpoint>) | undefined;
  const re = config.media.rtpengine;
  if (re.enabled) {
    const [ngHost = '127.0.0.1', ngPortText = '22222'] = re.ng.split(':');
    let ng: NgClient;
    if (re.spawn) {
      rtpengine = new RtpEngineProcess({ logger, interface: re.interface, ngHost, ngPort: Number(ngPortText), portMin: re.portMin, portMax: re.portMax });
      await rtpengine.start();
      ng = rtpengine.ng;
    } else ng = new NgClient({ host: ngHost, port: Number(ngPortText), timeoutMs: 3000, logger });
    const theEdge = new WebRtcEdge({ ng, logger });
    // callers sending other than 20 ms packets are re-chunked for projectrtp
    ptimeEdge = new PtimeEdge({ ng, logger });
    edge = theEdge;
    browserMedia = async (inner, legId) => {
      const endpoint = await BrowserEndpoint.forOffer(inner, theEdge, legId);
      return { endpoint, release: () => endpoint.releaseEdge() };
    };
    let browserCalls = 0;
    browserAnswer = (offer, ids) => BrowserEndpoint.forBrowserOffer(media, theEdge, offer, { ...ids, edgeCallId: `in-${instanceId}-${++browserCalls}` });
  }

  // The database may be down at start: calls go on, recordings' metadata is spooled until it is back.
  let db: Db | undefined;
  let dbClosed = false;
  let dbRetry: NodeJS.Timeout | undefined;
  const connectDb = async (delayMs: number): Promise<void> => {
    try {
      db = await openDb({ url: config.database.url, dataDir, logger, schema: opts.dbSchema });
      if (dbClosed) await db.close();
    } catch (err) {
      if (dbClosed) return;
      logger.warn({ err, code: 'DB_UNAVAILABLE', retryInMs: delayMs }, 'database unavailable: recordings are spooled until it is back');
      dbRetry = setTimeout(() => void connectDb(Math.min(delayMs * 2, 60_000)), delayMs);
    }
  };
  await connectDb(1000);
  const recordings = new RecordingStore({ db: () => db, spoolDir: join(dataDir, 'recordings-spool'), instanceId, logger });
  await recordings.start();
  // retention: per queue (or the default), audio deleted and rows marked, hourly
  const retention = new RecordingRetention({
    db: () => db,
    policy: retentionPolicy(config),
    tenant: config.cti.tenant,
    instanceId,
    roots: [join(dataDir, 'recordings'), join(dataDir, 'voicemail')],
    logger,
  });
  retention.start();
  const recorder = new CallRecorder({
    enabled: config.recording.enabled,
    channels: config.recording.channels,
    dir: join(dataDir, 'recordings'),
    store: recordings,
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
  const agentIds = config.agents.map((a) => a.id);
  const calls = new CallManager({
    dial: {
      ua: sip.ua,
      media,
      lookup: async (agentId) => (await registrar.lookup(agentId)).map((b) => ({ uri: b.uri, source: b.source })),
      domain: realm,
      trunk: config.trunk,
      browserMedia,
      logger,
    },
    media,
    browserAnswer,
    ptimeEdge,
    agentIds,
    ringTimeoutMs: opts.ringTimeoutMs ?? config.calls.ringTimeoutSeconds * 1000,
    prompt,
    trunkMatch: config.trunk === undefined ? undefined : new RegExp(config.trunk.match),
    logger,
  });
  calls.on('call', (call) => recorder.attach(call));
  // every finished call's summary goes to the call log, for its CDR
  const callLog = new CallLog(redis, keys, { logger });
  calls.on('call', (call) => watchCall(call, (summary) => callLog.append(summary)));
  const digitTimeoutMs = opts.digitTimeoutMs ?? config.calls.digitTimeoutSeconds * 1000;
  const ringTimeoutMs = opts.ringTimeoutMs ?? config.calls.ringTimeoutSeconds * 1000;

  // The ACD: live state in Redis shared by every instance; this instance rings agents for its own callers.
  const acd = new AcdService({
    redis,
    keys,
    instanceId,
    agents: agentProfiles(config.agents),
    queues: config.queues,
    settings: config.acd,
    logger,
    ...(opts.acdTickMs === undefined ? {} : { tickMs: opts.acdTickMs }),
  });
  const queueCalls = new QueueCalls({
    acd,
    dial: (call, agentId, signal, ringMs) => calls.dial(call, agentId, 'agent', signal, ringMs),
    prompt,
    queues: new Map(config.queues.map((q) => [q.id, q])),
    defaultRingTimeoutMs: ringTimeoutMs,
    isAgent: (id) => agents.has(id),
    voicemail: async (call, mailbox) => {
      await recordVoicemail(call, mailbox, { dir: join(dataDir, 'voicemail'), store: recordings, prompt, beep: prompt('beep') });
    },
    logger,
  });
  // a caller lost with its instance (and media) is hung up from the dialog it left in Redis
  acd.on('lost', (entry) => {
    void (async () => {
      const stored = await acd.store.dialog(entry.callId);
      const result = await byeOrphan(sip.ua, stored);
      await acd.store.dropDialog(entry.callId);
      logger.info({ callId: entry.callId, bye: result?.response?.status ?? result?.failure ?? 'no-dialog' }, 'lost caller hung up');
    })().catch((err: unknown) => logger.warn({ err, callId: entry.callId }, 'could not hang up a lost caller'));
  });
  const callbacks = new CallbackBook({ redis, keys, logger });
  // one calls-per-second budget on the trunk for callbacks and campaigns, across instances
  const trunkPacer = new TrunkPacer(redis, keys, config.dialer.cps, { logger });
  const callbackDialer = new CallbackDialer({
    book: callbacks,
    acd,
    queueCalls,
    queues: config.queues,
    placeCall: (number, run, o) => calls.placeCall(number, run, o),
    prompt,
    logger,
    ringTimeoutMs,
    pacer: trunkPacer,
    ...(opts.callbackRetryMs === undefined ? {} : { retryDelayMs: opts.callbackRetryMs }),
  });
  const autoLogin = new AutoLogin({ acd, registrar, agents: config.agents, logger });
  await acd.start().catch((err: unknown) => {
    logger.error({ err, code: 'ACD_STORE_UNAVAILABLE' }, 'ACD could not load its state from Redis: callers get the closed prompt until it can');
    acd.retryStart();
  });

  const useAcd = config.queues.length > 0;
  const hotline = (incoming: IncomingCall): void => {
    calls.acceptInbound(incoming, (call) =>
      useAcd
        ? runAcdHotline(call, { prompt, digitTimeoutMs, menu: config.acd.hotlineMenu, defaultQueue: config.acd.hotlineDefaultQueue ?? config.queues[0]!.id, queueCalls })
        : runHotline(call, {
            prompt,
            agents: agentIds,
            hasRegistration: async (id) => (await registrar.lookup(id)).length > 0,
            dialAgent: (c, id, signal) => calls.dial(c, id, 'agent', signal),
            digitTimeoutMs,
          }),
    ).catch((err: unknown) => {
      logger.error({ err, sipCallId: incoming.request.callId }, 'inbound call could not be set up');
      void incoming.terminate('failed');
    });
  };

  let httpBase = `http://127.0.0.1:${config.http.port}`;
  const ivr = (incoming: IncomingCall, flowId: string, dialed: string): void => {
    calls.acceptInbound(incoming, async (call) => {
      // the version in service now; a reload during the call does not change it
      const flow = flows?.get(flowId);
      if (flow === undefined) {
        await call.caller.endpoint?.play([prompt('ivr-error')]).catch(() => undefined);
        await call.end('failed');
        return;
      }
      await runIvrCall(call, flow, dialed, {
        queueCalls,
        queueExists: (id) => queueIds.has(id),
        dial: (c, target, signal) => calls.dial(c, target, 'agent', signal),
        canRoute: (target, kind) => (kind === 'agent' ? agents.has(target) : calls.canRoute(target) && !agents.has(target)),
        voicemail: (c, mailbox, greeting, maxMs) =>
          recordVoicemail(c, mailbox, { dir: join(dataDir, 'voicemail'), store: recordings, prompt, beep: prompt('beep'), greeting, maxMs }),
        callback: async (c, req) => {
          const booked = await callbacks.request(req);
          c.outcomes.add('callback');
          return booked;
        },
        prompt,
        httpBase: () => httpBase,
        ...(opts.onIvrTrace === undefined ? {} : { onTrace: opts.onIvrTrace }),
      });
    }).catch((err: unknown) => {
      logger.error({ err, sipCallId: incoming.request.callId }, 'inbound call could not be set up');
      void incoming.terminate('failed');
    });
  };

  route = createCallRouter(
    {
      flows: flowNumbers,
      hotline: config.numbers.hotline,
      answerNumber: config.numbers.answer.enabled ? config.numbers.answer.number : undefined,
      agentIds: new Set(agents.keys()),
      publicHost: config.sip.publicHost,
    },
    {
      ua: sip.ua,
      lookup: async (agentId) => (await registrar.lookup(agentId)).map((b) => ({ uri: b.uri, source: b.source })),
      domain: realm,
      ringTimeoutMs: opts.ringTimeoutMs ?? config.calls.ringTimeoutSeconds * 1000,
      logger,
    },
    logger,
    hotline,
    ivr,
  );

  const http = buildHttpServer({
    logger,
    bodyLimit: config.cti.maxMessageBytes,
    health: () =>
      Promise.resolve({ sip: sip.isRunning, redis: redisReady(redis), media: media.healthy(), ...(rtpengine === undefined ? {} : { rtpengine: rtpengine.healthy }) }),
  });

  // CTI: every /v1 route behind the token guard; events from this instance into the Redis Stream, and back out to clients
  const ctiKeys = new CtiKeys(keys);
  const issuer = await installCtiBase(http, config, await ctiSecret(config, redis, ctiKeys, logger));
  const stream = new EventStream(redis, ctiKeys, { maxLen: config.cti.events.streamMaxLen, logger });
  const teams = new Map(config.agents.map((a) => [a.id, a.teams]));
  const teamsOf = (id: string): readonly string[] | undefined => teams.get(id);
  const fanout = new EventFanout(stream, teamsOf, logger);
  const publisher = new EventPublisher({ stream, tenant: config.cti.tenant, isAgent: (id) => agents.has(id), logger });
  publisher.attach(calls, acd);
  // webhooks: this instance is one consumer of the event stream, queueing deliveries (BullMQ) that any instance's worker sends
  const webhookRegistry = new WebhookRegistry(redis, new WebhookKeys(keys));
  const webhookDispatcher = new WebhookDispatcher({ redis, streamKey: stream.key, registry: webhookRegistry, redisUrl: config.redis.url, consumer: instanceId, settings: config.cti.webhooks, logger });
  const webhookWorker = new WebhookWorker({ redisUrl: config.redis.url, registry: webhookRegistry, settings: config.cti.webhooks, logger });
  const slSeconds = new Map(config.queues.map((q) => [q.id, q.serviceLevelSeconds]));
  // outbound campaigns: pacing every second, attempts as BullMQ jobs any instance's worker places
  const campaigns = new CampaignStore(redis, keys);
  const dnc = new DncList(redis, keys);
  const campaignStats = new CampaignStats(redis, keys);
  const wrapUp = new Map(config.queues.map((q) => [q.id, (q.wrapUpSeconds ?? config.acd.defaultWrapUpSeconds) * 1000]));
  const dialer = new DialerEngine({
    store: campaigns,
    dnc,
    stats: campaignStats,
    redis,
    keys,
    redisUrl: config.redis.url,
    bullPrefix: keys.key('bull'),
    agents: (queue) => acd.queueStats(queue).agents,
    queueCalls,
    placeCall: (number, run, o) => calls.placeCall(number, run, o),
    prompt,
    lines: config.dialer.lines,
    cps: config.dialer.cps,
    pacer: trunkPacer,
    ringTimeoutMs: config.dialer.ringTimeoutSeconds * 1000,
    safeHarborMs: config.dialer.safeHarborSeconds * 1000,
    wrapUpMs: (q) => wrapUp.get(q) ?? 0,
    // a campaign's safe-harbor and machine texts, spoken once and cached like the IVR's
    speak: (text) => renderText(config.ivr.cacheDir ?? join(promptsDir, 'cache'), config.prompts.voice, text, { logger }),
    scratchDir: join(dataDir, 'amd'),
    onEvent: (e) => publisher.outbound(e),
    onPreviewExpired: (agentId) => {
      if (acd.agent(agentId)?.reason?.startsWith('preview@') === true) void acd.endBusyElsewhere(agentId, { wrapUp: false }).catch(() => undefined);
    },
    logger,
  });
  const timeZone = config.reports.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const shortAbandonMs = config.reports.shortAbandonSeconds * 1000;
  const today = new QueueDayStats(acd.store, (q) => slSeconds.get(q) ?? 20, { timeZone, shortAbandonMs });
  // records: the journals into PostgreSQL (any instance's worker), and the reports over them
  const ingester = new RecordsIngester({ db: () => db, acd: acd.store, callLog, shortAbandonMs, redis, logger });
  const recordsWorker = new RecordsWorker({ redisUrl: config.redis.url, bullPrefix: keys.key('bull'), ingester, everyMs: config.reports.ingestEverySeconds * 1000, logger });
  const reports = new ReportService(() => db, {
    timeZone,
    shortAbandonMs,
    fcrDays: config.reports.fcrDays,
    slMs: (q) => (slSeconds.get(q) ?? 20) * 1000,
    queues: config.queues.map((q) => q.id),
  });
  const ticker = new QueueStatsTicker({ acd, today, publisher, queues: config.queues, tenant: config.cti.tenant, periodMs: config.cti.events.queueStatsSeconds * 1000, logger });
  await installCtiRoutes(http, {
    config,
    logger,
    acd,
    calls,
    recorder,
    registrar,
    issuer,
    teamsOf,
    stream,
    fanout,
    today,
    sipWsPort: () => sip.port('WS'),
    webhooks: { registry: webhookRegistry, deliveries: webhookDispatcher },
    reports: { service: reports, cdrs: new CdrSearch(() => db) },
    db: () => db,
    dialer: { campaigns, dnc, stats: campaignStats, engine: dialer },
  });
  await http.register(mediaStatsRoute(() => ({ endpoints: media.endpointCount, totals: media.totals() })));
  if (flows !== undefined) await http.register(ivrRoutes(flows, flowNumbers));
  if (config.http.exampleAccounts) await http.register(exampleAccounts);
  await fanout.start().catch((err: unknown) => logger.error({ err, code: 'CTI_STREAM_UNAVAILABLE' }, 'event stream unavailable at start: live events resume when Redis is back'));
  await webhookDispatcher.start();
  webhookWorker.start();
  ticker.start();
  await recordsWorker.start();
  if (config.dialer.enabled) await dialer.start();
  await sip.start();
  callbackDialer.start();
  await http.listen({ port: config.http.port, host: config.sip.host });
  const bound = http.server.address();
  if (bound !== null && typeof bound === 'object') httpBase = `http://127.0.0.1:${bound.port}`;
  logger.info(
    { udp: sip.port('UDP'), tcp: sip.port('TCP'), ws: sip.port('WS'), http: config.http.port, instanceId },
    'hotline started',
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('stopping: no new calls, hanging up calls, draining transactions');
      autoLogin.stop();
      await dialer.stop();
      flows?.stop();
      callbackDialer.stop();
      await calls.shutdown();
      await callLog.flush();
      ticker.stop();
      await publisher.drain();
      publisher.stop();
      await acd.stop();
      await sip.stop(opts.drainMs ?? 5000);
      await recorder.flush();
      await recordings.stop();
      await retention.stop();
      // before the database closes: a run in flight finishes (or rolls back) on an open pool
      await recordsWorker.stop();
      await media.stop();
      await edge?.releaseAll().catch(() => undefined);
      await ptimeEdge?.releaseAll().catch(() => undefined);
      await rtpengine?.stop();
      dbClosed = true;
      clearTimeout(dbRetry);
      await db?.close().catch(() => undefined);
      await fanout.stop();
      await webhookDispatcher.stop();
      await webhookWorker.stop();
      await http.close();
      redis.disconnect();
      logger.info('stopped');
    })();
    return stopping;
  };

  return { config, sip, http, redis, registrar, media, calls, acd, queueCalls, flows, callbacks, recordings, recorder, records: { callLog, ingester, worker: recordsWorker, reports }, events: { stream, fanout, publisher }, db: () => db, stop };
}
