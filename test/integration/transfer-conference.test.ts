/**
 * Transfers and the three-way conference with real peers: a sipp caller dials
 * the hotline, presses a digit and is bridged to agent 1001 (the first agent
 * with a registration); then 1001 blind-transfers by REFER from the handset, or
 * the server consults 1003 for 1001 and completes the transfer or conferences
 * all three. Every phone is a sipp that answers and talks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';
import { runSipp, sippAvailable, type SippOptions, type SippRun } from '../support/sipp.js';
import { freePort } from '../support/ports.js';
import { writeSpeechPcap } from '../support/pcap.js';
import type { Call, CallState, TransferKind } from '../../src/calls/call.js';
import type { Leg } from '../../src/calls/leg.js';

const PCAPS = '/usr/share/sip-tester';
const skip = !sippAvailable() || !existsSync(`${PCAPS}/g711a.pcap`);
if (skip) console.warn('skipping transfer/conference tests: sipp or its pcaps missing (apt-get install sip-tester)');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip)('transfer and conference with real peers', () => {
  let t: TestServer;
  let speech: string;
  const sipp = async (o: Omit<SippOptions, 'target'>): Promise<SippRun> =>
    runSipp({ target: `127.0.0.1:${t.sipPort}`, ...o, extra: ['-mp', String(await freePort()), ...(o.extra ?? [])] });
  const expectOk = (name: string, run: SippRun): void => {
    if (run.code !== 0) console.error(name, run.errors || run.stderr || run.stdout, process.env.SIPP_TRACE === undefined ? '' : run.messages);
    expect(run.code, `${name} sipp exit code`).toBe(0);
  };

  /** Register an agent's phone from a fresh port and return the port (its UAS runs there next). */
  const register = async (agent: string): Promise<number> => {
    const port = await freePort();
    expectOk(`register ${agent}`, await sipp({ scenario: 'register.xml', service: agent, auth: { username: agent, password: t.agentPassword(agent) }, localPort: port }));
    return port;
  };

  /** The next call the server takes, with every state it goes through. */
  const nextCall = (): Promise<{ call: Call; states: CallState[] }> =>
    new Promise((resolve) => {
      t.server.calls.once('call', (call) => {
        const states: CallState[] = [call.state];
        call.on('state', (to) => states.push(to));
        resolve({ call, states });
      });
    });

  const waitState = (call: Call, state: CallState, timeoutMs = 10_000): Promise<void> =>
    new Promise((resolve, reject) => {
      if (call.state === state) return resolve();
      const timer = setTimeout(() => reject(new Error(`call never reached ${state} (is ${call.state})`)), timeoutMs);
      const on = (to: CallState): void => {
        if (to !== state) return;
        clearTimeout(timer);
        call.off('state', on);
        resolve();
      };
      call.on('state', on);
    });

  const runCaller = async (): Promise<SippRun> =>
    sipp({
      scenario: 'caller-hotline.xml',
      service: '100',
      localPort: await freePort(),
      timeoutSec: 40,
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_1.pcap`, audio_pcap: speech },
    });

  const endpointsDrained = async (): Promise<number> => {
    for (let i = 0; i < 20 && t.server.media.endpointCount !== 0; i++) await sleep(100);
    return t.server.media.endpointCount;
  };

  beforeAll(async () => {
    t = await startTestServer({ digitTimeoutMs: 2000 });
    speech = join(t.dataDir, 'speech-20ms.pcap');
    writeSpeechPcap(speech, join(t.dataDir, 'speech.wav'), 'Hello, I am calling about my account. My number is one two three four five six. I would like to check my balance and ask about the last invoice I received.');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('agent 1001 blind-transfers by REFER to 1003 → caller bridged to 1003, 1001 gets NOTIFY and BYE, `transferred` event (blind)', async () => {
    const [port1001, port1003] = [await register('1001'), await register('1003')];
    const next = nextCall();
    const transfers: { kind: TransferKind; from: Leg | undefined; to: Leg }[] = [];
    void next.then(({ call }) => call.on('transferred', (kind, from, to) => transfers.push({ kind, from, to })));

    const phone1001 = sipp({ scenario: 'agent-phone-refer.xml', service: '1001', localPort: port1001, timeoutSec: 40, keys: { audio_pcap: speech, refer_target: '1003' } });
    const phone1003 = sipp({ scenario: 'agent-phone-talk.xml', service: '1003', localPort: port1003, timeoutSec: 40, keys: { audio_pcap: speech } });
    await sleep(300);
    const caller = runCaller();
    const { call, states } = await next;

    expectOk('caller', await caller);
    expectOk('phone 1001 (REFER)', await phone1001);
    expectOk('phone 1003', await phone1003);

    expect(transfers).toHaveLength(1);
    expect(transfers[0]!.kind).toBe('blind');
    expect(transfers[0]!.from).toBeUndefined();
    expect(transfers[0]!.to.party).toBe('1003');
    expect(call.agentLeg?.party).toBe('1003');
    // connected to 1001, re-offered on the REFER, connected to 1003, ended by the caller
    expect(states).toEqual(['ivr', 'offering', 'connected', 'offering', 'connected', 'ended']);
    expect(call.endCause).toBe('caller-hangup');
    const leg1001 = call.legs.find((l) => l.party === '1001');
    expect(leg1001?.endCause).toBe('transferred');
    expect(await endpointsDrained()).toBe(0);
  }, 60_000);

  it('attended transfer: 1001 consults 1003 (server-initiated), completes → caller talks to 1003, 1001 hung up', async () => {
    const [port1001, port1003] = [await register('1001'), await register('1003')];
    const next = nextCall();
    const phone1001 = sipp({ scenario: 'agent-phone-talk.xml', service: '1001', localPort: port1001, timeoutSec: 40, keys: { audio_pcap: speech } });
    const phone1003 = sipp({ scenario: 'agent-phone-talk.xml', service: '1003', localPort: port1003, timeoutSec: 40, keys: { audio_pcap: speech } });
    await sleep(300);
    const caller = runCaller();
    const { call } = await next;
    const transfers: { kind: TransferKind; from: Leg | undefined; to: Leg }[] = [];
    call.on('transferred', (kind, from, to) => transfers.push({ kind, from, to }));

    await waitState(call, 'connected');
    expect(call.agentLeg?.party).toBe('1001');
    expect(await t.server.calls.consult(call, '1003')).toBe(true);
    expect(call.state).toBe('consulting');
    expect(call.consultLeg?.party).toBe('1003');

    expect(await call.completeTransfer()).toBe(true);
    expect(call.state).toBe('connected');
    expect(call.agentLeg?.party).toBe('1003');
    expect(transfers).toHaveLength(1);
    expect(transfers[0]!.kind).toBe('attended');
    expect(transfers[0]!.from?.party).toBe('1001');
    expect(transfers[0]!.to.party).toBe('1003');

    // 1001's phone got its BYE right away (its scenario ends on BYE)
    expectOk('phone 1001', await phone1001);
    expect(call.isEnded()).toBe(false);
    expectOk('caller', await caller);
    expectOk('phone 1003', await phone1003);
    expect(call.endCause).toBe('caller-hangup');
    expect(await endpointsDrained()).toBe(0);
  }, 60_000);

  it('three-way conference: caller, 1001 and 1003 all mixed; caller hangs up → every phone gets BYE', async () => {
    const [port1001, port1003] = [await register('1001'), await register('1003')];
    const next = nextCall();
    const phone1001 = sipp({ scenario: 'agent-phone-talk.xml', service: '1001', localPort: port1001, timeoutSec: 40, keys: { audio_pcap: speech } });
    const phone1003 = sipp({ scenario: 'agent-phone-talk.xml', service: '1003', localPort: port1003, timeoutSec: 40, keys: { audio_pcap: speech } });
    await sleep(300);
    const caller = runCaller();
    const { call, states } = await next;
    const conferenced: (readonly Leg[])[] = [];
    call.on('conferenced', (legs) => conferenced.push(legs));

    await waitState(call, 'connected');
    expect(await t.server.calls.consult(call, '1003')).toBe(true);
    expect(call.state).toBe('consulting');
    expect(call.conference()).toBe(true);
    expect(call.state).toBe('conference');
    expect(conferenced).toHaveLength(1);
    expect(conferenced[0]!.map((l) => l.party).sort()).toEqual([call.caller.party, '1001', '1003'].sort());

    expectOk('caller', await caller);
    expectOk('phone 1001', await phone1001);
    expectOk('phone 1003', await phone1003);
    expect(states.slice(-3)).toEqual(['consulting', 'conference', 'ended']);
    expect(call.endCause).toBe('caller-hangup');
    expect(call.legs.every((l) => l.state === 'ended')).toBe(true);
    expect(await endpointsDrained()).toBe(0);
  }, 60_000);

  it('supervisor 1002 listens in: joins the caller+agent mix and is sent its audio; caller hangs up → supervisor gets BYE', async () => {
    const [port1001, port1002] = [await register('1001'), await register('1002')];
    const next = nextCall();
    const phone1001 = sipp({ scenario: 'agent-phone-talk.xml', service: '1001', localPort: port1001, timeoutSec: 40, keys: { audio_pcap: speech } });
    const phone1002 = sipp({ scenario: 'agent-phone-talk.xml', service: '1002', localPort: port1002, timeoutSec: 40, keys: { audio_pcap: speech } });
    await sleep(300);
    const caller = runCaller();
    const { call } = await next;
    const supStats: number[] = [];
    call.on('leg.added', (leg) => {
      if (leg.role === 'supervisor') leg.endpoint?.on('closed', (_r, st) => supStats.push(st.packetsOut));
    });
    await waitState(call, 'connected');
    expect(await t.server.calls.supervise(call, '1002', 'listen')).toBe(true);
    expect(call.state).toBe('connected');
    expect([...call.supervisors].map((l) => l.party)).toEqual(['1002']);

    expectOk('caller', await caller);
    expectOk('phone 1001', await phone1001);
    expectOk('supervisor 1002', await phone1002);
    // the supervisor's endpoint was sent the caller+agent mix for the rest of the call
    expect(supStats).toHaveLength(1);
    expect(supStats[0]).toBeGreaterThan(50);
    expect(await endpointsDrained()).toBe(0);
  }, 60_000);

  it('server-initiated blind transfer of the caller from 1001 to 1003 → 1001 released at once, caller rings then talks to 1003', async () => {
    const [port1001, port1003] = [await register('1001'), await register('1003')];
    const next = nextCall();
    const phone1001 = sipp({ scenario: 'agent-phone-talk.xml', service: '1001', localPort: port1001, timeoutSec: 40, keys: { audio_pcap: speech } });
    const phone1003 = sipp({ scenario: 'agent-phone-talk.xml', service: '1003', localPort: port1003, timeoutSec: 40, keys: { audio_pcap: speech } });
    await sleep(300);
    const caller = runCaller();
    const { call, states } = await next;
    await waitState(call, 'connected');
    const leg1001 = call.agentLeg;
    expect(leg1001?.party).toBe('1001');
    expect(await t.server.calls.blindTransfer(call, '1003')).toBe(true);
    expect(leg1001?.endCause).toBe('transferred');
    expect(call.agentLeg?.party).toBe('1003');
    expectOk('phone 1001', await phone1001);
    expectOk('caller', await caller);
    expectOk('phone 1003', await phone1003);
    expect(states).toEqual(['ivr', 'offering', 'connected', 'offering', 'connected', 'ended']);
    expect(await endpointsDrained()).toBe(0);
  }, 60_000);

  it('the agent hangs up first → the caller gets BYE, call ends agent-hangup, recording stored', async () => {
    const port1001 = await register('1001');
    const next = nextCall();
    const phone = sipp({ scenario: 'agent-phone-hangup.xml', service: '1001', localPort: port1001, timeoutSec: 40, keys: { audio_pcap: speech } });
    await sleep(300);
    const caller = sipp({ scenario: 'caller-hung-up-by-server.xml', service: '100', localPort: await freePort(), timeoutSec: 40 });
    const { call } = await next;
    expectOk('phone 1001', await phone);
    expectOk('caller', await caller);
    expect(call.endCause).toBe('agent-hangup');
    await t.server.recorder.flush();
    expect(await t.server.recordings.findByCall(call.id)).toHaveLength(1);
    expect(await endpointsDrained()).toBe(0);
  }, 60_000);

  it('server holds the agent leg (re-INVITE a=sendonly → recvonly) while the caller is held; retrieve re-INVITEs a=sendrecv and reconnects', async () => {
    const port1001 = await register('1001');
    const next = nextCall();
    const phone = sipp({ scenario: 'agent-phone-held-by-server.xml', service: '1001', localPort: port1001, timeoutSec: 40, keys: { audio_pcap: speech } });
    await sleep(300);
    const caller = runCaller();
    const { call } = await next;
    await waitState(call, 'connected');
    const agent = call.agentLeg!;
    expect(call.hold('cti-hold')).toBe(true);
    expect(await agent.hold()).toBe(true);
    expect(agent.state).toBe('held');
    expect(call.caller.state).toBe('held');
    await sleep(800);
    expect(await agent.retrieve()).toBe(true);
    expect(call.retrieve('cti-retrieve')).toBe(true);
    expect(agent.state).toBe('answered');
    expect(call.state).toBe('connected');
    expectOk('caller', await caller);
    expectOk('phone 1001', await phone);
    expect(await endpointsDrained()).toBe(0);
  }, 60_000);

  it('REFER to a number nobody can route (not an agent, no trunk) → 404, the call stays with 1001 until the caller hangs up', async () => {
    const port1001 = await register('1001');
    const next = nextCall();
    const phone = sipp({ scenario: 'agent-phone-refer-refused.xml', service: '1001', localPort: port1001, timeoutSec: 40, keys: { audio_pcap: speech, refer_target: '7777' } });
    await sleep(300);
    const caller = runCaller();
    const { call, states } = await next;
    expectOk('caller', await caller);
    expectOk('phone 1001', await phone);
    expect(states).toEqual(['ivr', 'offering', 'connected', 'ended']);
    expect(call.endCause).toBe('caller-hangup');
    expect(await endpointsDrained()).toBe(0);
  }, 60_000);
});
