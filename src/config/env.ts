import { LOG_LEVELS, type ConfigIssue } from './schema.js';

export type Env = Readonly<Record<string, string | undefined>>;

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };
type EnvParser = (raw: string) => Parsed;

const port: EnvParser = (raw) => {
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  return n <= 65535 ? { ok: true, value: n } : { ok: false, message: `expected a port number 0-65535, got "${raw}"` };
};

const text: EnvParser = (raw) => ({ ok: true, value: raw });

const url =
  (...protocols: string[]): EnvParser =>
  (raw) => {
    const protocol = URL.canParse(raw) ? new URL(raw).protocol : undefined;
    if (protocol !== undefined && protocols.includes(protocol)) return { ok: true, value: raw };
    return { ok: false, message: `expected a ${protocols.map((p) => `${p}//`).join(' or ')} URL, got "${raw}"` };
  };

const logLevel: EnvParser = (raw) =>
  (LOG_LEVELS as readonly string[]).includes(raw)
    ? { ok: true, value: raw }
    : { ok: false, message: `expected one of ${LOG_LEVELS.join(', ')}, got "${raw}"` };

/** Env var → where it lands in the config. Applied after the file, so env wins. Empty values count as unset. */
const ENV_OVERRIDES: ReadonlyArray<{ name: string; path: readonly string[]; parse: EnvParser }> = [
  { name: 'SIP_PORT', path: ['sip', 'port'], parse: port },
  { name: 'SIP_WS_PORT', path: ['sip', 'wsPort'], parse: port },
  { name: 'SIP_HOST', path: ['sip', 'host'], parse: text },
  { name: 'SIP_PUBLIC_HOST', path: ['sip', 'publicHost'], parse: text },
  { name: 'HTTP_PORT', path: ['http', 'port'], parse: port },
  { name: 'REDIS_URL', path: ['redis', 'url'], parse: url('redis:', 'rediss:') },
  { name: 'REDIS_PREFIX', path: ['redis', 'prefix'], parse: text },
  { name: 'DATABASE_URL', path: ['database', 'url'], parse: url('postgres:', 'postgresql:') },
  { name: 'DATA_DIR', path: ['dataDir'], parse: text },
  { name: 'LOG_LEVEL', path: ['log', 'level'], parse: logLevel },
  { name: 'RTP_PORT_MIN', path: ['media', 'rtpPortMin'], parse: port },
  { name: 'RTP_PORT_MAX', path: ['media', 'rtpPortMax'], parse: port },
  { name: 'CTI_JWT_SECRET', path: ['cti', 'jwtSecret'], parse: text },
];

/** Writes valid env values into `raw`; returns one issue (path = env var name) per invalid value. */
export function applyEnvOverrides(raw: Record<string, unknown>, env: Env): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { name, path, parse } of ENV_OVERRIDES) {
    const value = nonEmpty(env[name]);
    if (value === undefined) continue;
    const parsed = parse(value);
    if (parsed.ok) setIn(raw, path, parsed.value);
    else issues.push({ path: name, message: parsed.message });
  }
  return issues;
}

/** Sets a nested property, creating missing objects. A non-object in the way is left for the schema to report. */
function setIn(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const child = target[head] ?? {};
  if (typeof child !== 'object' || child === null || Array.isArray(child)) return;
  target[head] = child;
  setIn(child as Record<string, unknown>, rest, value);
}

/** Empty env values count as unset. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
