/**
 * The SIP stack as the rest of the server sees it: transports, transaction
 * layer and user-agent core started and stopped together.
 */
import type { Logger } from 'pino';
import { TransportLayer, type TransportStats } from './transport/layer.js';
import { UserAgentCore, type UaHandlers } from './ua/core.js';
import type { TransactionStats } from './transaction/types.js';

export interface SipStackOptions {
  host: string;
  publicHost: string;
  /** UDP and TCP port (0 = any free port). */
  port: number;
  /** WebSocket port; omit to run without WebSocket. */
  wsPort?: number;
  userAgent: string;
  handlers: UaHandlers;
  logger?: Logger;
  timers?: { T1?: number; T2?: number; T4?: number };
  tcpIncompleteTimeoutMs?: number;
  /** Idle TCP connections close after this; a closed flow drops the bindings made over it. */
  tcpIdleTimeoutMs?: number;
  /** A TCP/WS connection closed (so bindings tied to it can go). */
  onFlowClosed?: (connectionId: string) => void;
}

export interface SipStats {
  transport: TransportStats;
  transactions: TransactionStats;
  sessions: number;
}

export class SipStack {
  readonly transports: TransportLayer;
  readonly ua: UserAgentCore;
  private started = false;

  constructor(opts: SipStackOptions) {
    const logger = opts.logger;
    this.transports = new TransportLayer({
      host: opts.host,
      publicHost: opts.publicHost,
      udpPort: opts.port,
      tcpPort: opts.port,
      wsPort: opts.wsPort,
      tcpIncompleteTimeoutMs: opts.tcpIncompleteTimeoutMs,
      tcpIdleTimeoutMs: opts.tcpIdleTimeoutMs,
      onMessage: (message, source) => this.ua.receive(message, source),
      onRefused: (code, source) => logger?.debug({ code, transport: source.protocol }, 'SIP request refused'),
      onFlowClosed: opts.onFlowClosed,
    });
    this.ua = new UserAgentCore({
      transports: this.transports,
      handlers: opts.handlers,
      userAgent: opts.userAgent,
      timers: opts.timers,
      logger,
    });
  }

  get isRunning(): boolean {
    return this.started;
  }

  async start(): Promise<void> {
    await this.transports.listen();
    this.started = true;
  }

  port(protocol: 'UDP' | 'TCP' | 'WS'): number {
    return this.transports.port(protocol);
  }

  stats(): SipStats {
    return { transport: this.transports.stats(), transactions: this.ua.transactions.stats(), sessions: this.ua.sessionCount };
  }

  /**
   * Graceful stop: refuse new calls, hang up the ones in progress, let open
   * transactions finish (at most `drainMs`), then close the sockets.
   */
  async stop(drainMs = 5000): Promise<void> {
    if (!this.started) return;
    this.ua.stopAccepting();
    // BYEs to peers that are already gone would wait out Timer F (32 s): cap it
    let capTimer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((resolve) => (capTimer = setTimeout(resolve, drainMs)));
    await Promise.race([this.ua.endAll(), cap]);
    clearTimeout(capTimer);
    await this.ua.transactions.drain(drainMs);
    this.started = false;
    await this.transports.close();
  }
}
