/**
 * Run and supervise a userspace rtpengine daemon (no kernel module, no
 * config file, no systemd): spawn, forward its stderr log to pino at debug,
 * wait until ng answers `pong`, stop with SIGTERM then SIGKILL.
 *
 * Flags that matter (rtpengine 10.5, Debian 12):
 * - `--config-file=none`: otherwise it silently reads /etc/rtpengine/rtpengine.conf
 *   (and opens the TCP ports configured there).
 * - `--table=-1`: userspace forwarding only (the kernel module is not loaded).
 * - `--foreground --log-stderr`: we own the process and its log.
 * - `--delete-delay=0`: a deleted call is gone at once (its ports are free again).
 * - `--log-level`: 6 (info) by default; 7 also dumps the DTLS private key.
 *
 * Events: `exit` (code, signal, expected). An exit we did not ask for is
 * logged at error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { TypedEmitter } from '../../sip/ua/typed-emitter.js';
import type { Logger } from '../../log.js';
import { NgClient, RtpEngineError } from './ng.js';

export interface RtpEngineProcessOptions {
  logger: Logger;
  /** Executable (default `rtpengine` on PATH). */
  binary?: string;
  /** `--interface`: `[NAME/]IP[!ADVERTISED]`; the address rtpengine binds media to and puts in SDP. */
  interface: string;
  /** ng control address; the port must be chosen by the caller (rtpengine cannot report an ephemeral one). */
  ngHost?: string;
  ngPort: number;
  portMin: number;
  portMax: number;
  /** `--log-level` (syslog levels, default 6). */
  logLevel?: number;
  /** `--delete-delay` seconds (default 0). */
  deleteDelay?: number;
  /** More command-line flags, appended as given. */
  extraArgs?: readonly string[];
  /** How long start() waits for the first pong (default 5000 ms). */
  startTimeoutMs?: number;
  /** stop(): wait this long after SIGTERM before SIGKILL (default 2000 ms). */
  stopGraceMs?: number;
  /** ng request timeout for the client this process hands out (default 3000 ms). */
  ngTimeoutMs?: number;
}

export type RtpEngineProcessEvents = {
  /** The daemon exited; `expected` is true when stop() asked it to. */
  exit: [code: number | null, signal: NodeJS.Signals | null, expected: boolean];
};

/** Lines of stderr kept to explain a failed start. */
const TAIL_LINES = 20;

export class RtpEngineProcess extends TypedEmitter<RtpEngineProcessEvents> {
  private readonly opts: RtpEngineProcessOptions;
  private readonly logger: Logger;
  private child: ChildProcess | undefined;
  private client: NgClient | undefined;
  private exited: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private readonly tail: string[] = [];
  private running = false;

  constructor(opts: RtpEngineProcessOptions) {
    super();
    this.opts = opts;
    this.logger = opts.logger;
  }

  /** The command line start() runs (for logs and tests). */
  get args(): string[] {
    const o = this.opts;
    return [
      '--config-file=none',
      '--table=-1',
      `--interface=${o.interface}`,
      `--listen-ng=${this.ngAddress}`,
      `--port-min=${o.portMin}`,
      `--port-max=${o.portMax}`,
      '--foreground',
      '--log-stderr',
      `--log-level=${o.logLevel ?? 6}`,
      `--delete-delay=${o.deleteDelay ?? 0}`,
      ...(o.extraArgs ?? []),
    ];
  }

  get ngAddress(): string {
    const host = this.opts.ngHost ?? '127.0.0.1';
    return host.includes(':') ? `[${host}]:${this.opts.ngPort}` : `${host}:${this.opts.ngPort}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** True between a successful start() and an exit. */
  get healthy(): boolean {
    return this.running;
  }

  /** The ng client for this daemon (valid after start()). */
  get ng(): NgClient {
    if (this.client === undefined) throw new RtpEngineError('MEDIA_RTPENGINE_CLOSED', 'rtpengine is not started');
    return this.client;
  }

  /**
   * Spawn the daemon and wait for its first pong (one start per instance). Rejects MEDIA_RTPENGINE_MISSING
   * when the binary is not there, MEDIA_RTPENGINE_START when it exits or stays
   * silent (the message carries the last lines of its log).
   */
  async start(): Promise<void> {
    if (this.child !== undefined) throw new RtpEngineError('MEDIA_RTPENGINE_START', 'rtpengine already started');
    const binary = this.opts.binary ?? 'rtpengine';
    const args = this.args;
    this.logger.info({ binary, args }, 'starting rtpengine');

    // rtpengine binds its ng socket with address reuse: a second daemon on the same
    // ng port starts fine and the first one keeps answering. Refuse instead.
    const before = new NgClient({ host: this.opts.ngHost ?? '127.0.0.1', port: this.opts.ngPort, timeoutMs: 200 });
    const taken = await before.ping().then(
      () => true,
      () => false,
    );
    before.close();
    if (taken) {
      throw new RtpEngineError(
        'MEDIA_RTPENGINE_START',
        `another rtpengine already answers ng on ${this.ngAddress}; choose a free ng port`,
      );
    }

    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // If this Node process exits without stop() (crash, process.exit), do not leave the daemon behind.
    const killOnExit = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    this.tail.length = 0;

    // It logs to stderr (--log-stderr); stdout is read too so nothing it prints is lost.
    for (const stream of [child.stderr, child.stdout]) {
      if (stream === null) continue;
      const rl = createInterface({ input: stream });
      rl.on('line', (line) => {
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        this.logger.debug({ rtpengine: line }, 'rtpengine');
      });
    }

    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let spawnFailed = false;
    this.exited = new Promise<void>((resolve) => {
      // 'close' (not 'exit'): stderr is drained by then, so the tail holds its last words.
      child.once('close', (code, signal) => {
        exitInfo = { code, signal };
        process.off('exit', killOnExit);
        if (spawnFailed) {
          resolve();
          return;
        }
        const expected = this.stopping !== undefined;
        const wasRunning = this.running;
        this.running = false;
        if (!expected && wasRunning) {
          this.logger.error({ code, signal, tail: this.tail.slice(-5) }, 'rtpengine exited unexpectedly');
        } else {
          this.logger.info({ code, signal }, 'rtpengine exited');
        }
        this.emit('exit', code, signal, expected);
        resolve();
      });
    });

    // Wait for spawn success or failure (ENOENT / EACCES).
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        child.off('spawn', onSpawn);
        spawnFailed = true;
        this.child = undefined;
        if (err.code === 'ENOENT' || err.code === 'EACCES') {
          reject(
            new RtpEngineError(
              'MEDIA_RTPENGINE_MISSING',
              `rtpengine binary '${binary}' not found or not executable (${err.code}); ` +
                'install Debian package rtpengine-daemon (apt-get install --no-install-recommends rtpengine-daemon)',
            ),
          );
        } else {
          reject(new RtpEngineError('MEDIA_RTPENGINE_START', `cannot spawn rtpengine: ${err.message}`));
        }
      };
      const onSpawn = (): void => {
        child.off('error', onError);
        // Later errors (kill failures) must not crash the process.
        child.on('error', (err) => this.logger.warn({ err }, 'rtpengine process error'));
        resolve();
      };
      child.once('error', onError);
      child.once('spawn', onSpawn);
    });

    const client = new NgClient({
      host: this.opts.ngHost ?? '127.0.0.1',
      port: this.opts.ngPort,
      timeoutMs: this.opts.ngTimeoutMs ?? 3000,
      logger: this.logger,
    });
    this.client = client;

    const startTimeout = this.opts.startTimeoutMs ?? 5000;
    const deadline = Date.now() + startTimeout;
    const probe = new NgClient({ host: this.opts.ngHost ?? '127.0.0.1', port: this.opts.ngPort, timeoutMs: 150 });
    try {
      for (;;) {
        if (exitInfo !== undefined) {
          throw new RtpEngineError(
            'MEDIA_RTPENGINE_START',
            `rtpengine exited during start (code ${String(exitInfo.code)}, signal ${String(exitInfo.signal)}): ` +
              (this.tail.length > 0 ? `\n${this.tail.join('\n')}` : `no output; check the command line: ${args.join(' ')}`),
          );
        }
        try {
          await probe.ping();
          break;
        } catch {
          // not listening yet
        }
        if (Date.now() >= deadline) {
          throw new RtpEngineError(
            'MEDIA_RTPENGINE_START',
            `rtpengine did not answer ng ping on ${this.ngAddress} within ${startTimeout} ms:\n${this.tail.join('\n')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    } catch (err) {
      probe.close();
      await this.stop();
      throw err;
    }
    probe.close();
    this.running = true;
    this.logger.info({ pid: child.pid, ng: this.ngAddress }, 'rtpengine ready');
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves when it has exited. Idempotent. */
  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping;
    const child = this.child;
    const exited = this.exited;
    this.client?.close();
    if (child === undefined || exited === undefined) {
      this.stopping = Promise.resolve();
      return this.stopping;
    }
    this.stopping = (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const grace = this.opts.stopGraceMs ?? 2000;
        let timer: NodeJS.Timeout | undefined;
        const killed = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            this.logger.warn({ pid: child.pid }, 'rtpengine did not stop on SIGTERM; sending SIGKILL');
            child.kill('SIGKILL');
            resolve();
          }, grace);
        });
        await Promise.race([exited, killed]);
        clearTimeout(timer);
      }
      await exited;
    })();
    return this.stopping;
  }
}
