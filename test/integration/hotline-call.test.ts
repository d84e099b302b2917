/**
 * The whole path with real peers: a sipp caller (A-law speech in 20 ms packets,
 * RFC 2833 digits from sipp's own pcaps) dials the hotline, hears the welcome prompt,
 * presses a digit, is bridged to agent 1001's phone (another sipp that answers
 * and talks), hangs up; the call is recorded to a stereo WAV whose metadata
 * lands in PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { startTestServer, type TestServer } from '../support/server.js';
import { runSipp, sippAvailable, type SippOptions } from '../support/sipp.js';
import { freePort } from '../support/ports.js';
import { soxStat } from '../support/audio.js';
import { writeSpeechPcap } from '../support/pcap.js';
import { join } from 'node:path';
import type { Call } from '../../src/calls/call.js';

const PCAPS = '/usr/share/sip-tester';
const skip = !sippAvailable() || !existsSync(`${PCAPS}/g711a.pcap`);
if (skip) console.warn('skipping hotline call tests: sipp or its pcaps missing (apt-get install sip-tester)');

describe.skipIf(skip)('hotline call with real peers', () => {
  let t: TestServer;
  let speech: string;
  const sipp = async (o: Omit<SippOptions, 'target'>): ReturnType<typeof runSipp> =>
    runSipp({ target: `127.0.0.1:${t.sipPort}`, ...o, extra: ['-mp', String(await freePort()), ...(o.extra ?? [])] });
  const expectOk = (run: Awaited<ReturnType<typeof runSipp>>): void => {
    if (run.code !== 0) console.error(run.errors || run.stderr || run.stdout, process.env.SIPP_TRACE === undefined ? "" : run.messages);
    expect(run.code).toBe(0);
  };

  beforeAll(async () => {
    t = await startTestServer({ digitTimeoutMs: 3000 });
    // 9 s of A-law speech in 20 ms packets, what a desk phone sends
    speech = join(t.dataDir, 'speech-20ms.pcap');
    writeSpeechPcap(speech, join(t.dataDir, 'speech.wav'), 'Hello, I am calling about my account. My number is one two three four five six. I would like to check my balance and ask about the last invoice I received.');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('caller presses 1 → digit seen, bridged to agent 1001, recorded: stereo WAV of the talk time, not silent, row in PostgreSQL', async () => {
    const phonePort = await freePort();
    expectOk(await sipp({ scenario: 'register.xml', service: '1001', auth: { username: '1001', password: t.agentPassword('1001') }, localPort: phonePort }));
    const calls: Call[] = [];
    const digits: { digit: string; source: string }[] = [];
    t.server.calls.on('call', (c) => {
      calls.push(c);
      c.on('dtmf', (_leg, digit, source) => digits.push({ digit, source }));
    });
    const phone = sipp({ scenario: 'agent-phone-talk.xml', service: '1001', localPort: phonePort, timeoutSec: 40, keys: { audio_pcap: speech } });
    await new Promise((r) => setTimeout(r, 300));
    const caller = await sipp({
      scenario: 'caller-hotline.xml',
      service: '100',
      localPort: await freePort(),
      timeoutSec: 40,
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_1.pcap`, audio_pcap: speech },
    });
    expectOk(caller);
    expectOk(await phone);

    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(digits).toEqual([{ digit: '1', source: 'rfc4733' }]);
    expect(call.variables.get('menu')).toBe('1');
    expect(call.endCause).toBe('caller-hangup');
    expect(call.connectedAt).toBeDefined();

    await t.server.recorder.flush();
    const rows = await t.server.recordings.findByCall(call.id);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({ callerNumber: '+15550100', agentId: '1001', channels: 2, status: 'complete', format: 'wav/pcm16/8000/2ch' });
    expect(existsSync(row.filePath)).toBe(true);
    const talkMs = (call.endedAt ?? 0) - (call.connectedAt ?? 0);
    expect(Math.abs(row.durationMs - talkMs)).toBeLessThan(1000);
    const [left, right] = [await soxStat(row.filePath, 1), await soxStat(row.filePath, 2)];
    expect(Math.abs(left.lengthSec * 1000 - talkMs)).toBeLessThan(1000);
    // both parties talk the whole time: neither channel is silence
    expect(left.rms).toBeGreaterThan(0.005);
    expect(right.rms).toBeGreaterThan(0.005);
    expect(t.server.media.endpointCount).toBe(0);
  }, 60_000);

  it('agent 1002 presses hold on the phone → recvonly answer, caller held (music), then retrieve → reconnected', async () => {
    const phonePort = await freePort();
    expectOk(await sipp({ scenario: 'register.xml', service: '1002', auth: { username: '1002', password: t.agentPassword('1002') }, localPort: phonePort }));
    // 1001's phone from the first test has gone: drop its binding so the hotline rings 1002
    const stale = await t.server.redis.keys(`${t.prefix}*1001*`);
    if (stale.length > 0) await t.server.redis.del(...stale);
    expect(await t.server.registrar.lookup('1001')).toEqual([]);
    const states: string[] = [];
    const calls: Call[] = [];
    t.server.calls.on('call', (c) => {
      calls.push(c);
      c.on('state', (to, _from, cause) => states.push(`${to}:${cause}`));
    });
    const phone = sipp({ scenario: 'agent-phone-hold.xml', service: '1002', localPort: phonePort, timeoutSec: 40, keys: { audio_pcap: speech } });
    await new Promise((r) => setTimeout(r, 300));
    const caller = await sipp({
      scenario: 'caller-hotline.xml',
      service: '100',
      localPort: await freePort(),
      timeoutSec: 40,
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_2.pcap`, audio_pcap: speech },
    });
    expectOk(caller);
    expectOk(await phone);
    expect(states).toEqual(
      expect.arrayContaining(['connected:answered', 'held:agent-phone-hold', 'connected:agent-phone-retrieve', 'ended:caller-hangup']),
    );
    expect(states.indexOf('held:agent-phone-hold')).toBeLessThan(states.indexOf('connected:agent-phone-retrieve'));
    const agent = calls[0]?.legs.find((l) => l.role === 'agent');
    expect(agent?.party).toBe('1002');
  }, 60_000);

  it('recording paused for 2 s (PCI) then resumed → file shorter by the pause; started/paused/resumed/stopped events', async () => {
    // only 1003 answers this time: drop the earlier tests' phones
    for (const id of ['1001', '1002']) {
      const stale = await t.server.redis.keys(`${t.prefix}*${id}*`);
      if (stale.length > 0) await t.server.redis.del(...stale);
    }
    const phonePort = await freePort();
    expectOk(await sipp({ scenario: 'register.xml', service: '1003', auth: { username: '1003', password: t.agentPassword('1003') }, localPort: phonePort }));
    const events: string[] = [];
    const calls: Call[] = [];
    let pausedMs = 0;
    t.server.calls.on('call', (c) => {
      calls.push(c);
      c.on('recording', (e) => events.push(e));
      c.on('state', (to) => {
        if (to !== 'connected') return;
        setTimeout(() => {
          const from = Date.now();
          expect(t.server.recorder.setPaused(c.id, true)).toBe(true);
          setTimeout(() => {
            t.server.recorder.setPaused(c.id, false);
            pausedMs = Date.now() - from;
          }, 2000);
        }, 1000);
      });
    });
    const phone = sipp({ scenario: 'agent-phone-talk.xml', service: '1003', localPort: phonePort, timeoutSec: 40, keys: { audio_pcap: speech } });
    await new Promise((r) => setTimeout(r, 300));
    expectOk(await sipp({ scenario: 'caller-hotline.xml', service: '100', localPort: await freePort(), timeoutSec: 40, keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_3.pcap`, audio_pcap: speech } }));
    expectOk(await phone);
    await t.server.recorder.flush();
    const call = calls[0]!;
    expect(events).toEqual(['started', 'paused', 'resumed', 'stopped']);
    const [row] = await t.server.recordings.findByCall(call.id);
    const talkMs = (call.endedAt ?? 0) - (call.connectedAt ?? 0);
    expect(pausedMs).toBeGreaterThan(1900);
    expect(Math.abs(row!.durationMs - (talkMs - pausedMs))).toBeLessThan(1000);
  }, 60_000);
});
