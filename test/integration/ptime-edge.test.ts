/**
 * rtpengine as the packetisation edge in front of projectrtp, end to end with
 * a real rtpengine daemon and the real projectrtp engine:
 *
 *   dgram "caller" <-RTP, 30 ms->  rtpengine  <-RTP, 20 ms->  projectrtp (PtimeEndpoint.inner)
 *
 * Without the edge, projectrtp reads a 30 ms packet as one 20 ms frame: 7.05 s
 * of sipp's g711a.pcap (236 packets of 240 bytes) recorded as a 4.72 s WAV.
 * Through the edge the recording is as long as the call and the caller gets
 * projectrtp's prompt back in 30 ms packets (240 bytes of G.711).
 */
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { PtimeEndpoint } from '../../src/media/ptime-endpoint.js';
import { ProjectRtpMediaServer } from '../../src/media/projectrtp/server.js';
import { needsPtimeEdge, PtimeEdge, sdpPtime } from '../../src/media/rtpengine/ptime-edge.js';
import { RtpEngineProcess } from '../../src/media/rtpengine/process.js';
import { soxStat } from '../support/audio.js';
import { freePort, mediaPorts } from '../support/ports.js';

const RTPENGINE = process.env.RTPENGINE_PATH ?? '/usr/bin/rtpengine';
const PCAP = '/usr/share/sip-tester/g711a.pcap';
const missing = [
  existsSync(RTPENGINE) ? undefined : `rtpengine not found at ${RTPENGINE} (apt-get install rtpengine-daemon)`,
  existsSync(PCAP) ? undefined : `${PCAP} not found (apt-get install sip-tester)`,
].filter((m) => m !== undefined);
const reason = missing.length > 0 ? missing.join('; ') : undefined;
if (reason !== undefined) console.warn(`[ptime-edge] skipped: ${reason}`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The RTP packets of a pcap of Ethernet/IPv4/UDP frames (global header 24 bytes, record header 16, then 14 + 20 + 8). */
function rtpFromPcap(file: string): Buffer[] {
  const b = readFileSync(file);
  const out: Buffer[] = [];
  for (let off = 24; off + 16 <= b.length; ) {
    const len = b.readUInt32LE(off + 8);
    const frame = b.subarray(off + 16, off + 16 + len);
    off += 16 + len;
    if (frame.length > 42 + 12) out.push(Buffer.from(frame.subarray(42)));
  }
  return out;
}

function audioPort(sdp: Buffer): number {
  const m = /^m=audio (\d+) /m.exec(sdp.toString());
  if (m === null) throw new Error(`no m=audio in\n${sdp.toString()}`);
  return Number(m[1]);
}

/** A caller's plain offer: one G.711 codec and telephone-event, at `ptime`. */
function callerOffer(port: number, ptime: number, codec: 'PCMA' | 'PCMU', version = 1, direction = 'sendrecv'): Buffer {
  const pt = codec === 'PCMA' ? 8 : 0;
  return Buffer.from(
    [
      'v=0',
      `o=carrier 7001 ${version} IN IP4 127.0.0.1`,
      's=carrier',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${port} RTP/AVP ${pt} 101`,
      `a=rtpmap:${pt} ${codec}/8000`,
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      `a=ptime:${ptime}`,
      `a=${direction}`,
      '',
    ].join('\r\n'),
  );
}

/** The carrier's side: sends G.711 at its ptime, paced in real time, and logs what comes back. */
class Caller {
  readonly socket: Socket = createSocket('udp4');
  port = 0;
  /** Payload sizes of the RTP packets received, by payload type. */
  readonly received: { pt: number; size: number; at: number }[] = [];

  constructor() {
    this.socket.on('message', (msg) => {
      if (msg.length < 12 || msg[0]! >> 6 !== 2) return;
      const b1 = msg[1]!;
      if (b1 >= 200 && b1 <= 204) return; // RTCP
      const cc = msg[0]! & 0x0f;
      this.received.push({ pt: b1 & 0x7f, size: msg.length - 12 - 4 * cc, at: Date.now() });
    });
  }

  async bind(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.port = this.socket.address().port;
  }

  /** Send `packets` (whole RTP packets) every `ptime` ms to port; resolves with the wall time spent sending. */
  async send(packets: readonly Buffer[], ptime: number, port: number): Promise<number> {
    const start = performance.now();
    let i = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        while (i < packets.length && performance.now() - start >= i * ptime) this.socket.send(packets[i++]!, port, '127.0.0.1');
        if (i >= packets.length) resolve();
        else setTimeout(tick, 2);
      };
      tick();
    });
    // the last packet covers ptime ms of audio
    return (performance.now() - start + ptime) / 1000;
  }

  close(): void {
    this.socket.close();
  }
}

/** Re-chunk G.711 bytes into RTP packets of `ptime` ms. */
function packetize(payload: Buffer, pt: number, ptime: number): Buffer[] {
  const per = 8 * ptime;
  const out: Buffer[] = [];
  for (let i = 0; (i + 1) * per <= payload.length; i++) {
    const p = Buffer.alloc(12 + per);
    p[0] = 0x80;
    p[1] = pt;
    p.writeUInt16BE(i & 0xffff, 2);
    p.writeUInt32BE((i * per) >>> 0, 4);
    p.writeUInt32BE(0x7001cafe, 8);
    payload.copy(p, 12, i * per, (i + 1) * per);
    out.push(p);
  }
  return out;
}

describe('needsPtimeEdge', () => {
  it('is true for plain offers whose ptime is not 20, false for 20 ms, no ptime, WebRTC and junk', () => {
    expect(needsPtimeEdge(callerOffer(4000, 30, 'PCMA'))).toBe(true);
    expect(needsPtimeEdge(callerOffer(4000, 30, 'PCMU'))).toBe(true);
    expect(needsPtimeEdge(callerOffer(4000, 10, 'PCMU'))).toBe(true);
    expect(needsPtimeEdge(callerOffer(4000, 20, 'PCMA'))).toBe(false);
    const noPtime = Buffer.from(callerOffer(4000, 30, 'PCMU').toString().replace('a=ptime:30\r\n', ''));
    expect(needsPtimeEdge(noPtime)).toBe(false);
    const webrtc = Buffer.from(callerOffer(4000, 30, 'PCMU').toString().replace('RTP/AVP', 'UDP/TLS/RTP/SAVPF'));
    expect(needsPtimeEdge(webrtc)).toBe(false);
    expect(needsPtimeEdge(Buffer.from('not sdp'))).toBe(false);
    expect(sdpPtime(callerOffer(4000, 30, 'PCMA'))).toBe(30);
  });
});

describe.skipIf(reason !== undefined)('ptime edge: rtpengine re-chunks 30 ms callers for projectrtp', () => {
  const logger = createLogger((process.env.TEST_LOG_LEVEL as 'debug' | undefined) ?? 'silent');
  let rtpengine: RtpEngineProcess;
  let edge: PtimeEdge;
  let media: ProjectRtpMediaServer;
  let dir: string;
  let prompt: string;
  const callers: Caller[] = [];
  const endpoints: PtimeEndpoint[] = [];
  let seq = 0;

  async function newCaller(): Promise<Caller> {
    const c = new Caller();
    await c.bind();
    callers.push(c);
    return c;
  }

  async function open(caller: Caller, ptime: number, codec: 'PCMA' | 'PCMU'): Promise<PtimeEndpoint> {
    const n = ++seq;
    const ep = await PtimeEndpoint.forOffer(media, edge, callerOffer(caller.port, ptime, codec), { callId: `ptime-call-${n}`, legId: `leg-${n}` });
    endpoints.push(ep);
    return ep;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ptime-edge-'));
    // own port blocks: rtpengine below the ephemeral range, projectrtp in another
    const ports = mediaPorts();
    rtpengine = new RtpEngineProcess({ logger, binary: RTPENGINE, interface: '127.0.0.1', ngPort: await freePort(), portMin: ports.rtpengine.min, portMax: ports.rtpengine.max });
    await rtpengine.start();
    edge = new PtimeEdge({ ng: rtpengine.ng, logger });
    media = new ProjectRtpMediaServer({ publicAddress: '127.0.0.1', portMin: ports.rtp.min, portMax: ports.rtp.max, workDir: join(dir, 'work'), shutdownEngineOnStop: false, logger });
    await media.start();
    prompt = join(dir, 'prompt.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', prompt, 'synth', '2', 'sine', '440', 'vol', '0.5']);
  });

  afterAll(async () => {
    for (const ep of endpoints) await ep.close();
    for (const c of callers) c.close();
    await edge?.releaseAll();
    await media?.stop();
    await rtpengine?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('translates SDP: projectrtp is offered 20 ms, the caller is answered at 30 ms by rtpengine', async () => {
    const caller = await newCaller();
    const ep = await open(caller, 30, 'PCMA');
    const inner = ep.inner.localSdp.toString();
    const outer = ep.localSdp.toString();
    // projectrtp answered a 20 ms offer (it echoes the offer's ptime)
    expect(inner).toMatch(/^a=ptime:20$/m);
    expect(inner).toMatch(/^m=audio \d+ RTP\/AVP 8 /m);
    // the caller talks to rtpengine, at 30 ms, PCMA
    expect(outer).toMatch(/^a=ptime:30$/m);
    expect(outer).toMatch(/^m=audio \d+ RTP\/AVP 8\b/m);
    expect(audioPort(ep.localSdp)).not.toBe(audioPort(ep.inner.localSdp));
    expect(ep.remotePtime).toBe(30);
    expect(edge.activeCalls).toBeGreaterThan(0);
    await ep.close();
    expect(ep.closed).toBe(true);
  });

  it('sipp g711a.pcap (A-law, 30 ms): the recording is as long as the call; the prompt reaches the caller in 30 ms packets', async () => {
    const caller = await newCaller();
    const ep = await open(caller, 30, 'PCMA');
    const pcap = rtpFromPcap(PCAP);
    expect(pcap[0]!.length - 12).toBe(240); // sipp's capture is 30 ms PCMA
    const packets = pcap.slice(0, Math.round(5000 / 30)); // ~5 s
    const file = join(dir, 'alaw-30.wav');
    const rec = ep.record({ file, channels: 2 });
    const playing = ep.play([prompt]);
    const wall = await caller.send(packets, 30, audioPort(ep.localSdp));
    await sleep(150);
    expect(await rec.stop()).toBe('stopped');
    expect(await playing).toBe('completed');

    const left = await soxStat(file, 1);
    const right = await soxStat(file, 2);
    expect(Math.abs(left.lengthSec - wall)).toBeLessThan(0.5);
    expect(left.rms).toBeGreaterThan(0.005);
    expect(right.rms).toBeGreaterThan(0.005); // what the caller heard: the prompt

    // projectrtp sends 20 ms; the caller gets them re-chunked to 30 ms PCMA
    const audio = caller.received.filter((r) => r.pt === 8);
    expect(audio.length).toBeGreaterThan(40); // 2 s prompt = ~66 packets of 30 ms
    const sizes = new Map<number, number>();
    for (const r of audio) sizes.set(r.size, (sizes.get(r.size) ?? 0) + 1);
    expect(sizes.get(240) ?? 0).toBeGreaterThanOrEqual(audio.length * 0.95);
    expect(sizes.get(160) ?? 0).toBe(0);
    await ep.close();
  });

  it('µ-law at 30 ms works the same (recording length and loudness, 30 ms packets back)', async () => {
    const caller = await newCaller();
    const ep = await open(caller, 30, 'PCMU');
    expect(ep.localSdp.toString()).toMatch(/^m=audio \d+ RTP\/AVP 0\b/m);
    const alaw = Buffer.concat(rtpFromPcap(PCAP).map((p) => p.subarray(12)));
    const ulaw = execFileSync('sox', ['-t', 'al', '-r', '8000', '-c', '1', '-', '-t', 'ul', '-'], { input: alaw });
    const packets = packetize(ulaw, 0, 30).slice(0, Math.round(4000 / 30));
    const file = join(dir, 'ulaw-30.wav');
    const rec = ep.record({ file, channels: 2 });
    const playing = ep.play([prompt]);
    const wall = await caller.send(packets, 30, audioPort(ep.localSdp));
    await sleep(150);
    await rec.stop();
    await playing;
    const left = await soxStat(file, 1);
    expect(Math.abs(left.lengthSec - wall)).toBeLessThan(0.5);
    expect(left.rms).toBeGreaterThan(0.005);
    const audio = caller.received.filter((r) => r.pt === 0);
    expect(audio.length).toBeGreaterThan(40);
    expect(audio.filter((r) => r.size === 240).length).toBeGreaterThanOrEqual(audio.length * 0.95);
    await ep.close();
  });

  it('RFC 4733 digits cross the edge both ways', async () => {
    const caller = await newCaller();
    const ep = await open(caller, 30, 'PCMA');
    const digits: string[] = [];
    ep.on('dtmf', (d) => digits.push(d));
    const port = audioPort(ep.localSdp);
    const pcap = rtpFromPcap(PCAP).slice(0, 60);
    // audio, then digit 5 (event 5) in 30 ms steps over audio time, then audio again
    const seqAt = (i: number): number => 1000 + i;
    const stream: Buffer[] = [];
    let ts = 0;
    const audioPkt = (i: number, src: Buffer): Buffer => {
      const p = Buffer.from(src);
      p.writeUInt16BE(seqAt(i) & 0xffff, 2);
      p.writeUInt32BE(ts >>> 0, 4);
      p.writeUInt32BE(0x7001cafe, 8);
      ts += 240;
      return p;
    };
    let i = 0;
    for (; i < 20; i++) stream.push(audioPkt(i, pcap[i]!));
    const eventTs = ts;
    for (let k = 0; k < 8; k++, i++) {
      const end = k >= 5;
      const p = Buffer.alloc(16);
      p[0] = 0x80;
      p[1] = 101 | (k === 0 ? 0x80 : 0);
      p.writeUInt16BE(seqAt(i) & 0xffff, 2);
      p.writeUInt32BE(eventTs >>> 0, 4);
      p.writeUInt32BE(0x7001cafe, 8);
      p[12] = 5;
      p[13] = (end ? 0x80 : 0) | 10;
      p.writeUInt16BE(Math.min(5, k + 1) * 240, 14);
      stream.push(p);
      ts = eventTs + Math.min(5, k + 1) * 240;
    }
    for (let j = 20; j < 60; j++, i++) stream.push(audioPkt(i, pcap[j]!));
    await caller.send(stream, 30, port);
    await sleep(200);
    expect(digits).toEqual(['5']);

    caller.received.length = 0;
    ep.sendDtmf('7');
    await sleep(600);
    const events = caller.received.filter((r) => r.pt === 101);
    expect(events.length).toBeGreaterThan(0);
    await ep.close();
  });

  it('hold and retrieve from our side, and a re-INVITE from the caller, keep 30 ms towards the caller', async () => {
    const caller = await newCaller();
    const ep = await open(caller, 30, 'PCMA');
    const port = audioPort(ep.localSdp);

    // we hold: sendonly to the caller, it answers recvonly
    const hold = ep.offerWithDirection('sendonly');
    expect(hold.toString()).toMatch(/^a=sendonly$/m);
    expect(audioPort(hold)).toBe(port);
    await ep.setRemoteAnswer(callerOffer(caller.port, 30, 'PCMA', 2, 'recvonly'));
    // retrieve
    const retrieve = ep.offerWithDirection('sendrecv');
    expect(audioPort(retrieve)).toBe(port);
    await ep.setRemoteAnswer(callerOffer(caller.port, 30, 'PCMA', 3, 'sendrecv'));

    // the caller re-INVITEs (same ptime): answered through rtpengine on the same port
    const answer = await ep.reoffer(callerOffer(caller.port, 30, 'PCMA', 4));
    expect(audioPort(answer)).toBe(port);
    expect(answer.toString()).toMatch(/^a=ptime:30$/m);

    caller.received.length = 0;
    const playing = ep.play([prompt]);
    await sleep(1200);
    ep.stopPlay();
    await playing;
    const audio = caller.received.filter((r) => r.pt === 8);
    expect(audio.length).toBeGreaterThan(20);
    expect(audio.filter((r) => r.size === 240).length).toBeGreaterThanOrEqual(audio.length * 0.95);
    await ep.close();
  });
});
