/**
 * What the dialer does with each way a call can go, end to end with real peers: sipp plays the
 * called party on the trunk (and agent 1001's phone), answering-machine detection listens to real
 * RTP (synthetic greetings from test/support/machine-pcap.ts), and each outcome is checked where a
 * supervisor or integrator would see it: the contact's disposition and its place in line, the
 * campaign's figures, the CTI event stream, and what the called party heard.
 *
 *   never answers        → ≥ 15 s of ringing, CANCEL, no-answer, retried at retry.noAnswer
 *   machine, drop        → BYE from the server soon after the answer, machine (not a live answer)
 *   machine, message     → the campaign's message after the beep, then BYE; outcome message-left
 *   person, nobody free  → the safe-harbor message after safeHarborSeconds, BYE; abandoned (100 %)
 *   person, AMD on       → amd=human, connected to 1001, answered
 *
 * Where the test must hear what the server sends (the message, the safe-harbor text), the party's
 * media is a small RTP peer in this file (sipp cannot record what it receives): sipp does the SIP
 * (trunk-rings-answers-rtp-elsewhere.xml puts the peer's port in its SDP), the peer sends the
 * greeting in 20 ms A-law packets and keeps every packet it gets with its arrival time and level.
 *
 * One campaign per scenario (their figures are apart); each is stopped at the end of its test so
 * a retry never rings in a later one. All use the queue `sales`, which only 1001 serves: progressive
 * pacing dials only while 1001 is available.
 */
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { g711FromWav } from '../../bench/pcap.js';
import type { Call } from '../../src/calls/call.js';
import { CampaignStore } from '../../src/dialer/campaign-store.js';
import { CampaignStats } from '../../src/dialer/stats.js';
import { RedisKeys } from '../../src/store/redis.js';
import { soxStat } from '../support/audio.js';
import { writeHumanPcap, writeMachinePcap, type PartyPcap } from '../support/machine-pcap.js';
import { writeSpeechPcap } from '../support/pcap.js';
import { freePort } from '../support/ports.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { sippAvailable, type SippOptions, type SippRun } from '../support/sipp.js';
import { adminApi, audioToolsAvailable, configureDialerServer, expectSippOk, sippAgainst } from '../support/dialer.js';

const skip = !sippAvailable() || !audioToolsAvailable();

/** A person answered with no agent within this: the safe-harbor message. Long enough for 1001's phone to answer in scenario 5. */
const SAFE_HARBOR_S = 3;
const RETRY_NO_ANSWER_MIN = 2;
const MESSAGE_TEXT = 'Hello, this is Acme calling about your order. Please call us back at 555 0100.';
const SAFE_HARBOR_TEXT = 'This is Acme calling about your order. Nobody is free to take your call right now. Please call us back at 555 0100.';


// ── what sipp saw, with sipp's own clock (-trace_msg) ──

interface TracedMessage {
  /** ms since the epoch, as sipp's local clock printed it (only differences are used). */
  at: number;
  dir: 'sent' | 'received';
  /** The start line: "INVITE sip:…", "SIP/2.0 200 OK". */
  line: string;
}

function traced(run: SippRun): TracedMessage[] {
  const out: TracedMessage[] = [];
  const re = /^-+ (\d{4}-\d\d-\d\d)\s+(\d\d:\d\d:\d\d(?:\.\d+)?)\s*\r?\n(?:UDP|TCP) message (sent|received)[^\n]*\n\s*\n([^\r\n]+)/gm;
  for (const m of run.messages.matchAll(re)) {
    const [date, time, dir, line] = [m[1]!, m[2]!, m[3]!, m[4]!.trim()];
    const [hms, frac = '0'] = time.split('.');
    const ms = Date.parse(`${date}T${hms}Z`) + Math.round(Number(`0.${frac}`) * 1000);
    out.push({ at: ms, dir: dir as 'sent' | 'received', line });
  }
  return out;
}

function when(msgs: TracedMessage[], dir: 'sent' | 'received', start: RegExp): number {
  const m = msgs.find((x) => x.dir === dir && start.test(x.line));
  if (m === undefined) throw new Error(`sipp never ${dir} ${String(start)}: ${msgs.map((x) => `${x.dir} ${x.line}`).join(' | ')}`);
  return m.at;
}

// ── a called party's media: sends its greeting, keeps what it hears ──

function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return (a & 0x80) !== 0 ? t : -t;
}

/** A packet's RMS is voice above this (of 32767; about -40 dBFS): what the server plays, not its silence. */
const VOICE_RMS = 300;
const ALAW_SILENCE = 0xd5;

class RtpPeer {
  readonly heard: { at: number; rms: number }[] = [];
  startedAt = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (b) => {
      if (b.length < 12 || (b[1]! & 0x7f) !== 8) return;
      const payload = b.subarray(12 + 4 * (b[0]! & 0x0f));
      let sq = 0;
      for (const x of payload) sq += alawToLinear(x) ** 2;
      this.heard.push({ at: Date.now(), rms: payload.length === 0 ? 0 : Math.sqrt(sq / payload.length) });
    });
  }

  static async open(): Promise<RtpPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    return new RtpPeer(socket, socket.address().port);
  }

  /** Sends `alaw` (8 kHz A-law) to host:port in 20 ms packets paced by the clock, then silence until closed. */
  start(host: string, port: number, alaw: Buffer): void {
    this.startedAt = Date.now();
    const ssrc = (Math.random() * 0xffffffff) >>> 0;
    let seq = 0;
    const send = (): void => {
      const due = Math.floor((Date.now() - this.startedAt) / 20);
      for (; seq <= due; seq++) {
        const p = Buffer.alloc(12 + 160, ALAW_SILENCE);
        p[0] = 0x80;
        p[1] = seq === 0 ? 0x88 : 0x08;
        p.writeUInt16BE(seq & 0xffff, 2);
        p.writeUInt32BE((seq * 160) >>> 0, 4);
        p.writeUInt32BE(ssrc, 8);
        if (seq * 160 < alaw.length) alaw.copy(p, 12, seq * 160, Math.min(alaw.length, (seq + 1) * 160));
        this.socket.send(p, port, host);
      }
    };
    send();
    this.timer = setInterval(send, 10);
  }

  /** Voiced packets heard in [from, to) (ms since the epoch), as ms of audio. */
  voicedMs(from = 0, to = Infinity): number {
    return this.heard.filter((h) => h.at >= from && h.at < to && h.rms > VOICE_RMS).length * 20;
  }

  firstVoiceAt(): number | undefined {
    return this.heard.find((h) => h.rms > VOICE_RMS)?.at;
  }

  close(): void {
    clearInterval(this.timer);
    this.socket.close();
  }
}

/** Where a server endpoint receives RTP, from its SDP. */
function rtpAddress(sdp: Buffer): { host: string; port: number } {
  const s = sdp.toString();
  const host = /^c=IN IP4 (\S+)/m.exec(s)?.[1];
  const port = Number(/^m=audio (\d+)/m.exec(s)?.[1]);
  if (host === undefined || !(port > 0)) throw new Error(`no audio address in ${s}`);
  return { host, port };
}

interface OutboundEventRow {
  type: string;
  time: string;
  campaignId?: string;
  [k: string]: unknown;
}

describe.skipIf(skip)('dialer outcomes with sipp as the called parties: no answer, machines (drop, message), safe harbor, a person to an agent', () => {
  let t: TestServer;
  let trunkPort: number;
  let phonePort: number;
  let store: CampaignStore;
  let stats: CampaignStats;
  let keys: RedisKeys;
  let machine: { pcap: string; wav: string; info: PartyPcap };
  let human: { pcap: string; wav: string; info: PartyPcap };
  let speech: string;
  let messageLengthMs = 0;
  let safeHarborLengthMs = 0;
  const calls: Call[] = [];
  const callWaiters: { number: string; resolve: (c: Call) => void }[] = [];

  const sipp = (o: Omit<SippOptions, 'target'>): Promise<SippRun> => sippAgainst(t)(o);
  const expectOk = expectSippOk;
  const api = (...a: Parameters<ReturnType<typeof adminApi>>) => adminApi(t)(...a);

  /** The outbound call to `number`, once it is answered (the call exists from the answer on); fails after `ms`. */
  const answeredCall = (number: string, ms = 20_000): Promise<Call> =>
    new Promise((resolve, reject) => {
      const seen = calls.find((c) => c.caller.party === number);
      if (seen !== undefined) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`no answered call to ${number} within ${ms} ms (a media port taken by another process makes the dialer hang up at the answer: disposition failed)`)), ms);
      callWaiters.push({
        number,
        resolve: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
      });
    });

  /** 1001's phone registers (again: the registration lasts 120 s) and 1001 is available. */
  const agentReady = async (): Promise<void> => {
    expectOk(await sipp({ scenario: 'register.xml', service: '1001', auth: { username: '1001', password: t.agentPassword('1001') }, localPort: phonePort }), 'register 1001');
    if (t.server.acd.agent('1001')?.state === 'paused') await t.server.acd.ready('1001');
    await expect.poll(() => t.server.acd.agent('1001')?.state, { timeout: 10_000 }).toBe('available');
  };

  /** A progressive campaign in `sales` with one contact, started. */
  const campaign = async (id: string, phone: string, extra: Record<string, unknown> = {}): Promise<void> => {
    const created = await api('POST', '/v1/campaigns', { id, name: id, queue: 'sales', callerId: '+14155550999', mode: 'progressive', window: { start: '00:00', end: '23:59' }, ...extra });
    expect(created.statusCode, created.body).toBe(201);
    expect((await api('POST', `/v1/campaigns/${id}/contacts`, `phone,timezone\n${phone},UTC\n`, { 'content-type': 'text/csv' })).json()).toMatchObject({ accepted: 1, added: 1 });
    expect((await api('POST', `/v1/campaigns/${id}/start`)).json()).toMatchObject({ status: 'running' });
  };
  const stop = async (id: string): Promise<void> => {
    expect((await api('POST', `/v1/campaigns/${id}/stop`)).json()).toMatchObject({ status: 'stopped' });
  };

  /** The campaign's outbound.* events on the CTI stream, in stream order. */
  const events = async (id: string): Promise<OutboundEventRow[]> => {
    await t.server.events.publisher.drain();
    return (await t.server.events.stream.range('0-0', '+', 100_000))
      .map((e) => e.event as unknown as OutboundEventRow)
      .filter((e) => e.type.startsWith('outbound.') && e.campaignId === id);
  };

  const disposition = (id: string, contact: string): Promise<string | undefined> => store.contact(id, contact).then((c) => c?.lastDisposition);

  beforeAll(async () => {
    trunkPort = await freePort();
    phonePort = await freePort();
    t = await startTestServer({ acdTickMs: 200, configure: (c) => configureDialerServer(c, trunkPort, { safeHarborSeconds: SAFE_HARBOR_S }) });
    t.server.calls.on('call', (c) => {
      calls.push(c);
      for (const w of callWaiters.splice(0)) {
        if (c.caller.party === w.number) w.resolve(c);
        else callWaiters.push(w);
      }
    });
    keys = new RedisKeys(t.prefix);
    store = new CampaignStore(t.server.redis, keys);
    stats = new CampaignStats(t.server.redis, keys);
    const at = (f: string): string => join(t.dataDir, f);
    const [m, h] = await Promise.all([writeMachinePcap(at('machine.pcap'), at('machine.wav')), writeHumanPcap(at('human.pcap'), at('human.wav'))]);
    machine = { pcap: at('machine.pcap'), wav: at('machine.wav'), info: m };
    human = { pcap: at('human.pcap'), wav: at('human.wav'), info: h };
    speech = at('speech.pcap');
    writeSpeechPcap(speech, at('speech.wav'), 'Hello, this is Alice from Acme, how can I help you today?');
    // about how long the server's renderings of the two texts last (same engine and voice)
    execFileSync('espeak-ng', ['-v', 'en-us', '-w', at('message.wav'), MESSAGE_TEXT]);
    execFileSync('espeak-ng', ['-v', 'en-us', '-w', at('harbor.wav'), SAFE_HARBOR_TEXT]);
    messageLengthMs = (await soxStat(at('message.wav'))).lengthSec * 1000;
    safeHarborLengthMs = (await soxStat(at('harbor.wav'))).lengthSec * 1000;
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('contact never answers → rung at least 15 s, then CANCEL; disposition no-answer, back in line at the no-answer retry; no live answer counted', async () => {
    const id = 'no-answer';
    await agentReady();
    const phone = '+14155550101';
    const contact = sipp({ scenario: 'trunk-no-answer.xml', service: phone, localPort: trunkPort, timeoutSec: 45 });
    await new Promise((r) => setTimeout(r, 300));
    const startedAt = Date.now();
    await campaign(id, phone, { retry: { noAnswer: RETRY_NO_ANSWER_MIN } });
    const run = await contact;
    expectOk(run, 'contact who never answers');
    await expect.poll(() => disposition(id, phone), { timeout: 10_000 }).toBe('no-answer');
    const settledAt = Date.now();
    await stop(id);

    // sipp's clock: the INVITE rang for the dialer's ring timeout before its CANCEL
    const msgs = traced(run);
    const rang = when(msgs, 'received', /^CANCEL /) - when(msgs, 'received', /^INVITE /);
    expect(rang).toBeGreaterThanOrEqual(14_900);
    expect(rang).toBeLessThan(20_000);
    expect(settledAt - startedAt).toBeGreaterThanOrEqual(15_000);

    expect(await store.contact(id, phone)).toMatchObject({ attempts: 1, lastDisposition: 'no-answer' });
    const retryAt = Number(await t.server.redis.zscore(store.keys.ready(id), phone));
    expect(retryAt - settledAt).toBeGreaterThan(RETRY_NO_ANSWER_MIN * 60_000 - 10_000);
    expect(retryAt - settledAt).toBeLessThanOrEqual(RETRY_NO_ANSWER_MIN * 60_000);

    expect(await stats.figures(id, Date.now())).toMatchObject({ attempts: 1, liveAnswers: 0, connected: 0, abandoned: 0, abandonPct30d: 0, dispositions: { 'no-answer': 1 } });
    const ev = await events(id);
    expect(ev.map((e) => e.type)).toEqual(['outbound.dialing', 'outbound.disposition']);
    expect(ev[1]).toMatchObject({ disposition: 'no-answer', by: 'dialer' });
    // the engine's own clock: dialling to the outcome took the whole ring
    expect(Date.parse(ev[1]!.time) - Date.parse(ev[0]!.time)).toBeGreaterThanOrEqual(15_000);
    console.log(JSON.stringify({ scenario: 'no-answer', rangMs: rang, startToDispositionMs: settledAt - startedAt, retryInMs: retryAt - settledAt }));
  }, 60_000);

  it('a machine answers, AMD on with action drop → the dialer hangs up (BYE from the server) within ~5 s of the answer; disposition machine; not a live answer, so the abandon rate is untouched; events outbound.answered and outbound.machine', async () => {
    const id = 'machine-drop';
    await agentReady();
    const phone = '+14155550102';
    const party = sipp({ scenario: 'trunk-hung-up-by-server.xml', service: phone, localPort: trunkPort, timeoutSec: 40, keys: { audio_pcap: machine.pcap } });
    await new Promise((r) => setTimeout(r, 300));
    await campaign(id, phone, { amd: { enabled: true, action: 'drop' } });
    const run = await party;
    expectOk(run, 'answering machine');
    await expect.poll(() => disposition(id, phone), { timeout: 10_000 }).toBe('machine');
    await stop(id);

    const msgs = traced(run);
    const answerToBye = when(msgs, 'received', /^BYE /) - when(msgs, 'sent', /^SIP\/2\.0 200/);
    // the greeting is long: the detector says machine ~2.5 s after its first word (plus the recording's start)
    expect(answerToBye).toBeGreaterThan(1500);
    expect(answerToBye).toBeLessThan(5500);

    const call = await answeredCall(phone);
    expect(call.variables.get('amd')).toBe('machine');
    expect(call.agentLeg).toBeUndefined();
    expect(await stats.figures(id, Date.now())).toMatchObject({ attempts: 1, liveAnswers: 0, connected: 0, abandoned: 0, abandonPct30d: 0, dispositions: { machine: 1 } });
    expect(await t.server.redis.hget(keys.key('dialer', 'stats', id), 'outcome:message-left')).toBeNull();

    const ev = await events(id);
    expect(ev.map((e) => e.type)).toEqual(['outbound.dialing', 'outbound.answered', 'outbound.machine', 'outbound.disposition']);
    expect(ev[1]).toMatchObject({ callId: call.id, contactId: phone, attempt: 1, queue: 'sales' });
    expect(ev[2]).toMatchObject({ callId: call.id, action: 'drop' });
    expect(ev[3]).toMatchObject({ disposition: 'machine', by: 'dialer', callId: call.id });
    console.log(JSON.stringify({ scenario: 'machine-drop', answerToByeMs: answerToBye, reason: ev[2]!.reason }));
  }, 45_000);

  it("a machine answers, action message → waits for the beep, plays the campaign's messageText, then hangs up; disposition machine, outcome message-left counted", async () => {
    const id = 'machine-message';
    await agentReady();
    const phone = '+14155550103';
    const peer = await RtpPeer.open();
    try {
      const party = sipp({ scenario: 'trunk-rings-answers-rtp-elsewhere.xml', service: phone, localPort: trunkPort, timeoutSec: 50, keys: { rtp_port: String(peer.port) } });
      await new Promise((r) => setTimeout(r, 300));
      await campaign(id, phone, { amd: { enabled: true, action: 'message', messageText: MESSAGE_TEXT } });
      // the machine's greeting and beep, from the answer on
      const call = await answeredCall(phone);
      const { host, port } = rtpAddress(call.caller.endpoint!.localSdp);
      peer.start(host, port, g711FromWav(machine.wav, 'alaw'));
      const run = await party;
      expectOk(run, 'answering machine');
      await expect.poll(() => disposition(id, phone), { timeout: 10_000 }).toBe('machine');
      await stop(id);

      const beepAt = machine.info.beepAtMs!;
      const beepEnd = beepAt + 600;
      const msgs = traced(run);
      const answerToBye = when(msgs, 'received', /^BYE /) - when(msgs, 'sent', /^SIP\/2\.0 200/);
      expect(answerToBye).toBeGreaterThan(beepEnd);

      // what the machine recorded: nothing from the server before the beep, then the message, then the hang-up
      const beepEndAt = peer.startedAt + beepEnd;
      expect(peer.voicedMs(0, peer.startedAt + beepAt)).toBe(0);
      const voiced = peer.voicedMs(beepEndAt);
      expect(voiced).toBeGreaterThan(messageLengthMs * 0.5);
      expect(voiced).toBeLessThan(messageLengthMs * 1.5);
      expect(peer.firstVoiceAt()! - beepEndAt).toBeLessThan(3000);

      expect(call.variables.get('amd')).toBe('machine');
      expect(await t.server.redis.hget(keys.key('dialer', 'stats', id), 'outcome:message-left')).toBe('1');
      expect(await stats.figures(id, Date.now())).toMatchObject({ attempts: 1, liveAnswers: 0, abandoned: 0, abandonPct30d: 0, dispositions: { machine: 1 } });
      const ev = await events(id);
      expect(ev.map((e) => e.type)).toEqual(['outbound.dialing', 'outbound.answered', 'outbound.machine', 'outbound.disposition']);
      expect(ev[2]).toMatchObject({ action: 'message' });
      expect(ev[3]).toMatchObject({ disposition: 'machine' });
      console.log(JSON.stringify({ scenario: 'machine-message', beepAtMs: beepAt, answerToByeMs: answerToBye, messageStartsAfterBeepEndMs: peer.firstVoiceAt()! - beepEndAt, voicedMs: voiced, messageLengthMs, reason: ev[2]!.reason }));
    } finally {
      peer.close();
    }
  }, 60_000);

  it('a person answers and no agent is free → withdrawn from the queue, safe-harbor message after safeHarborSeconds (an agent free during it is not rung), hang-up; disposition abandoned; the 30-day abandon figure is 100 % for that campaign; event outbound.abandoned', async () => {
    const id = 'safe-harbor';
    const phone = '+14155550104';
    await agentReady();
    const peer = await RtpPeer.open();
    try {
      const party = sipp({ scenario: 'trunk-rings-answers-rtp-elsewhere.xml', service: phone, localPort: trunkPort, timeoutSec: 50, keys: { rtp_port: String(peer.port) } });
      await new Promise((r) => setTimeout(r, 300));
      await campaign(id, phone, { safeHarborText: SAFE_HARBOR_TEXT });
      // 1001 (the only agent of the queue) goes on a break while the contact rings (2 s)
      await expect.poll(async () => (await store.contact(id, phone))?.attempts, { timeout: 10_000, interval: 50 }).toBe(1);
      await t.server.acd.pause('1001', 'break');
      const call = await answeredCall(phone);
      const answeredAt = Date.now();
      const { host, port } = rtpAddress(call.caller.endpoint!.localSdp);
      peer.start(host, port, g711FromWav(human.wav, 'alaw'));
      // 1001 is back while the message plays: the customer is out of the queue by then, so nobody is rung
      await expect.poll(async () => (await events(id)).some((e) => e.type === 'outbound.abandoned'), { timeout: 10_000, interval: 100 }).toBe(true);
      await t.server.acd.ready('1001');
      const run = await party;
      expectOk(run, 'person nobody takes');
      const journal = (await t.server.acd.store.journal()).filter((e) => e.callId === call.id).map((e) => e.event);
      expect(journal).toContain('EXITWITHTIMEOUT');
      expect(journal).not.toContain('CONNECT');
      expect(journal).not.toContain('RINGNOANSWER');
      await expect.poll(() => disposition(id, phone), { timeout: 10_000 }).toBe('abandoned');
      await stop(id);

      const msgs = traced(run);
      const answerToBye = when(msgs, 'received', /^BYE /) - when(msgs, 'sent', /^SIP\/2\.0 200/);
      expect(answerToBye).toBeGreaterThan(SAFE_HARBOR_S * 1000 + safeHarborLengthMs * 0.5);
      // the message, after the safe-harbor time (before it, at most the queue's "Please hold.")
      const harborAt = answeredAt + SAFE_HARBOR_S * 1000;
      const voiced = peer.voicedMs(harborAt);
      expect(voiced).toBeGreaterThan(safeHarborLengthMs * 0.5);
      expect(call.agentLeg).toBeUndefined();
      expect(call.endCause).toBe('no-agent');

      expect(await stats.figures(id, Date.now())).toMatchObject({ attempts: 1, liveAnswers: 1, connected: 0, abandoned: 1, abandonPct30d: 100, dispositions: { abandoned: 1 } });
      const ev = await events(id);
      expect(ev.map((e) => e.type)).toEqual(['outbound.dialing', 'outbound.answered', 'outbound.abandoned', 'outbound.disposition']);
      expect(ev[2]).toMatchObject({ callId: call.id });
      expect(ev[2]!.waitedMs as number).toBeGreaterThanOrEqual(SAFE_HARBOR_S * 1000 - 50);
      expect(ev[3]).toMatchObject({ disposition: 'abandoned', by: 'dialer' });
      console.log(JSON.stringify({ scenario: 'safe-harbor', answerToByeMs: answerToBye, waitedMs: ev[2]!.waitedMs, voicedAfterSafeHarborMs: voiced, safeHarborLengthMs }));
    } finally {
      peer.close();
      await t.server.acd.ready('1001').catch(() => undefined);
    }
  }, 60_000);

  it('a person answers with AMD on (action drop) → AMD says human, the call goes to agent 1001 (sipp agent-phone-talk.xml), disposition answered, call variable amd=human', async () => {
    const id = 'person-amd';
    const phone = '+14155550105';
    await agentReady();
    const customer = sipp({ scenario: 'trunk-customer.xml', service: phone, localPort: trunkPort, timeoutSec: 50, keys: { audio_pcap: human.pcap }, extra: ['-d', '9000'] });
    const agent = sipp({ scenario: 'agent-phone-talk.xml', service: '1001', localPort: phonePort, timeoutSec: 50, keys: { audio_pcap: speech } });
    await new Promise((r) => setTimeout(r, 300));
    await campaign(id, phone, { amd: { enabled: true, action: 'drop' } });
    expectOk(await customer, 'person who answers');
    expectOk(await agent, 'agent 1001 phone');
    await expect.poll(() => disposition(id, phone), { timeout: 10_000 }).toBe('answered');
    await stop(id);

    const call = await answeredCall(phone);
    expect(call.variables.get('amd')).toBe('human');
    expect(call.variables.get('campaign_id')).toBe(id);
    expect(call.agentLeg?.party).toBe('1001');
    expect(await store.contact(id, phone)).toMatchObject({ attempts: 1, lastDisposition: 'answered', lastAgentId: '1001', lastCallId: call.id });
    expect(await stats.figures(id, Date.now())).toMatchObject({ attempts: 1, liveAnswers: 1, connected: 1, abandoned: 0, abandonPct30d: 0, dispositions: { answered: 1 } });
    const ev = await events(id);
    expect(ev.map((e) => e.type)).toEqual(['outbound.dialing', 'outbound.answered', 'outbound.disposition']);
    expect(ev[2]).toMatchObject({ disposition: 'answered', agentId: '1001', callId: call.id });
    console.log(JSON.stringify({ scenario: 'person-amd', answerToAgentMs: (call.connectedAt ?? 0) - call.startedAt }));
  }, 60_000);
});
