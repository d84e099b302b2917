/**
 * The registrar's data model: a binding of an address-of-record to a contact
 * (RFC 3261 §10), its events and its errors.
 */
import type { Destination } from '../transport/types.js';

export interface Binding {
  /** The address-of-record, e.g. "sip:1001@hotline.example". */
  aor: string;
  /** The contact URI exactly as the phone sent it (URI parameters and headers included). */
  uri: string;
  /** Absolute expiry, ms since the epoch. */
  expiresAt: number;
  /** 0…1, default 1. */
  q: number;
  callId: string;
  cseq: number;
  /** Where the REGISTER came from (connectionId for TCP/WS flows). */
  source: Destination;
  /** The server instance that holds `source.connectionId`. */
  instanceId: string;
  userAgent?: string;
  /** `+sip.instance` (RFC 5626), unquoted, e.g. "<urn:uuid:…>". */
  sipInstance?: string;
  /** `reg-id` (RFC 5626). */
  regId?: string;
  /** When this binding was last written, ms since the epoch. */
  updatedAt: number;
}

export interface ExpiresPolicy {
  /** Seconds; a non-zero request below this gets 423 Interval Too Brief. */
  min: number;
  /** Seconds; longer requests are shortened to this. */
  max: number;
  /** Seconds; used when the REGISTER names no expiry. */
  default: number;
}

/** Why a binding went away. */
export type UnregisterReason = 'unregistered' | 'expired' | 'flow-closed';

export interface RegistrarEvents {
  /** A binding was added (`isNew`) or refreshed. */
  registered: [user: string, binding: Binding, isNew: boolean];
  unregistered: [user: string, binding: Binding, reason: UnregisterReason];
}

/**
 * REGISTRAR_STORE_UNAVAILABLE: Redis (the bindings) could not be reached;
 * REGISTRAR_AUTH_UNAVAILABLE: the authenticator failed (its Redis replay guard or password lookup).
 */
export type RegistrarErrorCode = 'REGISTRAR_STORE_UNAVAILABLE' | 'REGISTRAR_AUTH_UNAVAILABLE';

export class RegistrarError extends Error {
  override readonly name = 'RegistrarError';

  constructor(
    readonly code: RegistrarErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
