/**
 * Starting and stopping the server as an operator does: `npm start` reports
 * healthy, SIGTERM stops it cleanly (exit 0), calls in progress are hung up
 * with BYE rather than dropped, and new calls during shutdown get 503.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startTestServer } from '../support/server.js';
import { freePort, mediaPorts } from '../support/ports.js';
import { runSipp, sippAvailable } from '../support/sipp.js';

const root = new URL('../../', import.meta.url).pathname;

async function waitForHealth(port: number, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      return { status: res.status, body: await res.json() };
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('server lifecycle', () => {
  it('npm start on the test config → /health 200 with sip and redis; SIGTERM → exits 0', async () => {
    const httpPort = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'hotline-lifecycle-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        CONFIG: 'config/test.yaml',
        SIP_PORT: String(await freePort()),
        SIP_WS_PORT: String(await freePort()),
        HTTP_PORT: String(httpPort),
        SIP_HOST: '127.0.0.1',
        REDIS_PREFIX: `test:${randomUUID()}:`,
        LOG_LEVEL: 'warn',
        // this worker's RTP block (the default 10000–20000 spans every parallel worker's) and a data dir of its own
        RTP_PORT_MIN: String(mediaPorts().rtp.min),
        RTP_PORT_MAX: String(mediaPorts().rtp.max),
        DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const health = await waitForHealth(httpPort, 15_000);
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'ok', checks: { sip: true, redis: true } });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(output).not.toMatch(/UNCAUGHT|UNHANDLED/);
  }, 30_000);

  it('an invalid config file → exit 2 with every error and its path', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: { ...process.env, CONFIG: 'config/test.yaml', SIP_PORT: 'not-a-port' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr).toMatch(/CONFIG_INVALID/);
    expect(stderr).toMatch(/SIP_PORT/);
  }, 20_000);

  it.skipIf(!sippAvailable())('graceful stop with a call up → the caller gets BYE; a new call meanwhile gets 503', async () => {
    const t = await startTestServer();
    try {
      const caller = runSipp({ target: `127.0.0.1:${t.sipPort}`, scenario: 'caller-hung-up-by-server.xml', service: 'answer', localPort: await freePort() });
      await expect.poll(() => t.server.sip.stats().sessions, { timeout: 5000 }).toBe(1);
      t.server.sip.ua.stopAccepting();
      const late = await runSipp({ target: `127.0.0.1:${t.sipPort}`, scenario: 'caller-bye.xml', service: 'answer', localPort: await freePort() });
      expect(late.code).not.toBe(0);
      expect(late.messages).toMatch(/SIP\/2\.0 503/);
      await t.server.stop();
      const run = await caller;
      if (run.code !== 0) console.error(run.errors);
      expect(run.code).toBe(0);
    } finally {
      await t.stop();
    }
  }, 30_000);
});
