/**
 * Outbound legs with media: ring every phone an agent registered (the first
 * to answer wins, the others are cancelled), or send a number to the trunk.
 * The server's media endpoint makes the offer; a browser contact (SIP over
 * WebSocket) gets it through the WebRTC edge.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { UserAgentCore } from '../sip/ua/core.js';
import type { OutgoingCall } from '../sip/ua/outgoing-call.js';
import type { NameAddr } from '../sip/message/headers.js';
import { parseUri } from '../sip/message/uri.js';
import type { Destination } from '../sip/transport/types.js';
import type { MediaEndpoint, MediaServer } from '../media/port.js';
import { Leg, causeFromStatus, type LegEndCause, type LegRole } from './leg.js';

export interface AgentContact {
  uri: string;
  source: Destination;
}

/**
 * Wraps a plain endpoint for a browser: its SDP goes through rtpengine (ICE,
 * DTLS-SRTP). `release` drops only the browser side (a fork that lost).
 */
export type BrowserMedia = (inner: MediaEndpoint, legId: string) => Promise<{ endpoint: MediaEndpoint; release(): Promise<void> }>;

export interface DialDeps {
  ua: UserAgentCore;
  media: MediaServer;
  lookup: (agentId: string) => Promise<AgentContact[]>;
  domain: string;
  browserMedia?: BrowserMedia;
  trunk?: { uri: string; username?: string; password?: string };
  logger?: Logger;
}

export class DialError extends Error {
  override readonly name = 'DialError';
  constructor(
    readonly reason: LegEndCause,
    message: string,
  ) {
    super(message);
  }
}

export interface DialOptions {
  role: LegRole;
  /** Shown to the agent's phone. */
  from: NameAddr | undefined;
  ringTimeoutMs: number;
  callId: string;
  /** Abort to withdraw the offer (caller hung up, ACD moved on). */
  signal?: AbortSignal;
}

function isBrowser(contact: AgentContact): boolean {
  return contact.source.protocol === 'WS' || contact.source.protocol === 'WSS' || /transport=wss?/i.test(contact.uri);
}

/** Ring an agent's registered phones with media; resolves with the answered leg. */
export async function dialAgent(deps: DialDeps, agentId: string, opts: DialOptions): Promise<Leg> {
  let contacts: AgentContact[];
  try {
    contacts = await deps.lookup(agentId);
  } catch {
    throw new DialError('unavailable', 'registrations unavailable');
  }
  if (contacts.length === 0) throw new DialError('unavailable', `agent ${agentId} has no registered phone`);
  const forks: { contact: AgentContact; target: NonNullable<ReturnType<typeof parseUri>> }[] = [];
  for (const contact of contacts) {
    const target = parseUri(contact.uri);
    if (target !== undefined) forks.push({ contact, target });
  }
  if (forks.length === 0) throw new DialError('unavailable', `agent ${agentId} has no usable contact`);
  return ring(deps, agentId, opts, forks.map(({ contact, target }) => ({
    browser: isBrowser(contact),
    start: (sdp: Buffer) =>
      deps.ua.call({
        target,
        destination: contact.source,
        from: opts.from ?? { uri: { scheme: 'sip', user: 'hotline', host: deps.domain, params: new Map() }, params: new Map() },
        to: { uri: { scheme: 'sip', user: agentId, host: deps.domain, params: new Map() }, params: new Map() },
        sdp,
        contactUser: opts.from?.uri.user,
        symmetric: true,
      }),
  })));
}

/** Send a number to the configured trunk. */
export async function dialTrunk(deps: DialDeps, number: string, opts: DialOptions): Promise<Leg> {
  const trunk = deps.trunk;
  const base = trunk === undefined ? undefined : parseUri(trunk.uri);
  if (trunk === undefined || base === undefined) throw new DialError('unavailable', 'no trunk configured');
  const target = { ...base, user: number, params: new Map(base.params) };
  let destination: Destination;
  try {
    destination = await deps.ua.resolve(target);
  } catch {
    throw new DialError('unavailable', 'trunk address does not resolve');
  }
  const credentials = trunk.username !== undefined && trunk.password !== undefined ? { username: trunk.username, password: trunk.password } : undefined;
  return ring(deps, number, opts, [
    {
      browser: false,
      start: (sdp: Buffer) =>
        deps.ua.call({
          target,
          destination,
          from: opts.from ?? { uri: { scheme: 'sip', user: 'hotline', host: deps.domain, params: new Map() }, params: new Map() },
          sdp,
          credentials,
        }),
    },
  ]);
}

interface Fork {
  browser: boolean;
  /** Sends the INVITE (listeners attached right after still see every response: they arrive later). */
  start(sdp: Buffer): OutgoingCall;
}

async function ring(deps: DialDeps, party: string, opts: DialOptions, forks: Fork[]): Promise<Leg> {
  const log = deps.logger?.child({ callId: opts.callId, party: opts.role === 'agent' ? party : undefined });
  // one plain endpoint shared by the forks: only the winner's answer is applied to it
  const inner = await deps.media.offer({ callId: opts.callId, legId: `${opts.role}` });
  const started: { call: OutgoingCall; endpoint: MediaEndpoint; release?: () => Promise<void> }[] = [];
  try {
    for (const fork of forks) {
      if (fork.browser) {
        if (deps.browserMedia === undefined) {
          log?.info('browser contact skipped: WebRTC edge disabled');
          continue;
        }
        // unique per dial: several browser legs of one call (agent, consult, supervisor) each get their own rtpengine call
        const wrapped = await deps.browserMedia(inner, `${opts.callId}-${randomUUID().slice(0, 8)}-${started.length}`);
        started.push({ call: fork.start(wrapped.endpoint.localSdp), endpoint: wrapped.endpoint, release: () => wrapped.release() });
      } else started.push({ call: fork.start(inner.localSdp), endpoint: inner });
    }
  } catch (err) {
    for (const s of started) {
      s.call.cancel();
      await s.release?.();
    }
    await inner.close();
    throw new DialError('media-error', `could not prepare media: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (started.length === 0) {
    await inner.close();
    throw new DialError('unavailable', 'no contact can take this call');
  }

  return new Promise<Leg>((resolve, reject) => {
    let settled = false;
    /** The fork whose 2xx we took (set at once: a second phone answering later is hung up). */
    let winner: OutgoingCall | undefined;
    /** Each fork's failure counted once (a bye() we send also ends the fork). */
    const failed = new Map<OutgoingCall, number>();
    const finish = (err: DialError | undefined, leg?: Leg): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err !== undefined) {
        // terminate, not cancel: a fork may have answered while we were giving up
        for (const s of started) {
          void s.call.terminate('local-bye');
          void s.release?.();
        }
        void inner.close();
        reject(err);
      } else if (leg !== undefined) resolve(leg);
    };
    const forkFailed = (call: OutgoingCall, status: number): void => {
      if (settled || failed.has(call) || call === winner) return;
      failed.set(call, status);
      if (failed.size === started.length) finish(new DialError(bestCause([...failed.values()]), `all ${started.length} contact(s) failed`));
    };
    const timer = setTimeout(() => finish(new DialError('no-answer', `no answer in ${opts.ringTimeoutMs} ms`)), opts.ringTimeoutMs);
    timer.unref();
    const onAbort = (): void => finish(new DialError('cancelled', 'offer withdrawn'));
    if (opts.signal?.aborted === true) {
      onAbort();
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    for (const { call, endpoint } of started) {
      call.on('established', () => {
        if (settled || winner !== undefined) {
          void call.bye();
          return;
        }
        const answer = call.remoteSdp;
        if (answer === undefined || answer.length === 0) {
          forkFailed(call, 488);
          void call.bye();
          return;
        }
        winner = call;
        // losing forks: cancel them and drop their browser wrappers (the inner endpoint stays)
        for (const s of started) {
          if (s.call === call) continue;
          s.call.cancel();
          if (s.endpoint !== endpoint) void s.release?.();
        }
        endpoint
          .setRemoteAnswer(answer)
          .then(() => {
            // gave up (ring timeout, caller gone) or the agent hung up while the answer was applied
            if (settled || call.state !== 'established') {
              void call.bye();
              finish(new DialError('failed', 'the answered phone hung up at once'));
              return;
            }
            const leg = new Leg(opts.role, call, endpoint, party, deps.logger);
            leg.transition('answered', 'answered');
            finish(undefined, leg);
          })
          .catch((err: unknown) => {
            log?.warn({ err }, 'answer SDP not usable');
            void call.bye();
            finish(new DialError('media-error', 'answer SDP not usable'));
          });
      });
      call.on('ended', (_reason, detail) => forkFailed(call, detail?.status ?? 480));
    }
  });
}

function bestCause(statuses: number[]): LegEndCause {
  if (statuses.some((s) => s === 486 || s === 600)) return 'busy';
  if (statuses.includes(603)) return 'declined';
  return causeFromStatus(statuses[0]);
}
