/**
 * What sessions need from the user-agent core, as an interface so sessions
 * stay testable without sockets.
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { SipUri } from '../message/uri.js';
import type { Destination, TransportProtocol } from '../transport/types.js';
import type { Logger } from 'pino';

export interface ServerTxn {
  respond(res: SipResponse): void;
  /** TCP/WS: no retransmissions are needed. */
  readonly reliable?: boolean;
}

export interface ClientTxnHandlers {
  onResponse(res: SipResponse): void;
  onTimeout(): void;
  onTransportError(err: Error): void;
}

export interface RequestResult {
  response?: SipResponse;
  /** Set when no final response came. */
  failure?: 'timeout' | 'transport-error';
}

export interface UaTimers {
  T1: number;
  T2: number;
}

export interface UaContext {
  readonly timers: UaTimers;
  readonly logger: Logger | undefined;
  viaFor(protocol: TransportProtocol, branch: string): string;
  /** Our Contact as a name-addr (`<sip:…>`) for a transport. */
  contactFor(protocol: TransportProtocol, user?: string): string;
  /** Where a request to this URI goes (RFC 3263 simplified: IP or name lookup, no SRV). */
  resolve(uri: SipUri | undefined): Promise<Destination>;
  /** Send a request in a new client transaction; resolves with the final response or failure. */
  request(req: SipRequest, dest: Destination, onProvisional?: (res: SipResponse) => void): Promise<RequestResult>;
  /** Start an INVITE client transaction with raw handlers (the OutgoingCall drives it). */
  invite(req: SipRequest, dest: Destination, handlers: ClientTxnHandlers): { abort(): void };
  /** Send outside any transaction (ACK for 2xx, 2xx retransmissions). */
  sendStateless(message: SipRequest | SipResponse, dest: Destination): void;
  /** Dialog table upkeep. */
  rememberDialog(key: string, session: unknown): void;
  forgetDialog(key: string): void;
  optionsResponse(req: SipRequest): SipResponse;
}
