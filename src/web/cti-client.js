/**
 * The CTI client shared by the softphone and the wallboard: token login, a
 * REST helper with the bearer token, and the event WebSocket, reconnected
 * with a growing delay and resumed from the last event id seen (kept in
 * sessionStorage, so a reload resumes too). Plain browser JS, no build.
 *
 *   const cti = new CtiClient();
 *   const cfg = await cti.webConfig();            // { sipWsUrl, realm, tenant }
 *   const me = await cti.login('1002', 'secret'); // { token, agentId, scopes, teams, … }
 *   await cti.api('POST', '/v1/agents/me/ready');
 *   const stream = cti.events({ subscription: 'me', filter: { agents: ['1002'] }, onEvent, onStatus });
 *   stream.close();
 */

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Close codes of the event stream that a new connection would not fix. */
const FATAL_CLOSE = { 4001: 'token expired or not valid' };

export class CtiClient {
  /** @param {{ base?: string, onAuthLost?: (why: string) => void }} [opts] */
  constructor(opts = {}) {
    this.base = opts.base ?? location.origin;
    this.onAuthLost = opts.onAuthLost ?? (() => undefined);
    /** @type {string | undefined} */
    this.token = undefined;
    /** @type {{ token: string, agentId?: string, scopes: string[], teams: string[], tenant: string, expiresAt: string } | undefined} */
    this.session = undefined;
  }

  /** GET /v1/web/config (public). */
  webConfig() {
    return this.api('GET', '/v1/web/config', undefined, { anonymous: true });
  }

  /** Agent id + password → token (kept in memory only). */
  async login(agentId, password) {
    const out = await this.api('POST', '/v1/auth/token', { agentId, password }, { anonymous: true });
    this.token = out.token;
    this.session = out;
    return out;
  }

  logout() {
    this.token = undefined;
    this.session = undefined;
  }

  hasScope(scope) {
    const scopes = this.session?.scopes ?? [];
    return scopes.includes(scope) || scopes.includes('admin');
  }

  /**
   * One REST call: JSON in and out, the bearer token, the coded error as an ApiError.
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @param {{ anonymous?: boolean }} [opts]
   */
  async api(method, path, body, opts = {}) {
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (opts.anonymous !== true && this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let res;
    try {
      res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ApiError(0, 'NETWORK', `Server not reachable (${err instanceof Error ? err.message : String(err)})`);
    }
    const text = await res.text();
    let json;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const code = json?.error?.code ?? `HTTP_${res.status}`;
      const message = json?.error?.message ?? `${method} ${path}: ${res.status}`;
      if (opts.anonymous !== true && (code === 'CTI_TOKEN_EXPIRED' || code === 'CTI_UNAUTHENTICATED')) this.onAuthLost(message);
      throw new ApiError(res.status, code, message);
    }
    return json;
  }

  /**
   * The event stream: subscribes on every (re)connect, resuming after the
   * last event id it handed to `onEvent`.
   * @param {{
   *   subscription: string,
   *   filter: { agents?: string[], queues?: string[], all?: boolean },
   *   onEvent: (event: Record<string, any>) => void,
   *   onStatus?: (status: 'connecting' | 'live' | 'reconnecting' | 'closed', detail?: string) => void,
   *   onSubscribed?: (info: { replayed: number, resumed: boolean, gap: boolean }) => void,
   *   storageKey?: string,
   * }} o
   */
  events(o) {
    const key = o.storageKey ?? `hotline.lastEventId.${this.session?.agentId ?? 'anon'}.${o.subscription}`;
    const status = o.onStatus ?? (() => undefined);
    let ws;
    let closed = false;
    let attempt = 0;
    let retry;
    let ping;
    let gap = false;

    const lastId = () => {
      try {
        return sessionStorage.getItem(key) ?? undefined;
      } catch {
        return undefined;
      }
    };
    const remember = (id) => {
      try {
        sessionStorage.setItem(key, id);
      } catch {
        // storage full or disabled: resuming after a reload will not work, live events still do
      }
    };

    const connect = () => {
      if (closed || this.token === undefined) return;
      status(attempt === 0 ? 'connecting' : 'reconnecting');
      const url = `${this.base.replace(/^http/, 'ws')}/v1/events`;
      ws = new WebSocket(url, ['hotline.v1', `bearer.${this.token}`]);
      ws.addEventListener('open', () => {
        const since = lastId();
        ws.send(JSON.stringify({ op: 'subscribe', subscription: o.subscription, filter: o.filter, ...(since === undefined ? {} : { since }) }));
        clearInterval(ping);
        ping = setInterval(() => {
          if (ws.readyState === WebSocket.OPEN) ws.send('{"op":"ping"}');
        }, 25_000);
      });
      ws.addEventListener('message', (m) => {
        let msg;
        try {
          msg = JSON.parse(String(m.data));
        } catch {
          return;
        }
        if (msg.op === 'event' && msg.event !== undefined) {
          if (typeof msg.event.id === 'string') remember(msg.event.id);
          try {
            o.onEvent(msg.event);
          } catch (err) {
            console.error('event handler failed', err);
          }
        } else if (msg.op === 'gap') {
          gap = true;
        } else if (msg.op === 'subscribed') {
          const resumed = attempt > 0;
          attempt = 0;
          status('live');
          o.onSubscribed?.({ replayed: msg.replayed ?? 0, resumed, gap });
          gap = false;
        } else if (msg.op === 'error') {
          console.warn('event stream:', msg.code, msg.message);
          if (msg.code === 'CTI_TOKEN_EXPIRED' || msg.code === 'CTI_UNAUTHENTICATED') this.onAuthLost(msg.message);
          else if (msg.code === 'CTI_FORBIDDEN') status('closed', msg.message);
        }
      });
      ws.addEventListener('close', (e) => {
        clearInterval(ping);
        if (closed) return;
        const fatal = FATAL_CLOSE[e.code];
        if (fatal !== undefined) {
          status('closed', fatal);
          this.onAuthLost(fatal);
          return;
        }
        attempt += 1;
        const delay = Math.min(15_000, 500 * 2 ** Math.min(attempt, 5)) * (0.75 + Math.random() * 0.5);
        status('reconnecting', `retrying in ${Math.round(delay / 1000)} s`);
        retry = setTimeout(() => {
          if (attempt < 2) return connect();
          // a refused upgrade looks like any network error (1006): is it the token?
          this.api('GET', '/v1/auth/me').then(connect, (err) => {
            if (err instanceof ApiError && err.status === 401) status('closed', err.message);
            else connect();
          });
        }, delay);
      });
    };
    connect();

    return {
      close() {
        closed = true;
        clearTimeout(retry);
        clearInterval(ping);
        if (ws !== undefined && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'bye');
        status('closed');
      },
      /** Forget the resume point (a fresh start after logging out). */
      forget() {
        try {
          sessionStorage.removeItem(key);
        } catch {
          // nothing stored
        }
      },
    };
  }
}

// ── small DOM helpers for both pages ─────────────────────────────────────

/** document.getElementById that throws on a missing id (a page bug, found at once). */
export function $(id) {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} missing from the page`);
  return el;
}

/** An element with text and attributes, never innerHTML (caller data is text). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = String(v);
    else if (k === 'text') e.textContent = String(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

/** 75 s → "01:15", 3725 s → "1:02:05". */
export function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Agent state → what a person reads. */
export const STATE_LABELS = {
  'logged-out': 'Logged out',
  available: 'Ready',
  reserved: 'Reserved',
  ringing: 'Ringing',
  'on-call': 'On call',
  'on-call-outbound': 'On call (out)',
  'wrap-up': 'Wrap-up',
  paused: 'Not ready',
};

export function stateLabel(state, reason) {
  const label = STATE_LABELS[state] ?? state;
  return state === 'paused' && reason ? `${label} — ${reason}` : label;
}

/** Clock time of an ISO date, or of now. */
export function clock(iso) {
  const d = iso === undefined ? new Date() : new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour12: false });
}
