/**
 * The ACD wired to real calls: sipp callers on the hotline choose a queue by
 * digit, sipp agent phones register (autoLogin logs them in), the ACD rings
 * them, and the journal and agent states are checked after each scenario.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';
import { runSipp, sippAvailable, type SippOptions, type SippRun } from '../support/sipp.js';
import { freePort, mediaPorts } from '../support/ports.js';
import { writeSpeechPcap } from '../support/pcap.js';
import type { Call } from '../../src/calls/call.js';
import type { AgentState, JournalEvent } from '../../src/acd/types.js';
import type { Config } from '../../src/config/schema.js';
import WebSocket from 'ws';
import { parseDatagram, SipRequest, SipResponse, type SipMessage } from '../../src/sip/message/index.js';
import { digestAuthorization } from '../../src/sip/ua/client-auth.js';

/** A browser-like phone: SIP over WebSocket, registered with digest auth; resolves once registered. */
async function wsPhone(url: string, agent: string, password: string): Promise<{ ws: WebSocket; invited: Promise<SipRequest> }> {
  const ws = await new Promise<WebSocket>((resolve, reject) => {
    const sock = new WebSocket(url, 'sip');
    sock.once('open', () => resolve(sock));
    sock.once('error', reject);
  });
  const host = '127.0.0.1';
  let cseq = 0;
  const register = (auth?: string): string =>
    [
      `REGISTER sip:${host} SIP/2.0`,
      `Via: SIP/2.0/WS tab.invalid;branch=z9hG4bKtab${Date.now()}${++cseq};rport`,
      'Max-Forwards: 70',
      `To: <sip:${agent}@${host}>`,
      `From: <sip:${agent}@${host}>;tag=tab${cseq}`,
      `Call-ID: tab-${agent}-${Date.now()}`,
      `CSeq: ${cseq} REGISTER`,
      `Contact: <sip:${agent}@tab.invalid;transport=ws>`,
      'Expires: 300',
      ...(auth === undefined ? [] : [`Authorization: ${auth}`]),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  const messages: SipMessage[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data: Buffer) => {
    const out = parseDatagram(Buffer.from(data));
    if (out.kind === 'message') messages.push(out.message);
    for (const w of waiters.splice(0)) w();
  });
  const next = async <T extends SipMessage>(pick: (m: SipMessage) => m is T): Promise<T> => {
    for (;;) {
      const i = messages.findIndex(pick);
      if (i >= 0) return messages.splice(i, 1)[0] as T;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const isResponse = (m: SipMessage): m is SipResponse => m instanceof SipResponse;
  ws.send(register());
  const challenge = await next(isResponse);
  ws.send(register(digestAuthorization(challenge.get('www-authenticate') ?? '', { username: agent, password, method: 'REGISTER', uri: `sip:${host}` })));
  const ok = await next(isResponse);
  if (ok.status !== 200) throw new Error(`ws register: ${ok.status}`);
  const invited = next((m): m is SipRequest => m instanceof SipRequest && m.method === 'INVITE');
  return { ws, invited };
}

const PCAPS = '/usr/share/sip-tester';
const skip = !sippAvailable() || !existsSync(`${PCAPS}/dtmf_2833_1.pcap`) || !existsSync('/usr/bin/rtpengine');
if (skip) console.warn('skipping ACD call tests: sipp, its pcaps or rtpengine missing (apt-get install sip-tester rtpengine-daemon)');

function configureAcd(config: Config): void {
  const skills: Record<string, Record<string, number>> = { '1001': { sales: 5 }, '1002': { support: 5 }, '1003': { sales: 3, support: 2 } };
  for (const a of config.agents) {
    a.skills = skills[a.id] ?? {};
    a.autoLogin = true;
  }
  const base = {
    strategy: 'longest-idle' as const,
    priority: 0,
    maxWaitSeconds: 120,
    maxLength: 0,
    serviceLevelSeconds: 20,
    ringTimeoutSeconds: 5,
    announcements: { music: 'hold-music', positionEverySeconds: 30, estimatedWait: true },
    escalation: [],
  };
  config.queues = [
    { ...base, id: 'sales', name: 'Sales', requirement: { allOf: [{ skill: 'sales', min: 1 }], anyOf: [] }, overflow: {} },
    {
      ...base,
      id: 'support',
      name: 'Support',
      requirement: { allOf: [{ skill: 'support', min: 1 }], anyOf: [] },
      overflow: { onNoAgents: { type: 'voicemail', mailbox: 'support' } },
    },
  ];
  // nobody has the billing skill: callers wait there (no onNoAgents), hear a periodic prompt at 5 s, and the 6 s max wait sends them to support
  config.queues.push({
    ...base,
    id: 'billing',
    name: 'Billing',
    maxWaitSeconds: 6,
    requirement: { allOf: [{ skill: 'billing', min: 1 }], anyOf: [] },
    announcements: { music: 'hold-music', positionEverySeconds: 0, estimatedWait: false, periodic: { prompt: 'connecting', everySeconds: 5 } },
    overflow: { onMaxWait: { type: 'queue', queue: 'support' } },
  });
  config.acd = { ...config.acd, defaultWrapUpSeconds: 2, missesBeforePause: 3, hotlineMenu: { '1': 'sales', '2': 'support', '3': 'billing' }, hotlineDefaultQueue: 'support' };
}

describe.skipIf(skip)('ACD with real calls (sipp callers and agent phones)', () => {
  let t: TestServer;
  let speech: string;

  const sipp = async (o: Omit<SippOptions, 'target'>): Promise<SippRun> =>
    runSipp({ target: `127.0.0.1:${t.sipPort}`, ...o, extra: ['-mp', String(await freePort()), ...(o.extra ?? [])] });
  const expectOk = (run: SippRun, who: string): void => {
    if (run.code !== 0) console.error(who, run.errors || run.stderr || run.stdout);
    expect(run.code, `${who} sipp exit code`).toBe(0);
  };

  /** Registers an agent phone from a fresh port (its UAS scenario runs on that port next). */
  const registerPhone = async (agentId: string): Promise<number> => {
    const port = await freePort();
    expectOk(await sipp({ scenario: 'register.xml', service: agentId, auth: { username: agentId, password: t.agentPassword(agentId) }, localPort: port }), `register ${agentId}`);
    return port;
  };

  /** Registers phones in this order (so the first is the longest idle) and waits until each agent is available. */
  const loginInOrder = async (...agentIds: string[]): Promise<number[]> => {
    const ports: number[] = [];
    for (const id of agentIds) {
      ports.push(await registerPhone(id));
      await waitFor(`${id} available`, () => state(id) === 'available');
      await new Promise((r) => setTimeout(r, 50));
    }
    return ports;
  };

  /** A hotline caller pressing `digit`, staying `stayMs` after it (queued, rung through, talking), then hanging up. */
  const caller = async (digit: string, stayMs: number, audio = speech): Promise<SippRun> => {
    await new Promise((r) => setTimeout(r, 300)); // the agents' phones are listening
    return sipp({
      scenario: 'acd-caller.xml',
      service: '100',
      localPort: await freePort(),
      timeoutSec: Math.ceil(stayMs / 1000) + 25,
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_${digit}.pcap`, audio_pcap: audio },
      extra: ['-d', String(stayMs)],
    });
  };

  const waitFor = async (what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> => {
    const until = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const state = (agentId: string): AgentState | undefined => t.server.acd.agent(agentId)?.state;
  const journal = async (): Promise<JournalEvent[]> => t.server.acd.store.journal();
  const eventsOf = (j: JournalEvent[], callId: string): string[] => j.filter((e) => e.callId === callId).map((e) => e.event);

  /** The next call: its id and the prompt files played to the caller. */
  const nextCall = (): Promise<{ call: Call; played: string[]; ended: Promise<void> }> =>
    new Promise((resolve) => {
      const onCall = (call: Call): void => {
        t.server.calls.off('call', onCall);
        const played: string[] = [];
        const ended = new Promise<void>((r) => call.once('ended', () => r()));
        const watch = (): void => {
          const ep = call.caller.endpoint;
          if (ep === undefined) return void setTimeout(watch, 10);
          const play = ep.play.bind(ep);
          ep.play = (files, opts) => {
            played.push(...files.map((f) => f.split('/').pop() ?? f));
            return play(files, opts);
          };
        };
        watch();
        resolve({ call, played, ended });
      };
      t.server.calls.on('call', onCall);
    });

  beforeAll(async () => {
    // rtpengine for the browser-tab agent (a WebSocket contact is rung through the WebRTC edge)
    const ngPort = await freePort();
    const { min, max } = mediaPorts().rtpengine;
    t = await startTestServer({
      digitTimeoutMs: 3000,
      acdTickMs: 200,
      configure: (c) => {
        configureAcd(c);
        c.media.rtpengine = { enabled: true, spawn: true, ng: `127.0.0.1:${ngPort}`, interface: '127.0.0.1', portMin: min, portMax: max };
      },
    });
    speech = join(t.dataDir, 'speech.pcap');
    writeSpeechPcap(speech, join(t.dataDir, 'speech.wav'), 'Hello, I would like to buy the premium plan for my team, please.');
  });
  afterAll(async () => {
    await t?.stop();
  });
  beforeEach(async () => {
    // no phone from an earlier test, every agent logged out
    const stale = await t.server.redis.keys(`${t.prefix}reg:*`);
    if (stale.length > 0) await t.server.redis.del(...stale);
    for (const id of ['1001', '1002', '1003']) await t.server.acd.logout(id, 'test-reset').catch(() => undefined);
    await waitFor('agents logged out', () => ['1001', '1002', '1003'].every((id) => (state(id) ?? 'logged-out') === 'logged-out'));
  });

  it('agent 1001 registers → logged in (autoLogin), takes a break; caller presses 1 → queued in sales and told "caller number 1"; 1001 ready → rung, answers, talks; caller hangs up → COMPLETECALLER, 1001 wraps up 2 s then is available', async () => {
    const phonePort = await registerPhone('1001');
    await waitFor('1001 available', () => state('1001') === 'available');
    const states: AgentState[] = [];
    const onAgent = (c: { agentId: string; to: AgentState }): void => void (c.agentId === '1001' && states.push(c.to));
    await waitFor('login event seen', () => (t.server.acd.agent('1001')?.version ?? 0) > 0);
    await new Promise((r) => setTimeout(r, 100));
    t.server.acd.on('agent', onAgent);
    await t.server.acd.pause('1001', 'break');
    const next = nextCall();
    const phone = sipp({ scenario: 'agent-phone-talk.xml', service: '1001', localPort: phonePort, timeoutSec: 30, keys: { audio_pcap: speech } });
    const calling = caller('1', 10_000);
    const { call, played, ended } = await next;
    await waitFor('caller queued', () => t.server.acd.position(call.id) === 1, 8000);
    const auth = { authorization: `Bearer ${await t.token('crm')}` };
    const stats = (await (await fetch(`http://127.0.0.1:${t.httpPort}/v1/queues`, { headers: auth })).json()) as { queues: { queue: string; waiting: number; agents: Record<string, number> }[] };
    const sales = stats.queues.find((q) => q.queue === 'sales');
    expect(sales).toMatchObject({ waiting: 1 });
    expect(sales?.agents.paused).toBe(1);
    const waiting = (await (await fetch(`http://127.0.0.1:${t.httpPort}/v1/queues/sales/calls`, { headers: auth })).json()) as { calls: { callId: string; position: number }[] };
    expect(waiting.calls).toMatchObject([{ callId: call.id, position: 1 }]);
    await waitFor('position announced, then music again', () => played.lastIndexOf('hold-music.wav') > played.indexOf('queue-in-line.wav') && played.includes('queue-in-line.wav'), 10_000);
    await t.server.acd.ready('1001');
    expectOk(await calling, 'caller');
    expectOk(await phone, 'agent phone');
    await ended;
    expect(call.connectedAt).toBeDefined();
    expect(call.variables.get('queue')).toBe('sales');
    await waitFor('1001 available after wrap-up', () => state('1001') === 'available', 6000);
    t.server.acd.off('agent', onAgent);
    expect(states).toEqual(['paused', 'available', 'reserved', 'ringing', 'on-call', 'wrap-up', 'available']);
    expect(eventsOf(await journal(), call.id)).toEqual(['ENTERQUEUE', 'CONNECT', 'COMPLETECALLER']);
    // "You are caller number 1 in line." between music; no wait estimate while nobody is staffed (1001 paused)
    const i = played.indexOf('queue-position.wav');
    expect(played.slice(i - 1, i + 4)).toEqual(['hold-music.wav', 'queue-position.wav', 'n-1.wav', 'queue-in-line.wav', 'hold-music.wav']);
    // the dialog kept for crash recovery went with the call
    expect(await t.server.redis.keys(`${t.prefix}acd:dialog:*`)).toEqual([]);

    // its record, built by the records worker (every 2 s) from the same journals, wrap-up included
    type CdrRow = { disposition: string; dialed_number: string; queue: string; agent_id: string; wait_ms: string; talk_ms: string; wrap_ms: string; recording_ids: string[]; ivr_path: string[] };
    let cdr: CdrRow | undefined;
    await waitFor('CDR with its wrap-up', async () => {
      cdr = (await t.server.db()?.query<CdrRow>('SELECT * FROM cdrs WHERE call_id = $1 AND wrap_ms > 0', [call.id]))?.rows[0];
      return cdr !== undefined;
    }, 15_000);
    expect(cdr).toMatchObject({ disposition: 'answered', dialed_number: '100', queue: 'sales', agent_id: '1001' });
    expect(Number(cdr!.wait_ms)).toBeGreaterThan(1000);
    expect(Number(cdr!.talk_ms)).toBeGreaterThan(1000);
    expect(Number(cdr!.wrap_ms)).toBeGreaterThanOrEqual(1500);
    expect(Number(cdr!.wrap_ms)).toBeLessThan(4000);
    expect(cdr!.recording_ids.sort()).toEqual((await t.server.recordings.findByCall(call.id)).map((r) => r.id).sort());
    const legs = await t.server.db()!.query<{ role: string; party: string }>('SELECT role, party FROM cdr_legs WHERE call_id = $1 ORDER BY role', [call.id]);
    expect(legs.rows.map((l) => `${l.role}:${l.party}`)).toEqual(['agent:1001', expect.stringMatching(/^caller:/) as unknown as string]);
  }, 50_000);

  it('1001 never answers → ring timeout: RINGNOANSWER, the caller keeps its place and 1003 (next longest idle) gets the call', async () => {
    const [port1001, port1003] = await loginInOrder('1001', '1003');
    const next = nextCall();
    const rings = sipp({ scenario: 'agent-phone-ring.xml', service: '1001', localPort: port1001, timeoutSec: 30 });
    const talks = sipp({ scenario: 'agent-phone-talk.xml', service: '1003', localPort: port1003, timeoutSec: 40, keys: { audio_pcap: speech } });
    expectOk(await caller('1', 12_000), 'caller');
    expectOk(await rings, '1001 phone (CANCEL after the ring timeout)');
    expectOk(await talks, '1003 phone');
    const { call, ended } = await next;
    await ended;
    const j = await journal();
    expect(eventsOf(j, call.id)).toEqual(['ENTERQUEUE', 'RINGNOANSWER', 'CONNECT', 'COMPLETECALLER']);
    expect(j.find((e) => e.event === 'RINGNOANSWER' && e.callId === call.id)?.agentId).toBe('1001');
    expect(j.find((e) => e.event === 'CONNECT' && e.callId === call.id)?.agentId).toBe('1003');
    expect(t.server.acd.agent('1001')).toMatchObject({ state: 'available', misses: 1 });
  }, 50_000);

  it("1001's phone answers 486 Busy → RINGNOANSWER (rejected) and 1001 is left alone for the retry delay; 1003 gets the call at once", async () => {
    const [port1001, port1003] = await loginInOrder('1001', '1003');
    const next = nextCall();
    const busy = sipp({ scenario: 'edge-agent-phone-busy.xml', service: '1001', localPort: port1001, timeoutSec: 20 });
    const talks = sipp({ scenario: 'agent-phone-talk.xml', service: '1003', localPort: port1003, timeoutSec: 30, keys: { audio_pcap: speech } });
    expectOk(await caller('1', 5_000), 'caller');
    expectOk(await busy, '1001 phone (busy)');
    expectOk(await talks, '1003 phone');
    const { call, ended } = await next;
    await ended;
    const j = await journal();
    expect(eventsOf(j, call.id)).toEqual(['ENTERQUEUE', 'RINGNOANSWER', 'CONNECT', 'COMPLETECALLER']);
    expect(j.find((e) => e.event === 'RINGNOANSWER' && e.callId === call.id)).toMatchObject({ agentId: '1001', data: expect.objectContaining({ cause: 'rejected' }) as unknown });
    expect(j.find((e) => e.event === 'CONNECT' && e.callId === call.id)?.agentId).toBe('1003');
    expect(t.server.acd.agent('1001')).toMatchObject({ state: 'available', misses: 1 });
  }, 40_000);

  it("1002's browser tab closes while its phone rings (WebSocket gone) → 1002 logged out (autoLogin), the offer withdrawn without a miss, 1003 gets the caller", async () => {
    const tab = await wsPhone(`ws://127.0.0.1:${t.wsPort}`, '1002', t.agentPassword('1002'));
    await waitFor('1002 available', () => state('1002') === 'available');
    await new Promise((r) => setTimeout(r, 50));
    const [port1003] = await loginInOrder('1003');
    const next = nextCall();
    const talks = sipp({ scenario: 'agent-phone-talk.xml', service: '1003', localPort: port1003, timeoutSec: 30, keys: { audio_pcap: speech } });
    const calling = caller('2', 8_000);
    await tab.invited; // 1002 (longest idle) is rung first
    expect(state('1002')).toBe('ringing');
    tab.ws.terminate();
    expectOk(await calling, 'caller');
    expectOk(await talks, '1003 phone');
    const { call, ended } = await next;
    await ended;
    const j = await journal();
    expect(eventsOf(j, call.id)).toEqual(['ENTERQUEUE', 'CONNECT', 'COMPLETECALLER']);
    expect(j.find((e) => e.event === 'CONNECT' && e.callId === call.id)?.agentId).toBe('1003');
    expect(j.filter((e) => e.event === 'AGENTLOGOFF' && e.agentId === '1002').at(-1)?.data).toMatchObject({ reason: 'unregistered' });
    expect(t.server.acd.agent('1002')).toMatchObject({ state: 'logged-out', misses: 0 });
  }, 40_000);

  it('1001 answers and blind-transfers the caller to 1003 by REFER → TRANSFER logged, 1001 wraps up; 1003 is busy to the ACD (on-call-outbound) until that leg ends', async () => {
    const [port1001, port1003] = await loginInOrder('1001', '1003');
    const states1003: AgentState[] = [];
    const onAgent = (c: { agentId: string; to: AgentState }): void => void (c.agentId === '1003' && states1003.push(c.to));
    t.server.acd.on('agent', onAgent);
    const next = nextCall();
    const refers = sipp({ scenario: 'agent-phone-refer.xml', service: '1001', localPort: port1001, timeoutSec: 30, keys: { audio_pcap: speech, refer_target: '1003' } });
    const talks = sipp({ scenario: 'agent-phone-talk.xml', service: '1003', localPort: port1003, timeoutSec: 30, keys: { audio_pcap: speech } });
    expectOk(await caller('1', 8_000), 'caller');
    expectOk(await refers, '1001 phone (REFER)');
    expectOk(await talks, '1003 phone');
    const { call, ended } = await next;
    await ended;
    await waitFor('1003 back to available after its wrap-up', () => state('1003') === 'available', 6000);
    t.server.acd.off('agent', onAgent);
    const j = await journal();
    expect(eventsOf(j, call.id)).toEqual(['ENTERQUEUE', 'CONNECT', 'TRANSFER']);
    expect(j.find((e) => e.event === 'TRANSFER' && e.callId === call.id)).toMatchObject({ agentId: '1001', data: expect.objectContaining({ kind: 'blind', target: '1003' }) as unknown });
    expect(states1003).toEqual(['on-call-outbound', 'wrap-up', 'available']);
    expect(state('1001')).toBe('available');
  }, 40_000);

  it('billing has nobody: the caller hears its periodic prompt at 5 s, overflows to support after the 6 s max wait keeping its arrival time, and 1002 answers', async () => {
    const [port1002] = await loginInOrder('1002');
    await t.server.acd.pause('1002', 'break');
    const next = nextCall();
    const talks = sipp({ scenario: 'agent-phone-talk.xml', service: '1002', localPort: port1002, timeoutSec: 40, keys: { audio_pcap: speech } });
    const calling = caller('3', 16_000);
    const { call, played, ended } = await next;
    await waitFor('periodic prompt', () => played.includes('connecting.wav'), 10_000);
    await waitFor('moved to support', async () => (await t.server.acd.store.entry(call.id))?.queue === 'support', 10_000);
    await t.server.acd.ready('1002');
    expectOk(await calling, 'caller');
    expectOk(await talks, '1002 phone');
    await ended;
    const j = (await journal()).filter((e) => e.callId === call.id);
    expect(j.map((e) => [e.event, e.queue])).toEqual([
      ['ENTERQUEUE', 'billing'],
      ['OVERFLOW', 'billing'],
      ['ENTERQUEUE', 'support'],
      ['CONNECT', 'support'],
      ['COMPLETECALLER', 'support'],
    ]);
    expect(j[1]?.data).toMatchObject({ to: 'support', reason: 'max-wait' });
    // the wait counts from the first arrival: the 6 s in billing plus the time in support
    expect(Number(j.find((e) => e.event === 'CONNECT')?.data.holdtime)).toBeGreaterThanOrEqual(6);
  }, 45_000);

  it('caller abandons while 1001 rings → the phone gets CANCEL, 1001 back to available with no miss, ABANDON logged with its wait', async () => {
    const phonePort = await registerPhone('1001');
    await waitFor('1001 available', () => state('1001') === 'available');
    const next = nextCall();
    const phone = sipp({ scenario: 'agent-phone-ring.xml', service: '1001', localPort: phonePort, timeoutSec: 20 });
    await new Promise((r) => setTimeout(r, 300));
    const caller = await sipp({ scenario: 'edge-caller-hangup-ringing.xml', service: '100', localPort: await freePort(), keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_1.pcap` } });
    expectOk(caller, 'caller');
    const ring = await phone;
    expectOk(ring, 'agent phone');
    expect(ring.messages).toMatch(/CANCEL sip:/);
    const { call, ended } = await next;
    await ended;
    await waitFor('1001 available', () => state('1001') === 'available');
    expect(t.server.acd.agent('1001')?.misses).toBe(0);
    const j = await journal();
    expect(eventsOf(j, call.id)).toEqual(['ENTERQUEUE', 'ABANDON']);
    const abandon = j.find((e) => e.event === 'ABANDON' && e.callId === call.id);
    expect(abandon?.data).toMatchObject({ position: '1', origposition: '1' });
    expect(Number(abandon?.data.waittime)).toBeGreaterThanOrEqual(2);
    expect(await t.server.acd.store.entry(call.id)).toBeUndefined();
  }, 30_000);

  it('nobody who could take support is logged in → the caller goes to voicemail (onNoAgents): greeting, beep, message stored as a recording of mailbox support', async () => {
    const next = nextCall();
    const message = join(t.dataDir, 'message.pcap');
    writeSpeechPcap(
      message,
      join(t.dataDir, 'message.wav'),
      'Hello, this is a message for support. My printer does not work since the last update. Please call me back tomorrow morning at the office. Thank you very much, goodbye.',
    );
    expectOk(await caller('2', 12_000, message), 'caller');
    const { call, played, ended } = await next;
    await ended;
    expect(played).toEqual(expect.arrayContaining(['voicemail.wav', 'beep.wav']));
    await waitFor('voicemail row', async () => (await t.server.recordings.findByCall(call.id)).length > 0, 8000);
    const [row] = await t.server.recordings.findByCall(call.id);
    expect(row).toMatchObject({ queue: 'voicemail:support', agentId: null, channels: 1, status: 'complete' });
    expect(row!.durationMs).toBeGreaterThan(1000);
    // refused at entry: never queued, so no ENTERQUEUE
    expect(eventsOf(await journal(), call.id)).toEqual([]);
  }, 40_000);
});
