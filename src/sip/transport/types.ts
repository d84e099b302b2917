/**
 * What the layers above the transports know about where a message came from
 * and where one goes.
 */
import type { SipMessage } from '../message/message.js';

export type TransportProtocol = 'UDP' | 'TCP' | 'WS' | 'WSS';

export interface Destination {
  protocol: TransportProtocol;
  /** IP address without brackets. */
  address: string;
  port: number;
  /**
   * For connection-oriented transports: the connection a request arrived on,
   * so responses and in-dialog requests go back over it (RFC 3261 §18.2.2,
   * RFC 5626 style reuse; essential for WebSocket clients).
   */
  connectionId?: string;
}

/** Reliable transports: no retransmission timers (RFC 3261 §17). */
export function isReliable(protocol: TransportProtocol): boolean {
  return protocol !== 'UDP';
}

export interface InboundMessage {
  message: SipMessage;
  source: Destination;
}

/** Send a message; rejects (TransportError) when the destination cannot be reached. */
export type SendFn = (message: SipMessage, destination: Destination) => Promise<void>;

export class TransportError extends Error {
  readonly code = 'SIP_TRANSPORT_ERROR';
}
