/**
 * kill -9 of a real server process with callers in the ACD: one caller
 * ringing an agent, one waiting behind it. The media lived in that process,
 * so those calls cannot go on; what must not happen is a ghost: an entry
 * nobody will ever serve, or an agent left reserved forever. The restarted
 * process (same data dir, so the same instance id) cleans both up at once
 * and hangs the callers up (BYE from the dialogs kept in Redis).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort, mediaPorts } from '../support/ports.js';
import { runSipp, sippAvailable, type SippRun } from '../support/sipp.js';
import { createRedis, RedisKeys } from '../../src/store/redis.js';
import { AcdStore } from '../../src/acd/store/acd-store.js';
import { AcdKeys } from '../../src/acd/store/keys.js';

const root = new URL('../../', import.meta.url).pathname;
const PCAPS = '/usr/share/sip-tester';
const skip = !sippAvailable() || !existsSync(`${PCAPS}/dtmf_2833_1.pcap`);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** config/test.yaml plus one queue every agent serves, autoLogin on. */
function writeConfig(dir: string): string {
  const config = parse(readFileSync(join(root, 'config/test.yaml'), 'utf8')) as Record<string, unknown> & { agents: Record<string, unknown>[] };
  for (const a of config.agents) Object.assign(a, { skills: { support: 3 }, autoLogin: true });
  config.queues = [{ id: 'support', name: 'Support', requirement: { allOf: [{ skill: 'support' }] }, ringTimeoutSeconds: 60, announcements: { positionEverySeconds: 0 } }];
  config.acd = { hotlineMenu: { '1': 'support' }, hotlineDefaultQueue: 'support', instanceTimeoutSeconds: 5 };
  (config.prompts as Record<string, unknown>).dir = join(root, 'data/test-prompts');
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

describe.skipIf(skip)('ACD across a kill -9 of the server', () => {
  // the server under test is a child process: this file starts no media engine of its own
  const dataDir = mkdtempSync(join(tmpdir(), 'hotline-crash-'));
  const prefix = `test:${randomUUID()}:`;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    const redis = createRedis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('callers queued and ringing when the server is killed → on restart both are removed (EXITLOST, media lost) and get BYE, no ghost entry, the agent is free again', async () => {
    const configFile = writeConfig(dataDir);
    const [sipPort, httpPort] = [await freePort(), await freePort()];
    const ports = mediaPorts();
    const start = (): ChildProcess => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: root,
        env: {
          ...process.env,
          CONFIG: configFile,
          SIP_PORT: String(sipPort),
          SIP_WS_PORT: '0',
          HTTP_PORT: String(httpPort),
          SIP_HOST: '127.0.0.1',
          SIP_PUBLIC_HOST: '127.0.0.1',
          REDIS_URL,
          REDIS_PREFIX: prefix,
          DATA_DIR: dataDir,
          RTP_PORT_MIN: String(ports.rtp.min),
          RTP_PORT_MAX: String(ports.rtp.max),
          LOG_LEVEL: 'warn',
          DATABASE_URL: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      return child;
    };
    const healthy = async (): Promise<void> => {
      // a tsx start under a loaded CI machine (every other test file running) can take half a minute
      const deadline = Date.now() + 45_000;
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${httpPort}/health`).then((r) => r.ok, () => false);
        if (ok) return;
        if (Date.now() > deadline) throw new Error('server did not become healthy');
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const sipp = async (scenario: string, o: { service: string; localPort?: number; keys?: Record<string, string>; extra?: string[]; auth?: { username: string; password: string }; timeoutSec?: number }): Promise<SippRun> =>
      runSipp({ target: `127.0.0.1:${sipPort}`, scenario, ...o, localPort: o.localPort ?? (await freePort()), extra: ['-mp', String(await freePort()), ...(o.extra ?? [])] });

    const redis = createRedis(REDIS_URL);
    const store = new AcdStore(redis, { keys: new AcdKeys(new RedisKeys(prefix)), reservationTtlMs: 10_000, missesBeforePause: 3, handleTimeWindow: 50 });
    try {
      const first = start();
      await healthy();
      const phonePort = await freePort();
      const reg = await sipp('register.xml', { service: '1001', localPort: phonePort, auth: { username: '1001', password: 'ahx7-plum-41' } });
      expect(reg.code).toBe(0);
      await expect.poll(async () => (await store.agent('1001'))?.state, { timeout: 5000 }).toBe('available');

      // the phone rings until CANCEL (which never comes: the server dies)
      void sipp('agent-phone-ring.xml', { service: '1001', localPort: phonePort, timeoutSec: 110 });
      const keys = { dtmf_pcap: `${PCAPS}/dtmf_2833_1.pcap`, audio_pcap: `${PCAPS}/g711a.pcap` };
      // callers who stay until the server hangs them up
      const callerA = sipp('acd-caller-until-bye.xml', { service: '100', keys, timeoutSec: 110 });
      await expect.poll(async () => (await store.agent('1001'))?.state, { timeout: 10_000 }).toBe('ringing');
      const callerB = sipp('acd-caller-until-bye.xml', { service: '100', keys, timeoutSec: 110 });
      await expect.poll(async () => (await redis.scard(`${prefix}acd:entries`)), { timeout: 10_000 }).toBe(2);
      const before = (await store.journal()).filter((e) => e.event === 'ENTERQUEUE').map((e) => e.callId);
      expect(before).toHaveLength(2);

      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      // nothing cleaned up by the dead process
      expect(await redis.scard(`${prefix}acd:entries`)).toBe(2);
      expect((await store.agent('1001'))?.state).toBe('ringing');

      start();
      await healthy();
      await expect.poll(async () => redis.scard(`${prefix}acd:entries`), { timeout: 10_000 }).toBe(0);
      const lost = (await store.journal()).filter((e) => e.event === 'EXITLOST');
      expect(lost.map((e) => e.callId).sort()).toEqual([...before].sort());
      for (const e of lost) expect(e.data.reason).toBe('media-lost');
      expect(await store.agent('1001')).toMatchObject({ state: 'available', offers: [] });
      expect(await redis.zcard(`${prefix}acd:reservations`)).toBe(0);
      // and both callers got BYE from the restarted server, from the dialogs kept in Redis
      for (const [name, run] of [['A', await callerA], ['B', await callerB]] as const) {
        if (run.code !== 0) console.error(`caller ${name}`, run.errors || run.stderr);
        expect(run.code, `caller ${name} got BYE`).toBe(0);
      }
      expect(await redis.keys(`${prefix}acd:dialog:*`)).toEqual([]);
    } finally {
      // gone before the next file in this worker opens the same RTP block
      const gone = (c: ChildProcess): Promise<unknown> =>
        c.exitCode !== null || c.signalCode !== null
          ? Promise.resolve()
          : new Promise((r) => {
              c.once('exit', r);
              c.kill('SIGKILL');
            });
      await Promise.all(children.map(gone));
      redis.disconnect();
    }
  }, 150_000);
});
