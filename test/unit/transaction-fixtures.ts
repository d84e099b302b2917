/**
 * Shared fixtures for the transaction-layer tests: raw SIP text parsed with
 * parseDatagram, a fake `send` that records what goes out, and a layer wired
 * to recording TU callbacks.
 */
import { vi } from 'vitest';
import { createResponse, parseDatagram, serialize, SipRequest, SipResponse, type SipMessage } from '../../src/sip/message/index.js';
import type { Destination, SendFn, TransportProtocol } from '../../src/sip/transport/types.js';
import {
  TransactionLayer,
  type ClientTransactionHandlers,
  type ServerTransaction,
  type TimerConfig,
} from '../../src/sip/transaction/index.js';

export function parse(text: string): SipMessage {
  const out = parseDatagram(Buffer.from(text.replace(/\r?\n/g, '\r\n')));
  if (out.kind !== 'message') throw new Error(`fixture did not parse: ${JSON.stringify(out)}`);
  return out.message;
}

export function parseRequest(text: string): SipRequest {
  const m = parse(text);
  if (!(m instanceof SipRequest)) throw new Error('not a request');
  return m;
}

export function parseResponse(text: string): SipResponse {
  const m = parse(text);
  if (!(m instanceof SipResponse)) throw new Error('not a response');
  return m;
}

export interface RequestSpec {
  method?: string;
  uri?: string;
  transport?: string;
  /** host[:port] of the top Via */
  sentBy?: string;
  /** null: no branch parameter at all (RFC 2543) */
  branch?: string | null;
  viaParams?: string;
  callId?: string;
  cseq?: number;
  cseqMethod?: string;
  fromTag?: string;
  toTag?: string;
  extra?: string[];
  /** A second Via below ours, as if a proxy had forwarded the request (default true). */
  proxyVia?: boolean;
}

/** A request as raw SIP text. */
export function requestText(s: RequestSpec = {}): string {
  const method = s.method ?? 'INVITE';
  const branch = s.branch === null ? '' : `;branch=${s.branch ?? 'z9hG4bKtest1'}`;
  return [
    `${method} ${s.uri ?? 'sip:bob@example.com'} SIP/2.0`,
    `Via: SIP/2.0/${s.transport ?? 'UDP'} ${s.sentBy ?? '192.0.2.10:5070'}${branch}${s.viaParams ?? ''}`,
    ...(s.proxyVia === false ? [] : ['Via: SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKproxy']),
    'Max-Forwards: 70',
    `From: "Alice" <sip:alice@example.com>;tag=${s.fromTag ?? 'fromtag1'}`,
    `To: <sip:bob@example.com>${s.toTag !== undefined ? `;tag=${s.toTag}` : ''}`,
    `Call-ID: ${s.callId ?? 'call-1@example.com'}`,
    `CSeq: ${s.cseq ?? 1} ${s.cseqMethod ?? method}`,
    ...(s.extra ?? []),
    '',
    '',
  ].join('\n');
}

export function request(s: RequestSpec = {}): SipRequest {
  return parseRequest(requestText(s));
}

/** The response a remote UAS would send to `req`, through the wire format. */
export function responseTo(req: SipRequest, status: number, toTag = 'uas-tag'): SipResponse {
  return parseResponse(serialize(createResponse(req, status, undefined, toTag)).toString('utf8'));
}

export interface Sent {
  message: SipMessage;
  dest: Destination;
}

export class FakeNetwork {
  readonly sent: Sent[] = [];
  /** When set, every send rejects with it. */
  failWith: Error | undefined;
  /** When set, every send throws it synchronously (a misbehaving transport). */
  throwWith: Error | undefined;

  readonly send: SendFn = (message, dest) => {
    this.sent.push({ message, dest });
    if (this.throwWith !== undefined) throw this.throwWith;
    return this.failWith === undefined ? Promise.resolve() : Promise.reject(this.failWith);
  };

  requests(method?: string): SipRequest[] {
    return this.sent
      .map((s) => s.message)
      .filter((m): m is SipRequest => m instanceof SipRequest && (method === undefined || m.method === method));
  }

  responses(status?: number): SipResponse[] {
    return this.sent
      .map((s) => s.message)
      .filter((m): m is SipResponse => m instanceof SipResponse && (status === undefined || m.status === status));
  }

  clear(): void {
    this.sent.length = 0;
  }
}

export interface Delivered {
  req: SipRequest;
  txn: ServerTransaction | undefined;
  source: Destination;
}

export function source(protocol: TransportProtocol = 'UDP', extra: Partial<Destination> = {}): Destination {
  return { protocol, address: '192.0.2.10', port: 5070, ...extra };
}

export const REMOTE: Destination = { protocol: 'UDP', address: '198.51.100.7', port: 5060 };

export function setup(timers?: Partial<TimerConfig>) {
  const net = new FakeNetwork();
  const requests: Delivered[] = [];
  const strays: SipResponse[] = [];
  const layer = new TransactionLayer({
    send: net.send,
    ...(timers === undefined ? {} : { timers }),
    onRequest: (req, txn, src) => requests.push({ req, txn, source: src }),
    onStray: (res) => strays.push(res),
  });
  return { net, layer, requests, strays };
}

export function clientHandlers() {
  return {
    onResponse: vi.fn<ClientTransactionHandlers['onResponse']>(),
    onTimeout: vi.fn<ClientTransactionHandlers['onTimeout']>(),
    onTransportError: vi.fn<ClientTransactionHandlers['onTransportError']>(),
    onTerminated: vi.fn<() => void>(),
  };
}

/** Let rejected sends reach their handlers. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** Outgoing request for a client transaction, with our own top Via. */
export function outgoing(s: RequestSpec = {}): SipRequest {
  return request({ sentBy: '203.0.113.1:5060', branch: 'z9hG4bKclient1', proxyVia: false, ...s });
}
