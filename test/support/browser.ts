/**
 * A real browser softphone for integration tests: headless Chromium (Debian
 * package, driven by playwright-core) on a harness page that runs JsSIP and,
 * for media-only tests, a bare RTCPeerConnection with the fake microphone.
 *
 *   const reason = skipReason();            // string when Chromium is missing
 *   const phone = await launchBrowser();
 *   await phone.register({ wsUrl, user: '1002', password, domain });
 *   const answerSdp = await phone.rawPeer.answer(webrtcOffer);
 *   await phone.close();
 *
 * The page (test/browser/harness.html) is served by a tiny HTTP server on
 * 127.0.0.1:<random>; http://127.0.0.1 is a secure context, so getUserMedia
 * works. JsSIP has no prebuilt browser bundle in its npm package (lib/ is
 * CommonJS), so /jssip.js is bundled once per test process with esbuild (a
 * vite/tsx dependency already in node_modules).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
  // (--headless comes from playwright's headless: true; --user-data-dir from launchPersistentContext)
];

const require = createRequire(import.meta.url);

/** Why browser tests cannot run here, or undefined when they can. */
export function skipReason(): string | undefined {
  if (!existsSync(CHROMIUM_PATH)) {
    return `Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
  }
  try {
    require.resolve('playwright-core');
  } catch {
    return 'npm playwright-core is not installed';
  }
  try {
    require.resolve('jssip/lib/JsSIP.js');
  } catch {
    return 'npm jssip is not installed';
  }
  try {
    require.resolve('esbuild');
  } catch {
    return 'npm esbuild (used to bundle JsSIP for the page) is not installed';
  }
  return undefined;
}

let bundle: Promise<string> | undefined;

/** JsSIP as one browser script (global `JsSIP`), built once per process. */
function jssipBundle(): Promise<string> {
  bundle ??= (async () => {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({
      entryPoints: [require.resolve('jssip/lib/JsSIP.js')],
      bundle: true,
      format: 'iife',
      globalName: 'JsSIP',
      platform: 'browser',
      target: 'chrome110',
      write: false,
      logLevel: 'silent',
    });
    const file = out.outputFiles[0];
    if (file === undefined) throw new Error('esbuild produced no JsSIP bundle');
    return file.text;
  })();
  return bundle;
}

export interface RegisterOptions {
  /** ws://host:port of the SIP WebSocket transport. */
  wsUrl: string;
  user: string;
  password: string;
  /** SIP domain = digest realm (config.sip.realm). */
  domain: string;
  displayName?: string;
  expires?: number;
}

export interface IncomingCallInfo {
  /** The caller's URI (From). */
  from: string;
  user: string;
  displayName: string | null;
  to: string;
  callId: string | null;
  /** The INVITE's SDP offer. */
  sdp: string | null;
}

export interface PeerStats {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** inbound-rtp audioLevel (0..1), when Chrome reports it. */
  audioLevelIn?: number;
  /** e.g. audio/PCMU, audio/opus. */
  codecIn?: string;
  codecOut?: string;
  /** "local:port -> remote:port" of the nominated, succeeded ICE pair. */
  selectedPair?: string;
  connectionState: string;
  iceConnectionState: string;
}

export interface SoftphoneState {
  registration: 'none' | 'registering' | 'registered' | 'unregistered' | 'failed';
  registered: boolean;
  session: 'none' | 'ringing' | 'calling' | 'progress' | 'accepted' | 'confirmed' | 'ended' | 'failed';
  direction: 'incoming' | 'outgoing' | null;
  /** JsSIP's cause for ended/failed. */
  cause: string | null;
  held: boolean;
  /** The page's recent events (incoming, progress, confirmed, hold, dtmf, …). */
  events: { t: number; type: string; [key: string]: unknown }[];
}

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** A bare RTCPeerConnection in the page (fake microphone), for media tests without SIP. */
export interface RawPeer {
  /** Take a remote offer (first or re-offer), return the complete answer (ICE gathered). */
  answer(offerSdp: string | Buffer, opts?: { direction?: Direction }): Promise<string>;
  /** Make an offer (first or re-offer), ICE gathered. */
  offer(opts?: { direction?: Direction }): Promise<string>;
  setAnswer(answerSdp: string | Buffer): Promise<void>;
  waitConnected(timeoutMs?: number): Promise<void>;
  /** RFC 4733 digits via RTCDTMFSender. */
  sendDtmf(digits: string): Promise<void>;
  stats(): Promise<PeerStats>;
  close(): Promise<void>;
}

export interface SoftphoneHarness {
  readonly page: Page;
  /** http://127.0.0.1:<port>/ of the harness page. */
  readonly url: string;
  /** JsSIP UA registers over WS; rejects with the reason on registrationFailed. */
  register(opts: RegisterOptions): Promise<void>;
  unregister(): Promise<void>;
  waitForIncoming(timeoutMs?: number): Promise<IncomingCallInfo>;
  /** Answer the ringing call; resolves when confirmed (ACK). */
  answer(timeoutMs?: number): Promise<void>;
  hangup(): Promise<void>;
  /**
   * Call a number or URI (a bare user gets `@domain` of the registration).
   * Resolves once the INVITE is sent, or with `wait: 'confirmed'` when answered.
   */
  call(target: string, opts?: { wait?: 'sent' | 'confirmed'; timeoutMs?: number }): Promise<{ callId: string | null }>;
  /** RFC 4733 by default; `transport: 'INFO'` for SIP INFO. */
  sendDtmf(digit: string, opts?: { transport?: 'RFC2833' | 'INFO' }): Promise<void>;
  hold(): Promise<void>;
  unhold(): Promise<void>;
  /** Audio RTP counters of the JsSIP session's RTCPeerConnection. */
  stats(): Promise<PeerStats>;
  state(): Promise<SoftphoneState>;
  /** Browser console lines (for failure messages). */
  consoleLines(): string[];
  readonly rawPeer: RawPeer;
  /** Close the page, the browser, the HTTP server; remove the profile dir. Idempotent. */
  close(): Promise<void>;
}

export interface LaunchOptions {
  executablePath?: string;
  /** More Chromium flags. */
  args?: readonly string[];
  /** Print the page's console to stderr (also with HARNESS_DEBUG=1). */
  echoConsole?: boolean;
}

function startPageServer(): Promise<{ server: Server; url: string }> {
  const htmlPath = fileURLToPath(new URL('../browser/harness.html', import.meta.url));
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === '/harness.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(readFileSync(htmlPath));
      return;
    }
    if (path === '/jssip.js') {
      jssipBundle().then(
        (js) => {
          res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
          res.end(js);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/` });
    });
  });
}

/** Start Chromium with a fresh profile on the harness page. */
export async function launchBrowser(opts: LaunchOptions = {}): Promise<SoftphoneHarness> {
  const { chromium } = await import('playwright-core');
  await jssipBundle();
  const { server, url } = await startPageServer();
  const profile = mkdtempSync(join(tmpdir(), 'hotline-chromium-'));
  const lines: string[] = [];
  const echo = opts.echoConsole === true || process.env.HARNESS_DEBUG === '1';

  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: opts.executablePath ?? CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
      timeout: 15_000,
    });
  } catch (err) {
    server.close();
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      await context.close().catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(profile, { recursive: true, force: true });
    })();
    return closed;
  };

  let page: Page;
  try {
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
      const line = `[page ${msg.type()}] ${msg.text()}`;
      lines.push(line);
      if (lines.length > 500) lines.shift();
      if (echo) process.stderr.write(`${line}\n`);
    });
    page.on('pageerror', (err) => {
      lines.push(`[page error] ${err.message}`);
      if (echo) process.stderr.write(`[page error] ${err.message}\n`);
    });
    await page.goto(url);
    await page.waitForFunction('typeof window.harness === "object" && typeof window.JsSIP === "object"', undefined, {
      timeout: 10_000,
    });
  } catch (err) {
    await close();
    throw err;
  }

  /**
   * Call window.harness[method](arg) in the page. A page error is rethrown as
   * a plain Error without the page's stack: vitest tries to read source maps
   * for frames like http://127.0.0.1:<port>/:299 and dies with EISDIR.
   */
  const call = async <T>(method: string, arg?: unknown): Promise<T> => {
    try {
      return (await page.evaluate(
        ([m, a]) => {
          const h = (globalThis as unknown as { harness: Record<string, (x: unknown) => unknown> }).harness;
          const fn = h[m];
          if (fn === undefined) throw new Error(`harness has no ${m}`);
          return fn(a);
        },
        [method, arg] as const,
      )) as T;
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err))
        .split('\n')
        .filter((l) => !/^\s+at /.test(l))
        .join('\n')
        .replace(/^page\.evaluate: /, '');
      // No `cause`: it would carry the page stack that vitest cannot map (see above).
      // eslint-disable-next-line preserve-caught-error
      throw new Error(`softphone ${method}: ${message}`);
    }
  };

  let domain: string | undefined;
  const text = (sdp: string | Buffer): string => (typeof sdp === 'string' ? sdp : sdp.toString('utf8'));

  const rawPeer: RawPeer = {
    answer: (sdp, o = {}) => call<string>('rawAnswer', { sdp: text(sdp), direction: o.direction }),
    offer: (o = {}) => call<string>('rawOffer', { direction: o.direction }),
    setAnswer: (sdp) => call<void>('rawSetAnswer', { sdp: text(sdp) }),
    waitConnected: (ms = 10_000) => call<void>('rawWaitConnected', ms),
    sendDtmf: (digits) => call<void>('rawSendDtmf', { digits }),
    stats: () => call<PeerStats>('rawStats'),
    close: () => call<void>('rawClose'),
  };

  return {
    page,
    url,
    rawPeer,
    async register(o) {
      domain = o.domain;
      await call<void>('register', o);
    },
    unregister: () => call<void>('unregister'),
    waitForIncoming: (ms = 10_000) => call<IncomingCallInfo>('waitForIncoming', ms),
    answer: (ms = 10_000) => call<void>('answer', ms),
    hangup: () => call<void>('hangup'),
    call(target, o = {}) {
      const uri = target.startsWith('sip:') || target.startsWith('sips:') ? target : `sip:${target}@${domain ?? '127.0.0.1'}`;
      return call<{ callId: string | null }>('call', { uri, wait: o.wait ?? 'sent', ms: o.timeoutMs });
    },
    sendDtmf: (digit, o = {}) => call<void>('sendDtmf', { digits: digit, transport: o.transport }),
    hold: () => call<void>('hold'),
    unhold: () => call<void>('unhold'),
    stats: () => call<PeerStats>('stats'),
    state: () => call<SoftphoneState>('state'),
    consoleLines: () => [...lines],
    async close() {
      if (closed === undefined) await call<void>('stop').catch(() => undefined);
      await close();
    },
  };
}

/** A headless Debian Chromium with one page whose console and errors are kept in `log` (the pages' tests). */
export async function launchPage(opts: { width?: number; height?: number; acceptDownloads?: boolean } = {}): Promise<{ browser: import('playwright-core').Browser; page: Page; log: string[] }> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS], timeout: 20_000 });
  const page = await (await browser.newContext({ viewport: { width: opts.width ?? 1400, height: opts.height ?? 900 }, acceptDownloads: opts.acceptDownloads === true })).newPage();
  const log: string[] = [];
  page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  return { browser, page, log };
}
