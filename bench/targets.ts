/**
 * The two systems under test, each started as a child process: our server
 * (dist/src/main.js with config/test.yaml, test number `answer`) and a minimal
 * UAS on npm's `sip` package (dist/bench/sip-pkg-uas.js).
 */
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { forwardOutput, freePort, log, sleep, startChild, stopChild } from './proc.js';
import type { Target } from './sipp-ramp.js';

/**
 * Node flags for both targets, the same as `npm start` uses for the server
 * (package.json): a larger young generation, since a SIP server allocates a
 * lot of short-lived objects per message. Both get them, so the ratio stays fair.
 */
const NODE_FLAGS = ['--max-semi-space-size=64'];

const HOST = '127.0.0.1';
/** The repository root (this file runs from dist/bench/). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningTarget extends Target {
  name: string;
  /** SIGTERM, wait; resolves with the exit code (or signal). */
  stop(): Promise<number | string>;
}


function checkAlive(child: ChildProcess, name: string): void {
  if (child.exitCode !== null || child.signalCode !== null)
    throw new Error(`${name} exited during start-up (${child.exitCode ?? child.signalCode})`);
}

/** Sends OPTIONS over UDP until a final response arrives (the target is ready) or `timeoutMs` passes. */
async function waitSipReady(child: ChildProcess, name: string, port: number, timeoutMs = 15_000): Promise<void> {
  const socket = createSocket('udp4');
  const answered = new Promise<void>((resolve) => socket.on('message', (msg) => /^SIP\/2\.0 [2-6]\d\d/.test(msg.toString()) && resolve()));
  await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
  const local = socket.address().port;
  const deadline = Date.now() + timeoutMs;
  try {
    for (let n = 1; ; n += 1) {
      checkAlive(child, name);
      if (Date.now() > deadline) throw new Error(`${name} did not answer OPTIONS on udp ${HOST}:${port}`);
      const options =
        `OPTIONS sip:ping@${HOST}:${port} SIP/2.0\r\nVia: SIP/2.0/UDP ${HOST}:${local};branch=z9hG4bK-bench-${n}\r\n` +
        `From: <sip:bench@${HOST}>;tag=b${n}\r\nTo: <sip:ping@${HOST}>\r\nCall-ID: bench-ping-${n}-${local}\r\n` +
        `CSeq: ${n} OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
      socket.send(options, port, HOST);
      const ok = await Promise.race([answered.then(() => true), sleep(300).then(() => false)]);
      if (ok) return;
    }
  } finally {
    socket.close();
  }
}

async function waitHealthy(child: ChildProcess, name: string, httpPort: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    checkAlive(child, name);
    try {
      const res = await fetch(`http://${HOST}:${httpPort}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name}: GET /health did not return 200 within ${timeoutMs} ms`);
    await sleep(200);
  }
}

function running(name: string, child: ChildProcess, port: number, service: string): RunningTarget {
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  // The server hangs up live calls (a BYE may take Timer F = 32 s) and drains transactions on SIGTERM.
  return { name, host: HOST, port, service, pid: child.pid, stop: () => stopChild(child, 45_000) };
}

/** Our server with config/test.yaml on free ports, after GET /health = 200. */
export async function startOurServer(cpu?: number): Promise<RunningTarget> {
  const [sipPort, wsPort, httpPort] = [await freePort(HOST), await freePort(HOST), await freePort(HOST)];
  const env = {
    ...process.env,
    CONFIG: 'config/test.yaml',
    SIP_PORT: String(sipPort),
    SIP_WS_PORT: String(wsPort),
    HTTP_PORT: String(httpPort),
    SIP_HOST: HOST,
    REDIS_PREFIX: `bench:${randomBytes(4).toString('hex')}:`,
    LOG_LEVEL: 'warn',
  };
  const child = startChild(process.execPath, [...NODE_FLAGS, 'dist/src/main.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], cpu });
  forwardOutput(child, 'server');
  await waitHealthy(child, 'server', httpPort);
  await waitSipReady(child, 'server', sipPort);
  log(`server up: pid ${child.pid}, sip udp ${HOST}:${sipPort}, http ${httpPort}`);
  return running('server', child, sipPort, 'answer');
}

/** The `sip`-package UAS on a free port, after it answers OPTIONS. */
export async function startSipPkgUas(cpu?: number): Promise<RunningTarget> {
  const port = await freePort(HOST);
  const child = startChild(process.execPath, [...NODE_FLAGS, 'dist/bench/sip-pkg-uas.js', String(port), HOST], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    cpu,
  });
  forwardOutput(child, 'sip-pkg');
  await waitSipReady(child, 'sip-pkg', port);
  log(`sip-pkg UAS up: pid ${child.pid}, sip udp ${HOST}:${port}`);
  return running('sip-pkg', child, port, 'answer');
}
