/**
 * The transport layer: owns the UDP, TCP and WebSocket transports, turns bytes
 * into messages, stamps `received`/`rport` on the top Via of requests
 * (RFC 3261 §18.2.1, RFC 3581), refuses what cannot be accepted with a
 * stateless 400/416/505 when it can be answered, and drops the rest, counting.
 * Nothing here throws into a socket callback.
 */
import { isIPv6 } from 'node:net';
import { parseDatagram, type ParseOutcome } from '../message/parser.js';
import { SipRequest, type SipMessage } from '../message/message.js';
import { serialize } from '../message/serializer.js';
import { validateRequest } from '../message/validate.js';
import { createResponse } from '../message/build.js';
import type { Via } from '../message/headers.js';
import { uriHost } from '../message/uri.js';
import { TcpTransport } from './tcp.js';
import { UdpTransport } from './udp.js';
import { WsTransport } from './ws.js';
import { TransportError, type Destination, type TransportProtocol } from './types.js';

export interface TransportLayerOptions {
  host: string;
  publicHost: string;
  udpPort: number;
  tcpPort: number;
  wsPort?: number;
  tcpIncompleteTimeoutMs?: number;
  /** Close a TCP connection idle this long; must outlast the longest registration on it. */
  tcpIdleTimeoutMs?: number;
  onMessage: (message: SipMessage, source: Destination) => void;
  onRefused?: (code: string, source: Destination) => void;
  /** A TCP or WebSocket connection closed. */
  onFlowClosed?: (connectionId: string) => void;
}

export interface TransportStats {
  received: number;
  sent: number;
  dropped: number;
  refused: number;
  sendErrors: number;
  tcpConnections: number;
  wsConnections: number;
}

export class TransportLayer {
  readonly udp: UdpTransport;
  readonly tcp: TcpTransport;
  readonly ws: WsTransport | undefined;
  private readonly counters = { received: 0, sent: 0, dropped: 0, refused: 0, sendErrors: 0 };

  constructor(private readonly opts: TransportLayerOptions) {
    this.udp = new UdpTransport(opts.host, opts.udpPort, (data, source) => this.onDatagram(data, source));
    this.tcp = new TcpTransport(opts.host, opts.tcpPort, (outcome, source) => this.onOutcome(outcome, source), {
      incompleteTimeoutMs: opts.tcpIncompleteTimeoutMs ?? 32_000,
      idleTimeoutMs: opts.tcpIdleTimeoutMs ?? 3_720_000,
    }, opts.onFlowClosed);
    this.ws =
      opts.wsPort !== undefined ? new WsTransport(opts.host, opts.wsPort, (data, source) => this.onDatagram(data, source), opts.onFlowClosed) : undefined;
  }

  /**
   * Bind every transport. UDP and TCP share one port number (a SIP URI names
   * one port for both): with port 0, the port UDP gets is tried for TCP, a few
   * times over if TCP finds it taken.
   */
  async listen(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await this.udp.listen();
      if (this.opts.udpPort === 0 && this.opts.tcpPort === 0) this.tcp.setPort(this.udp.localPort);
      try {
        await this.tcp.listen();
        break;
      } catch (err) {
        await this.udp.close();
        if (this.opts.udpPort !== 0 || attempt >= 10) throw err;
        this.udp.setPort(0);
      }
    }
    await this.ws?.listen();
  }

  async close(): Promise<void> {
    await Promise.all([this.udp.close(), this.tcp.close(), this.ws?.close()]);
  }

  stats(): TransportStats {
    return { ...this.counters, tcpConnections: this.tcp.connectionCount, wsConnections: this.ws?.connectionCount ?? 0 };
  }

  /** Port of a listening transport (after listen(), ports given as 0 are resolved). */
  port(protocol: TransportProtocol): number {
    if (protocol === 'UDP') return this.udp.localPort;
    if (protocol === 'TCP') return this.tcp.localPort;
    return this.ws?.localPort ?? 0;
  }

  /** The sent-by this server puts in its Via for a transport. */
  sentBy(protocol: TransportProtocol): string {
    return `${uriHost(this.opts.publicHost)}:${this.port(protocol)}`;
  }

  /** A Via value (without branch) for requests sent over `protocol`. */
  viaFor(protocol: TransportProtocol, branch: string): string {
    return `SIP/2.0/${protocol} ${this.sentBy(protocol)};branch=${branch};rport`;
  }

  /** A Contact URI reaching this server over `protocol`. */
  contactUri(protocol: TransportProtocol, user?: string): string {
    const userPart = user !== undefined ? `${user}@` : '';
    const transport = protocol === 'UDP' ? '' : `;transport=${protocol.toLowerCase()}`;
    return `sip:${userPart}${this.sentBy(protocol)}${transport}`;
  }

  send(message: SipMessage, dest: Destination): Promise<void> {
    let data: Buffer;
    try {
      data = serialize(message);
    } catch (err) {
      return Promise.reject(new TransportError(`cannot serialise: ${(err as Error).message}`));
    }
    this.counters.sent++;
    let p: Promise<void>;
    if (dest.protocol === 'UDP') p = this.udp.send(data, dest);
    else if (dest.protocol === 'TCP') p = this.tcp.send(data, dest);
    else if (this.ws !== undefined) p = this.ws.send(data, dest);
    else p = Promise.reject(new TransportError(`no ${dest.protocol} transport`));
    return p.catch((err: unknown) => {
      this.counters.sendErrors++;
      throw err instanceof TransportError ? err : new TransportError(String(err));
    });
  }

  private onDatagram(data: Buffer, source: Destination): void {
    let outcome: ParseOutcome;
    try {
      outcome = parseDatagram(data);
    } catch {
      this.counters.dropped++;
      return;
    }
    this.onOutcome(outcome, source);
  }

  private onOutcome(outcome: ParseOutcome, source: Destination): void {
    try {
      if (outcome.kind === 'keepalive' || outcome.kind === 'incomplete') return;
      this.counters.received++;
      if (outcome.kind === 'error') {
        const req = outcome.partial;
        if (req === undefined || req.method === 'ACK') {
          this.counters.dropped++;
          return;
        }
        const status = outcome.code === 'SIP_BAD_VERSION' ? 505 : 400;
        this.refuse(req, source, status, status === 505 ? 'Version Not Supported' : `Bad Request (${outcome.reason})`, outcome.code);
        return;
      }
      const message = outcome.message;
      if (message instanceof SipRequest) {
        const refusal = validateRequest(message);
        if (refusal !== undefined) {
          if (message.method === 'ACK') this.counters.dropped++;
          else this.refuse(message, source, refusal.status, refusal.reason, refusal.code);
          return;
        }
        stampVia(message, source);
      } else if (message.vias.length === 0 || message.topVia === undefined || message.cseq === undefined) {
        this.counters.dropped++;
        return;
      }
      this.opts.onMessage(message, source);
    } catch {
      // a bug in a handler must not take the transport down
      this.counters.dropped++;
    }
  }

  private refuse(req: SipRequest, source: Destination, status: number, reason: string, code: string): void {
    this.counters.refused++;
    this.opts.onRefused?.(code, source);
    const res = createResponse(req, status, reason);
    if (!res.has('via') || !res.has('cseq')) {
      // The sender matches a response to its request by the Via branch and the
      // CSeq method (RFC 3261 §17.1.3): without them an answer is useless; drop.
      // A request missing Call-ID, From or To still gets its 400 (RFC 4475 §3.3.2).
      this.counters.dropped++;
      return;
    }
    // Reply to where it came from: a malformed request's Via cannot be trusted.
    this.send(res, source).catch(() => undefined);
  }
}

/** RFC 3261 §18.2.1 + RFC 3581: record where the request really came from. */
function stampVia(req: SipRequest, source: Destination): void {
  // validateRequest has parsed the Vias already: use (and update) that
  const via = req.topVia;
  if (via === undefined) return;
  const host = via.host.startsWith('[') ? via.host.slice(1, -1) : via.host;
  const sameHost = isIPv6(source.address) ? host.toLowerCase() === source.address.toLowerCase() : host === source.address;
  const rport = via.params.has('rport');
  if (sameHost && !rport) return;
  const stamped: Via = { ...via, params: new Map(via.params) };
  stamped.params.set('received', source.address);
  if (rport) stamped.params.set('rport', String(source.port));
  req.replaceTopVia(stamped);
}
