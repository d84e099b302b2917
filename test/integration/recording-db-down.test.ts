/**
 * PostgreSQL is unreachable when the server starts and while a call is
 * recorded: the server starts anyway, the call is served and recorded, the
 * metadata waits in the spool with the WAV kept, and once the database
 * answers the row appears. (A TCP proxy in front of the real PostgreSQL
 * plays the outage: nothing listens on its port until it is "up".)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { startTestServer, TEST_DATABASE_URL, type TestServer } from '../support/server.js';
import { runSipp, sippAvailable, type SippOptions, type SippRun } from '../support/sipp.js';
import { freePort } from '../support/ports.js';
import { writeSpeechPcap } from '../support/pcap.js';
import type { Call } from '../../src/calls/call.js';

const PCAPS = '/usr/share/sip-tester';
const skip = !sippAvailable() || !existsSync(`${PCAPS}/dtmf_2833_1.pcap`);
if (skip) console.warn('skipping database-outage recording test: sipp or its pcaps missing (apt-get install sip-tester)');

/** Forwards to the real PostgreSQL once `up()` is called; until then the port refuses connections. */
function pgProxy(port: number): { up: () => Promise<void>; close: () => Promise<void> } {
  const target = new URL(TEST_DATABASE_URL);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  return {
    up: () =>
      new Promise((resolve) => {
        server = createServer((client) => {
          const upstream = connect(Number(target.port || 5432), target.hostname);
          for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('close', () => sockets.delete(s));
            s.on('error', () => undefined);
          }
          client.pipe(upstream).pipe(client);
        });
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        if (server === undefined) resolve();
        else server.close(() => resolve());
      }),
  };
}

describe.skipIf(skip)('recording while the database is down', () => {
  let t: TestServer;
  let speech: string;
  let proxy: ReturnType<typeof pgProxy>;
  const sipp = async (o: Omit<SippOptions, 'target'>): Promise<SippRun> =>
    runSipp({ target: `127.0.0.1:${t.sipPort}`, ...o, extra: ['-mp', String(await freePort()), ...(o.extra ?? [])] });
  const expectOk = (name: string, run: SippRun): void => {
    if (run.code !== 0) console.error(name, run.errors || run.stderr || run.stdout);
    expect(run.code, `${name} sipp exit code`).toBe(0);
  };

  beforeAll(async () => {
    const port = await freePort();
    proxy = pgProxy(port);
    const url = new URL(TEST_DATABASE_URL);
    url.port = String(port);
    // nothing listens on the proxy's port yet: the server starts with the database unreachable
    t = await startTestServer({ digitTimeoutMs: 2000, env: { DATABASE_URL: url.href } });
    speech = join(t.dataDir, 'speech-20ms.pcap');
    writeSpeechPcap(speech, join(t.dataDir, 'speech.wav'), 'Hello, I am calling about my account and I would like to speak to somebody about it.');
  });
  afterAll(async () => {
    await t?.stop();
    await proxy?.close();
  });

  it('server starts without the DB; a bridged call is recorded, its metadata spooled with the WAV kept; DB back → row stored, spool empty', async () => {
    expect(t.server.db()).toBeUndefined();
    const port = await freePort();
    expectOk('register', await sipp({ scenario: 'register.xml', service: '1001', auth: { username: '1001', password: t.agentPassword('1001') }, localPort: port }));
    const calls: Call[] = [];
    t.server.calls.on('call', (c) => calls.push(c));
    const phone = sipp({ scenario: 'agent-phone-talk.xml', service: '1001', localPort: port, timeoutSec: 40, keys: { audio_pcap: speech } });
    await new Promise((r) => setTimeout(r, 300));
    expectOk('caller', await sipp({ scenario: 'caller-hotline.xml', service: '100', localPort: await freePort(), timeoutSec: 40, keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_1.pcap`, audio_pcap: speech } }));
    expectOk('phone', await phone);
    await t.server.recorder.flush();

    const spool = join(t.dataDir, 'recordings-spool');
    expect(t.server.recordings.pending()).toBe(1);
    expect(readdirSync(spool).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    const wavs = readdirSync(join(t.dataDir, 'recordings'), { recursive: true }).map(String).filter((f) => f.endsWith('.wav'));
    expect(wavs).toHaveLength(1);

    await proxy.up();
    await expect.poll(() => t.server.db() !== undefined, { timeout: 40_000, interval: 500 }).toBe(true);
    await expect.poll(() => t.server.recordings.pending(), { timeout: 40_000, interval: 500 }).toBe(0);
    const rows = await t.server.recordings.findByCall(calls[0]!.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.filePath.endsWith(wavs[0]!.split('/').pop()!)).toBe(true);
    expect(readdirSync(spool).filter((f) => f.endsWith('.json'))).toHaveLength(0);
  }, 120_000);
});
