/**
 * The call model's rules without any I/O: legs and calls change state only
 * along their diagrams, end exactly once, and the B2BUA's choices when a
 * party leaves a consult or a conference. A fake media server and fake SIP
 * sessions stand in for the engines (integration tests use the real ones).
 */
import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../src/sip/ua/typed-emitter.js';
import type { Session, SessionEvents, EndReason } from '../../src/sip/ua/session.js';
import type { MediaEndpoint, MediaEndpointEvents, MediaMix, MediaServer, PlayResult } from '../../src/media/port.js';
import { Leg, causeFromStatus, parseInfoDtmf, type LegRole } from '../../src/calls/leg.js';
import { Call } from '../../src/calls/call.js';

class FakeSession extends TypedEmitter<SessionEvents> {
  state: 'setup' | 'established' | 'ended' = 'established';
  terminations = 0;
  callId = `sip-${Math.random()}`;
  terminate(reason: EndReason): Promise<void> {
    this.terminations++;
    if (this.state === 'ended') return Promise.resolve();
    this.state = 'ended';
    // like the real session: 'ended' fires synchronously inside terminate
    this.emit('ended', reason);
    return Promise.resolve();
  }
  hangUpRemotely(): void {
    this.state = 'ended';
    this.emit('ended', 'remote-bye');
  }
}

class FakeEndpoint extends TypedEmitter<MediaEndpointEvents> {
  closed = false;
  closes = 0;
  plays: string[][] = [];
  readonly localSdp = Buffer.from('v=0');
  constructor(readonly id: string) {
    super();
  }
  close(): Promise<void> {
    this.closes++;
    this.closed = true;
    return Promise.resolve();
  }
  play(files: readonly string[]): Promise<PlayResult> {
    this.plays.push([...files]);
    return new Promise(() => undefined);
  }
  stopPlay(): void {}
  setDirection(): void {}
}

class FakeMedia {
  bridges: [string, string][] = [];
  unbridged: string[] = [];
  mixes: string[][] = [];
  bridge(a: MediaEndpoint, b: MediaEndpoint): void {
    this.bridges.push([a.id, b.id]);
  }
  unbridge(e: MediaEndpoint): void {
    this.unbridged.push(e.id);
  }
  mix(eps: readonly MediaEndpoint[]): MediaMix {
    const members = eps.map((e) => e.id);
    this.mixes.push(members);
    return {
      add: (e) => void members.push(e.id),
      remove: (e) => void members.splice(members.indexOf(e.id), 1),
      members: [],
    };
  }
}

function leg(role: LegRole, party: string): { leg: Leg; session: FakeSession; endpoint: FakeEndpoint } {
  const session = new FakeSession();
  const endpoint = new FakeEndpoint(`${role}-${party}`);
  const l = new Leg(role, session as unknown as Session, endpoint as unknown as MediaEndpoint, party);
  l.transition('answered', 'answered');
  return { leg: l, session, endpoint };
}

function call(): { call: Call; caller: ReturnType<typeof leg>; media: FakeMedia } {
  const media = new FakeMedia();
  const caller = leg('caller', '+15550100');
  const c = new Call(caller.leg, { media: media as unknown as MediaServer, holdMusic: ['moh.wav'], ringback: ['ring.wav'] });
  return { call: c, caller, media };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('Leg state machine', () => {
  it('a leg that is ringing cannot be held; answered ⇄ held; ended is final', () => {
    const session = new FakeSession();
    const l = new Leg('agent', session as unknown as Session, undefined, '1001');
    const seen: string[] = [];
    l.on('state', (to, from) => seen.push(`${from}->${to}`));
    expect(l.transition('ringing', 'ringing')).toBe(true);
    expect(l.transition('held', 'hold')).toBe(false);
    expect(l.transition('answered', 'answered')).toBe(true);
    expect(l.transition('held', 'hold')).toBe(true);
    expect(l.transition('answered', 'retrieve')).toBe(true);
    expect(l.transition('ended', 'bye')).toBe(true);
    expect(l.transition('answered', 'again')).toBe(false);
    expect(seen).toEqual(['trying->ringing', 'ringing->answered', 'answered->held', 'held->answered', 'answered->ended']);
  });

  it('ending a leg twice (and through its own session event) hangs up once, closes media once, keeps the first cause', async () => {
    const { leg: l, session, endpoint } = leg('agent', '1001');
    const a = l.end('transferred');
    const b = l.end('hangup-local');
    await Promise.all([a, b]);
    expect(session.terminations).toBe(1);
    expect(endpoint.closes).toBe(1);
    expect(l.endCause).toBe('transferred');
    expect(l.state).toBe('ended');
  });

  it('the remote hangs up → leg ends with hangup-remote', async () => {
    const { leg: l, session } = leg('caller', '+1555');
    session.hangUpRemotely();
    await tick();
    expect(l.endCause).toBe('hangup-remote');
    expect(l.state).toBe('ended');
  });

  it('SIP statuses map to the reasons the ACD and CDRs use', () => {
    expect([486, 600, 603, 480, 404, 408, 487, 500, undefined].map(causeFromStatus)).toEqual([
      'busy', 'busy', 'declined', 'unavailable', 'unavailable', 'no-answer', 'cancelled', 'failed', 'failed',
    ]);
  });

  it('INFO DTMF bodies: dtmf-relay Signal=, plain dtmf, 10/11 as * and #, garbage refused', () => {
    expect(parseInfoDtmf('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n')).toBe('5');
    expect(parseInfoDtmf('application/dtmf-relay', 'Signal= #\r\n')).toBe('#');
    expect(parseInfoDtmf('application/dtmf', '7')).toBe('7');
    expect(parseInfoDtmf('application/dtmf', '10')).toBe('*');
    expect(parseInfoDtmf('application/dtmf-relay', 'Signal=11')).toBe('#');
    expect(parseInfoDtmf('application/dtmf-relay', 'Signal=Z')).toBeUndefined();
    expect(parseInfoDtmf('text/plain', '5')).toBeUndefined();
  });
});

describe('Call', () => {
  it('ending a call twice ends every leg once and emits ended once', async () => {
    const { call: c, caller, media } = call();
    const agent = leg('agent', '1001');
    c.addLeg(agent.leg);
    c.transition('offering', 'ring');
    c.connect(agent.leg);
    expect(media.bridges).toEqual([['caller-+15550100', 'agent-1001']]);
    let ended = 0;
    c.on('ended', () => ended++);
    await Promise.all([c.end('server-hangup'), c.end('failed')]);
    expect(ended).toBe(1);
    expect(c.endCause).toBe('server-hangup');
    expect(caller.session.terminations).toBe(1);
    expect(agent.session.terminations).toBe(1);
    expect(caller.endpoint.closes + agent.endpoint.closes).toBe(2);
  });

  it('the caller hangs up → call ends caller-hangup and the agent is hung up', async () => {
    const { call: c, caller } = call();
    const agent = leg('agent', '1001');
    c.addLeg(agent.leg);
    c.connect(agent.leg);
    caller.session.hangUpRemotely();
    await tick();
    await tick();
    expect(c.state).toBe('ended');
    expect(c.endCause).toBe('caller-hangup');
    expect(agent.session.terminations).toBe(1);
  });

  it('hold plays music to the caller, unbridged; retrieve bridges again', () => {
    const { call: c, caller, media } = call();
    const agent = leg('agent', '1001');
    c.addLeg(agent.leg);
    c.connect(agent.leg);
    expect(c.hold()).toBe(true);
    expect(c.state).toBe('held');
    expect(media.unbridged).toContain('caller-+15550100');
    expect(caller.endpoint.plays).toEqual([['moh.wav']]);
    expect(c.hold()).toBe(false);
    expect(c.retrieve()).toBe(true);
    expect(c.state).toBe('connected');
    expect(media.bridges).toHaveLength(2);
  });

  it('the agent hangs up while consulting → the transfer completes to the consult party', async () => {
    const { call: c } = call();
    const agent = leg('agent', '1001');
    const consult = leg('consult', '1003');
    c.addLeg(agent.leg);
    c.connect(agent.leg);
    c.startConsult(consult.leg);
    expect(c.state).toBe('consulting');
    const transfers: string[] = [];
    c.on('transferred', (kind, from, to) => transfers.push(`${kind}:${from?.party}->${to.party}`));
    agent.session.hangUpRemotely();
    await tick();
    expect(transfers).toEqual(['attended:1001->1003']);
    expect(c.state).toBe('connected');
    expect(c.agentLeg?.party).toBe('1003');
  });

  it('a conference needs three live parties; the agent leaving leaves caller and consult party talking', async () => {
    const { call: c, media } = call();
    const agent = leg('agent', '1001');
    expect(c.conference()).toBe(false);
    c.addLeg(agent.leg);
    c.connect(agent.leg);
    const consult = leg('consult', '1003');
    c.startConsult(consult.leg);
    expect(c.conference()).toBe(true);
    expect(media.mixes[0]).toEqual(['agent-1001', 'consult-1003', 'caller-+15550100']);
    agent.session.hangUpRemotely();
    await tick();
    expect(c.state).toBe('connected');
    expect(c.agentLeg?.party).toBe('1003');
  });

  it('a call cannot go back to ivr once connected, and nothing follows ended', async () => {
    const { call: c } = call();
    const agent = leg('agent', '1001');
    c.addLeg(agent.leg);
    c.connect(agent.leg);
    expect(c.transition('ivr', 'x')).toBe(false);
    await c.end('server-hangup');
    expect(c.transition('connected', 'x')).toBe(false);
    expect(c.isEnded()).toBe(true);
  });

  it('a blind transfer from hold: the agent leaves (their hang-up no longer ends the call), the caller hears ringback, state offering', async () => {
    const { call: c, caller } = call();
    const agent = leg('agent', '1001');
    c.addLeg(agent.leg);
    c.connect(agent.leg);
    c.hold();
    const detached = c.detachAgentForBlindTransfer();
    expect(detached).toBe(agent.leg);
    expect(c.state).toBe('offering');
    expect(caller.endpoint.plays.at(-1)).toEqual(['ring.wav']);
    agent.session.hangUpRemotely();
    await tick();
    expect(c.isEnded()).toBe(false);
  });

  it('hold then retrieve keeps a listening supervisor in the call; a new agent (transfer) drops it', async () => {
    const { call: c, media } = call();
    const agent = leg('agent', '1001');
    c.addLeg(agent.leg);
    c.connect(agent.leg);
    const sup = leg('supervisor', '1004');
    expect(c.supervise(sup.leg, 'listen')).toBe(true);
    c.hold();
    c.retrieve();
    expect(sup.leg.state).toBe('answered');
    expect(media.mixes.at(-1)).toEqual(['caller-+15550100', 'agent-1001', 'supervisor-1004']);
    const other = leg('agent', '1003');
    c.addLeg(other.leg);
    c.connect(other.leg);
    await tick();
    expect(sup.session.terminations).toBe(1);
  });
});
