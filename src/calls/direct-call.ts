/**
 * Agent-to-agent calls (dial 1002 from 1001): the B2BUA rings every phone the
 * called agent has registered, bridges the first to answer (SDP passed
 * through, media flows end to end until a media engine is in the path), and
 * mirrors hang-up, cancel, hold (re-INVITE) and DTMF (INFO) between the legs.
 */
import type { Logger } from 'pino';
import type { IncomingCall } from '../sip/ua/incoming-call.js';
import type { OutgoingCall } from '../sip/ua/outgoing-call.js';
import type { UserAgentCore } from '../sip/ua/core.js';
import type { Session, InDialogRequest } from '../sip/ua/session.js';
import { parseUri } from '../sip/message/uri.js';
import type { Destination } from '../sip/transport/types.js';

export interface AgentContact {
  uri: string;
  source: Destination;
}

export interface DirectCallDeps {
  ua: UserAgentCore;
  lookup: (agentId: string) => Promise<AgentContact[]>;
  domain: string;
  ringTimeoutMs: number;
  logger?: Logger;
}

/** Final status to give the caller when no phone answered (§16.7 best-response, simplified). */
function bestFailure(statuses: number[]): number {
  if (statuses.includes(486) || statuses.includes(600)) return 486;
  if (statuses.includes(603)) return 603;
  return 480;
}

export async function connectToAgent(deps: DirectCallDeps, call: IncomingCall, agentId: string): Promise<void> {
  const log = deps.logger?.child({ callId: call.request.callId, agentId });
  let contacts: AgentContact[];
  try {
    contacts = await deps.lookup(agentId);
  } catch (err) {
    log?.error({ err }, 'agent lookup failed');
    call.reject(503, 'Service Unavailable (registrations unavailable)', { headers: { 'retry-after': '5' } });
    return;
  }
  if (call.state !== 'setup') return;
  if (contacts.length === 0) {
    call.reject(480, 'Temporarily Unavailable (agent not registered)');
    return;
  }
  const caller = call.from;
  const legs: OutgoingCall[] = [];
  const failures: number[] = [];
  let winner: OutgoingCall | undefined;
  let rang = false;

  const ringTimer = setTimeout(() => {
    for (const leg of legs) leg.cancel();
    call.reject(480, 'Temporarily Unavailable (no answer)');
  }, deps.ringTimeoutMs);

  const settleIfAllFailed = (): void => {
    if (winner === undefined && failures.length === legs.length && call.state === 'setup') {
      clearTimeout(ringTimer);
      call.reject(bestFailure(failures));
    }
  };

  for (const contact of contacts) {
    const target = parseUri(contact.uri);
    if (target === undefined) continue;
    const leg = deps.ua.call({
      target,
      destination: contact.source,
      from: { displayName: caller?.displayName, uri: caller?.uri ?? target, params: new Map() },
      to: { uri: { scheme: 'sip', user: agentId, host: deps.domain, params: new Map() }, params: new Map() },
      sdp: call.remoteSdp,
      contactUser: caller?.uri.user,
      // the phone's REGISTER came from there: it reaches the phone behind NAT
      symmetric: true,
    });
    legs.push(leg);
    leg.on('progress', (res) => {
      if (rang || call.state !== 'setup') return;
      rang = true;
      if (res.status === 183 && res.body.length > 0) call.progress(res.body);
      else call.ringing();
    });
    leg.on('established', () => {
      if (winner !== undefined || call.state !== 'setup') {
        void leg.bye();
        return;
      }
      winner = leg;
      clearTimeout(ringTimer);
      for (const other of legs) if (other !== leg) other.cancel();
      call.answer(leg.remoteSdp).catch(() => void leg.bye());
      bridge(call, leg);
    });
    leg.on('ended', (_reason, detail) => {
      if (winner === leg) return;
      failures.push(detail?.status ?? 480);
      settleIfAllFailed();
    });
  }
  if (legs.length === 0) {
    clearTimeout(ringTimer);
    call.reject(480, 'Temporarily Unavailable (no usable contact)');
    return;
  }
  // however the caller's side ends before an agent answered (CANCEL, BYE on the
  // early dialog, an operator's terminate, a transport error), stop the ringing
  call.on('ended', () => {
    clearTimeout(ringTimer);
    if (winner === undefined) for (const leg of legs) leg.cancel();
  });
}

/** Mirror hang-up, re-INVITE and INFO between two established sessions. */
function bridge(a: Session, b: Session): void {
  // terminate, not bye: the caller's side may be answered but not yet ACKed
  a.on('ended', () => void b.terminate('remote-bye'));
  b.on('ended', () => void a.terminate('remote-bye'));
  relay(a, b);
  relay(b, a);
}

function relay(from: Session, to: Session): void {
  from.on('reinvite', (req: InDialogRequest) => {
    if (req.request.body.length === 0) {
      req.respond(200, { body: from.localSdp ?? Buffer.alloc(0) });
      return;
    }
    void to.reinvite(req.request.body).then((result) => {
      const res = result.response;
      if (res !== undefined && res.status < 300) req.respond(200, { body: res.body });
      else req.respond(res?.status ?? 500);
    });
  });
  from.on('info', (req: InDialogRequest) => {
    void to
      .requestInDialog('INFO', { body: req.request.body, contentType: req.request.contentType ?? 'application/dtmf-relay' })
      .then((result) => req.respond(result.response?.status ?? 500));
  });
}
