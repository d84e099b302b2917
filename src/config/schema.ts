import { isTimeZone } from '../reports/core/intervals.js';
import { Type, type Static } from '@sinclair/typebox';
import { AcdSchema, AgentAcdFields, QueueSchema, type OverflowTarget } from './acd-schema.js';

/** One problem found in a config: a JSON pointer (or env var name) and what is wrong there. */
export interface ConfigIssue {
  path: string;
  message: string;
}

const Port = (fallback: number) => Type.Integer({ minimum: 0, maximum: 65535, default: fallback });
const NonEmpty = Type.String({ minLength: 1 });
/** SIP user part / dialable number: no spaces, no '@' or ':'. */
const sipUser = (fallback?: string) =>
  Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: '^[A-Za-z0-9_.+*#-]+$',
    ...(fallback === undefined ? {} : { default: fallback }),
  });

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const strict = { additionalProperties: false } as const;

const DigestAlgorithms = Type.Array(Type.Union([Type.Literal('SHA-256'), Type.Literal('MD5')]), {
  minItems: 1,
  uniqueItems: true,
});

const RegistrationSchema = Type.Object(
  {
    minExpires: Type.Integer({ minimum: 1, default: 60 }),
    maxExpires: Type.Integer({ minimum: 1, default: 3600 }),
    defaultExpires: Type.Integer({ minimum: 1, default: 600 }),
  },
  { ...strict, default: {} },
);

const SipSchema = Type.Object(
  {
    /** Digest realm and SIP domain. */
    realm: NonEmpty,
    userAgent: Type.String({ minLength: 1, default: 'hotline/0.1' }),
    /** UDP and TCP listen port. */
    port: Port(5060),
    /** SIP over WebSocket listen port. */
    wsPort: Port(8088),
    /** Bind address. */
    host: Type.String({ minLength: 1, default: '0.0.0.0' }),
    /** Address put in Via / Contact. */
    publicHost: Type.String({ minLength: 1, default: '127.0.0.1' }),
    registration: RegistrationSchema,
    auth: Type.Object(
      {
        /**
         * Digest algorithms offered, one challenge each, in this order. RFC 8760 puts the
         * preferred first; phones that read only the first challenge (sipp 3.6, many
         * older desk phones) need MD5 first.
         */
        algorithms: { ...DigestAlgorithms, default: ['SHA-256', 'MD5'] },
      },
      { ...strict, default: {} },
    ),
  },
  { ...strict, default: {} },
);

const AnswerNumberSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    number: sipUser('answer'),
  },
  { ...strict, default: {} },
);

const NumbersSchema = Type.Object(
  {
    hotline: sipUser('100'),
    /** Test number that answers without media (sipp scenarios, benchmark). Off by default. */
    answer: AnswerNumberSchema,
  },
  { ...strict, default: {} },
);


const AgentSchema = Type.Object(
  {
    id: sipUser(),
    name: NonEmpty,
    password: NonEmpty,
    /** Digest challenges for this agent's phones, overriding sip.auth.algorithms (e.g. [MD5] for an old phone). */
    authAlgorithms: Type.Optional(DigestAlgorithms),
    /** Teams this agent supervises: their token gets the `supervisor` scope for those teams' agents and calls. */
    supervises: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), { default: [], uniqueItems: true }),
    ...AgentAcdFields,
  },
  strict,
);

const HostPort = Type.String({ pattern: '^[^\\s:]+:\\d{1,5}$' });

const MediaSchema = Type.Object(
  {
    /** Address written in our SDP (c=); defaults to sip.publicHost. */
    publicAddress: Type.Optional(NonEmpty),
    /** projectrtp's RTP port range (one port per endpoint, even numbers). */
    rtpPortMin: Type.Integer({ minimum: 1024, maximum: 65534, default: 10000 }),
    rtpPortMax: Type.Integer({ minimum: 1025, maximum: 65535, default: 20000 }),
    /**
     * rtpengine in front of WebRTC (browser) legs: ICE, DTLS-SRTP and Opus on the
     * browser side, plain RTP G.711 towards projectrtp.
     */
    rtpengine: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** ng control address (UDP). */
        ng: { ...HostPort, default: '127.0.0.1:22222' },
        /** Start and supervise our own userspace rtpengine (no kernel module). */
        spawn: Type.Boolean({ default: true }),
        /** Address rtpengine puts in SDP it gives browsers. */
        interface: Type.String({ minLength: 1, default: '127.0.0.1' }),
        portMin: Type.Integer({ minimum: 1024, maximum: 65535, default: 40000 }),
        portMax: Type.Integer({ minimum: 1024, maximum: 65535, default: 40999 }),
      },
      { ...strict, default: {} },
    ),
  },
  { ...strict, default: {} },
);

const PromptsSchema = Type.Object(
  {
    /** Where prompt WAVs live; defaults to `<dataDir>/prompts`. A recorded file put there wins over generation. */
    dir: Type.Optional(NonEmpty),
    /** espeak-ng voice used to generate missing prompts. */
    voice: Type.String({ minLength: 1, default: 'en-us' }),
    /** Prompt name → text; `<name>.wav` is generated from it at setup/start if absent. */
    texts: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]+$' }), NonEmpty, { default: {} }),
  },
  { ...strict, default: {} },
);

const RecordingSchema = Type.Object(
  {
    /** Record every bridged call (per-queue switch comes with the ACD). */
    enabled: Type.Boolean({ default: true }),
    /** 2: stereo, caller left and agent right; 1: one mixed channel. */
    channels: Type.Union([Type.Literal(1), Type.Literal(2)], { default: 2 }),
    /** Days a recording's audio is kept (from its start) unless its queue says otherwise; 0 or unset: for ever. */
    retentionDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 36_500 })),
  },
  { ...strict, default: {} },
);

const TrunkSchema = Type.Object(
  {
    /** Where outbound calls to non-agent numbers go, e.g. sip:carrier.example:5060. */
    uri: Type.String({ pattern: '^sips?:' }),
    username: Type.Optional(NonEmpty),
    password: Type.Optional(NonEmpty),
    /** Numbers that match go to the trunk (a regular expression on the dialed user part). */
    match: Type.String({ minLength: 1, default: '^\\+?[0-9]{5,15}$' }),
  },
  strict,
);

const CallsSchema = Type.Object(
  {
    /** How long an agent's phone rings before the offer is withdrawn. */
    ringTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 600, default: 30 }),
    /** The hotline sequence until the IVR lands: wait this long for the digit. */
    digitTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 60, default: 5 }),
  },
  { ...strict, default: {} },
);

const IvrSchema = Type.Object(
  {
    /** One flow per file (YAML or JSON); relative to the working directory. */
    dir: Type.String({ minLength: 1, default: 'config/flows' }),
    /** Number (DID) → flow id. A number here is answered by that flow, the hotline number included. */
    numbers: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.+*#-]{1,64}$' }), Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), { default: {} }),
    /** Reload flows when a file in `dir` changes (POST /v1/ivr/reload always works). */
    watch: Type.Boolean({ default: true }),
    /** Rendered TTS and number prompts; defaults to `<dataDir>/prompts/cache`. */
    cacheDir: Type.Optional(NonEmpty),
  },
  { ...strict, default: {} },
);

export const CTI_SCOPES = ['agent:self', 'supervisor', 'calls:control', 'events:read', 'recordings:read', 'admin'] as const;
export type CtiScope = (typeof CTI_SCOPES)[number];

const ApiKeySchema = Type.Object(
  {
    /** Names the integrator in tokens and logs. */
    id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    /** The secret the integrator trades for a token (POST /v1/auth/token {apiKey}); at least 24 characters. */
    key: Type.String({ minLength: 24, maxLength: 256 }),
    scopes: Type.Array(Type.Union(CTI_SCOPES.map((s) => Type.Literal(s))), { minItems: 1, uniqueItems: true }),
    /** Tenant the key belongs to; defaults to cti.tenant. A key of another tenant gets tokens this server refuses. */
    tenant: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
  },
  strict,
);

const CtiSchema = Type.Object(
  {
    /** The tenant this server serves: every token names one, every event carries it. */
    tenant: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'default' }),
    /** HS256 secret for tokens (env CTI_JWT_SECRET); unset: one random secret shared by every instance through Redis. */
    jwtSecret: Type.Optional(Type.String({ minLength: 32 })),
    /** Token lifetime. */
    tokenTtlSeconds: Type.Integer({ minimum: 60, maximum: 7 * 86400, default: 8 * 3600 }),
    apiKeys: Type.Array(ApiKeySchema, { default: [] }),
    /** Browser origins allowed besides the server's own pages (e.g. https://crm.example.com). */
    allowedOrigins: Type.Array(Type.String({ pattern: '^https?://[^/\\s]+$' }), { default: [], uniqueItems: true }),
    /** Requests per second per token (or per client address before login); a burst of twice that is allowed. */
    rateLimitPerSecond: Type.Integer({ minimum: 1, maximum: 100_000, default: 50 }),
    /** Largest request body and WebSocket message, bytes. */
    maxMessageBytes: Type.Integer({ minimum: 1024, maximum: 10 * 1024 * 1024, default: 64 * 1024 }),
    events: Type.Object(
      {
        /** Events kept in the Redis Stream for reconnecting clients (approximate trim). */
        streamMaxLen: Type.Integer({ minimum: 1000, default: 1_000_000 }),
        /** A WebSocket client further behind than this many bytes is disconnected (close 4008). */
        slowClientBytes: Type.Integer({ minimum: 16 * 1024, default: 4 * 1024 * 1024 }),
        /** Period of the queue.stats events. */
        queueStatsSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 5 }),
      },
      { ...strict, default: {} },
    ),
    webhooks: Type.Object(
      {
        /** Delivery attempts per event before it is given up (exponential backoff between them). */
        attempts: Type.Integer({ minimum: 1, maximum: 50, default: 10 }),
        /** First retry delay; doubles each attempt. */
        backoffMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 2000 }),
        /** Per-delivery HTTP timeout. */
        timeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 5000 }),
      },
      { ...strict, default: {} },
    ),
  },
  { ...strict, default: {} },
);

/** The outbound dialer's trunk limits and timings (docs/dialer.md); campaigns are made through the API. */
const DialerSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** Calls the trunk carries at once, and new calls per second. */
    lines: Type.Integer({ minimum: 1, maximum: 10_000, default: 30 }),
    cps: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
    /** How long a call rings before it counts as not answered (at least 15 s). */
    ringTimeoutSeconds: Type.Integer({ minimum: 15, maximum: 120, default: 25 }),
    /** A person answered with no agent free within this hears the safe-harbor message (abandoned). */
    safeHarborSeconds: Type.Number({ minimum: 0.5, maximum: 10, default: 2 }),
  },
  { ...strict, default: {} },
);

/** Call records and KPI reports (docs/reports.md). */
const ReportsSchema = Type.Object(
  {
    /** The call center's time zone: report intervals follow its wall clock (IANA name; default: the server's). */
    timeZone: Type.Optional(Type.String({ minLength: 1 })),
    /** An abandon with a wait under this is a short abandon (left out of the abandon rate). */
    shortAbandonSeconds: Type.Integer({ minimum: 0, maximum: 120, default: 5 }),
    /** First-contact resolution: a call is resolved if its caller number does not call again within this many days. */
    fcrDays: Type.Integer({ minimum: 1, maximum: 90, default: 7 }),
    /** How often the records worker copies the journals into the database. */
    ingestEverySeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 2 }),
  },
  { ...strict, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    sip: SipSchema,
    http: Type.Object(
      {
        port: Port(8080),
        /** Serve the example call center's account lookup (POST /example/accounts/lookup), the IVR's data dip target. */
        exampleAccounts: Type.Boolean({ default: false }),
      },
      { ...strict, default: {} },
    ),
    redis: Type.Object(
      {
        url: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' }),
        prefix: Type.String({ default: 'hl:' }),
      },
      { ...strict, default: {} },
    ),
    database: Type.Object(
      { url: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })) },
      { ...strict, default: {} },
    ),
    dataDir: Type.String({ minLength: 1, default: './data' }),
    log: Type.Object(
      { level: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level)), { default: 'info' }) },
      { ...strict, default: {} },
    ),
    numbers: NumbersSchema,
    agents: Type.Array(AgentSchema, { default: [] }),
    media: MediaSchema,
    prompts: PromptsSchema,
    recording: RecordingSchema,
    trunk: Type.Optional(TrunkSchema),
    calls: CallsSchema,
    queues: Type.Array(QueueSchema, { default: [] }),
    acd: AcdSchema,
    ivr: IvrSchema,
    cti: CtiSchema,
    reports: ReportsSchema,
    dialer: DialerSchema,
  },
  strict,
);

/** The validated config, with every default applied. */
export type Config = Static<typeof ConfigSchema>;
export type AgentConfig = Config['agents'][number];
export type { QueueConfig, AcdConfig, Requirement, OverflowTarget, Strategy } from './acd-schema.js';

/** Rules a JSON schema cannot express. Call only on a value that passed the schema. */
export function checkConfigRules(config: Config): ConfigIssue[] {
  return [...checkAgents(config), ...checkRegistration(config), ...checkMedia(config), ...checkQueues(config), ...checkReports(config)];
}

function checkAgents(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const firstIndex = new Map<string, number>();
  const reserved = new Map<string, string>([[config.numbers.hotline, '/numbers/hotline']]);
  if (config.numbers.answer.enabled) reserved.set(config.numbers.answer.number, '/numbers/answer/number');
  for (const n of Object.keys(config.ivr.numbers)) if (!reserved.has(n)) reserved.set(n, `/ivr/numbers/${n}`);
  if (config.numbers.answer.enabled && config.ivr.numbers[config.numbers.answer.number] !== undefined)
    issues.push({ path: `/ivr/numbers/${config.numbers.answer.number}`, message: 'is the answer test number' });

  config.agents.forEach((agent, index) => {
    const path = `/agents/${index}/id`;
    const earlier = firstIndex.get(agent.id);
    if (earlier !== undefined) {
      issues.push({ path, message: `duplicate agent id "${agent.id}" (already used at /agents/${earlier}/id)` });
    } else {
      firstIndex.set(agent.id, index);
    }
    const clash = reserved.get(agent.id);
    if (clash !== undefined) issues.push({ path, message: `agent id "${agent.id}" is already the number at ${clash}` });
  });
  return issues;
}

function checkRegistration(config: Config): ConfigIssue[] {
  const { minExpires, maxExpires, defaultExpires } = config.sip.registration;
  const path = '/sip/registration';
  if (minExpires > maxExpires) {
    return [{ path, message: `minExpires (${minExpires}) must not exceed maxExpires (${maxExpires})` }];
  }
  if (defaultExpires < minExpires || defaultExpires > maxExpires) {
    return [{ path, message: `defaultExpires (${defaultExpires}) must lie between minExpires and maxExpires` }];
  }
  return [];
}

function checkMedia(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { rtpPortMin, rtpPortMax, rtpengine } = config.media;
  if (rtpPortMin >= rtpPortMax) issues.push({ path: '/media/rtpPortMin', message: `rtpPortMin (${rtpPortMin}) must be below rtpPortMax (${rtpPortMax})` });
  if (rtpengine.portMin >= rtpengine.portMax)
    issues.push({ path: '/media/rtpengine/portMin', message: `portMin (${rtpengine.portMin}) must be below portMax (${rtpengine.portMax})` });
  if (config.trunk !== undefined) {
    try {
      new RegExp(config.trunk.match);
    } catch {
      issues.push({ path: '/trunk/match', message: `not a valid regular expression: ${config.trunk.match}` });
    }
  }
  return issues;
}

function checkQueues(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const agentIds = new Set(config.agents.map((a) => a.id));
  const queueIndex = new Map<string, number>();
  config.queues.forEach((queue, index) => {
    const earlier = queueIndex.get(queue.id);
    if (earlier !== undefined) issues.push({ path: `/queues/${index}/id`, message: `duplicate queue id "${queue.id}" (already used at /queues/${earlier}/id)` });
    else queueIndex.set(queue.id, index);
  });
  const checkTarget = (target: OverflowTarget | undefined, path: string, self: string): void => {
    if (target?.type !== 'queue') return;
    if (!queueIndex.has(target.queue)) issues.push({ path, message: `overflow to unknown queue "${target.queue}"` });
    else if (target.queue === self) issues.push({ path, message: `queue "${self}" cannot overflow to itself` });
  };
  config.queues.forEach((queue, index) => {
    const base = `/queues/${index}`;
    queue.members?.forEach((member, i) => {
      if (!agentIds.has(member)) issues.push({ path: `${base}/members/${i}`, message: `unknown agent "${member}"` });
    });
    let last = 0;
    queue.escalation.forEach((step, i) => {
      if (step.afterSeconds <= last) issues.push({ path: `${base}/escalation/${i}/afterSeconds`, message: `steps must be in increasing afterSeconds (${step.afterSeconds} after ${last})` });
      last = Math.max(last, step.afterSeconds);
      if (step.minProficiency === undefined && step.dropSkills === undefined && step.requirement === undefined)
        issues.push({ path: `${base}/escalation/${i}`, message: 'a step must set minProficiency, dropSkills or requirement' });
    });
    for (const [key, target] of Object.entries(queue.overflow)) checkTarget(target, `${base}/overflow/${key}`, queue.id);
  });
  // overflow between queues must end somewhere: A → B → A would bounce a caller for ever
  const next = new Map(config.queues.map((q) => [q.id, Object.values(q.overflow).flatMap((t) => (t?.type === 'queue' ? [t.queue] : []))]));
  const cyclic = new Set<string>();
  const visit = (id: string, path: string[]): void => {
    if (path.includes(id)) {
      const loop = [...path.slice(path.indexOf(id)), id];
      const key = [...new Set(loop)].sort().join();
      if (!cyclic.has(key)) {
        cyclic.add(key);
        issues.push({ path: `/queues/${queueIndex.get(id) ?? 0}/overflow`, message: `overflow loop between queues: ${loop.join(' → ')}` });
      }
      return;
    }
    for (const n of next.get(id) ?? []) if (n !== id) visit(n, [...path, id]);
  };
  for (const q of config.queues) visit(q.id, []);
  for (const [digit, queue] of Object.entries(config.acd.hotlineMenu)) {
    if (!queueIndex.has(queue)) issues.push({ path: `/acd/hotlineMenu/${digit}`, message: `unknown queue "${queue}"` });
  }
  const fallback = config.acd.hotlineDefaultQueue;
  if (fallback !== undefined && !queueIndex.has(fallback)) issues.push({ path: '/acd/hotlineDefaultQueue', message: `unknown queue "${fallback}"` });
  return issues;
}

function checkReports(config: Config): ConfigIssue[] {
  const tz = config.reports.timeZone;
  return tz === undefined || isTimeZone(tz) ? [] : [{ path: '/reports/timeZone', message: `unknown time zone "${tz}" (an IANA name such as Europe/Berlin)` }];
}
