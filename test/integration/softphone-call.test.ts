/**
 * A browser agent: Chromium runs JsSIP, registers as 1002 over WebSocket and
 * answers a hotline call from a sipp caller. Media goes browser ⇄ rtpengine
 * (ICE, DTLS-SRTP) ⇄ projectrtp ⇄ caller; audio must flow both ways, seen in
 * the page's getStats() and in the server's own RTP counters, and the call is
 * recorded with the browser's audio on the right channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';
import { runSipp, sippAvailable } from '../support/sipp.js';
import { freePort, mediaPorts } from '../support/ports.js';
import { launchBrowser, skipReason, type PeerStats, type SoftphoneHarness } from '../support/browser.js';
import { writeSpeechPcap } from '../support/pcap.js';
import { soxStat } from '../support/audio.js';
import type { Call } from '../../src/calls/call.js';
import type { EndpointStats } from '../../src/media/port.js';

const PCAPS = '/usr/share/sip-tester';
const reason = skipReason() ?? (sippAvailable() ? undefined : 'sipp not found (apt-get install sip-tester)') ?? (existsSync('/usr/bin/rtpengine') ? undefined : 'rtpengine not found (apt-get install rtpengine-daemon)');
if (reason !== undefined) console.warn(`skipping softphone call test: ${reason}`);

describe.skipIf(reason !== undefined)('Chromium softphone answers a hotline call', () => {
  let t: TestServer;
  let phone: SoftphoneHarness;
  let speech: string;

  beforeAll(async () => {
    const ngPort = await freePort();
    const { min: base, max: top } = mediaPorts().rtpengine;
    t = await startTestServer({
      digitTimeoutMs: 3000,
      configure: (c) => {
        c.media.rtpengine = { enabled: true, spawn: true, ng: `127.0.0.1:${ngPort}`, interface: '127.0.0.1', portMin: base, portMax: top };
      },
    });
    speech = join(t.dataDir, 'speech-20ms.pcap');
    writeSpeechPcap(speech, join(t.dataDir, 'speech.wav'), 'Hello, I am calling about my account. My number is one two three four five six. I would like to check my balance and ask about the last invoice I received.');
    phone = await launchBrowser();
    await phone.register({ wsUrl: `ws://127.0.0.1:${t.wsPort}`, user: '1002', password: t.agentPassword('1002'), domain: t.config.sip.realm });
  }, 60_000);
  afterAll(async () => {
    await phone?.close();
    await t?.stop();
  });

  it('sipp caller presses 2 → browser 1002 rings, answers; audio both ways (getStats and server RTP counters); recorded', async () => {
    const calls: Call[] = [];
    const agentStats: EndpointStats[] = [];
    t.server.calls.on('call', (c) => {
      calls.push(c);
      c.on('leg.added', (leg) => leg.endpoint?.on('closed', (_r, stats) => leg.role === 'agent' && agentStats.push(stats)));
    });
    const caller = runSipp({
      target: `127.0.0.1:${t.sipPort}`,
      scenario: 'caller-hotline.xml',
      service: '100',
      localPort: await freePort(),
      timeoutSec: 40,
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_2.pcap`, audio_pcap: speech },
      extra: ['-mp', String(await freePort())],
    });
    const incoming = await phone.waitForIncoming(15_000);
    expect(incoming.user).toBe('+15550100');
    await phone.answer();
    await new Promise((r) => setTimeout(r, 2500));
    const stats: PeerStats = await phone.stats();
    const run = await caller;
    if (run.code !== 0) console.error(run.errors || run.stderr, phone.consoleLines().join('\n'));
    expect(run.code).toBe(0);

    // the browser heard the caller and sent its own (fake microphone) audio
    expect(stats.connectionState).toBe('connected');
    expect(stats.packetsReceived).toBeGreaterThan(50);
    expect(stats.packetsSent).toBeGreaterThan(50);

    const call = calls[0]!;
    expect(call.variables.get('menu')).toBe('2');
    await expect.poll(() => agentStats.length, { timeout: 5000 }).toBe(1);
    // projectrtp's counters on the agent leg: packets from and to rtpengine (the browser side)
    expect(agentStats[0]!.packetsIn).toBeGreaterThan(50);
    expect(agentStats[0]!.packetsOut).toBeGreaterThan(50);

    await t.server.recorder.flush();
    const [row] = await t.server.recordings.findByCall(call.id);
    expect(row).toMatchObject({ agentId: '1002', status: 'complete' });
    expect((await soxStat(row!.filePath, 1)).rms).toBeGreaterThan(0.005);
    expect((await soxStat(row!.filePath, 2)).rms).toBeGreaterThan(0.001);
  }, 60_000);

  it('the browser calls the hotline itself → WebRTC offer answered through rtpengine, prompt heard, RFC 4733 digit 5 seen; no agent → server hangs up', async () => {
    await phone.unregister();
    const calls: Call[] = [];
    const digits: string[] = [];
    t.server.calls.on('call', (c) => {
      calls.push(c);
      c.on('dtmf', (_leg, d, source) => digits.push(`${d}:${source}`));
    });
    await phone.call('100', { wait: 'confirmed', timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 1500));
    await phone.sendDtmf('5');
    await new Promise((r) => setTimeout(r, 1000));
    const stats = await phone.stats();
    // the welcome prompt reached the page
    expect(stats.packetsReceived).toBeGreaterThan(50);
    expect(digits).toEqual(['5:rfc4733']);
    expect(calls[0]?.variables.get('menu')).toBe('5');
    // nobody is registered: no-agent prompt, then the server hangs up
    await expect.poll(async () => (await phone.state()).session, { timeout: 15_000 }).toBe('ended');
    expect(calls[0]?.endCause).toBe('no-agent');
  }, 60_000);
});
