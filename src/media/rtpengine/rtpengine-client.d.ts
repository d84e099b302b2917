/**
 * The part of npm `rtpengine-client` (0.4.x, untyped CommonJS) that
 * src/media/rtpengine/ng.ts uses. Responses are bencode dictionaries decoded
 * as UTF-8; they are left `unknown` here and narrowed by the caller.
 * Import the default export (the CommonJS module object).
 */
declare module 'rtpengine-client' {
  export interface Destination {
    port: number;
    host: string;
  }

  export interface ClientOptions {
    localPort?: number;
    localAddress?: string;
    /** Per-request timeout in ms (0 = none); the promise then rejects with RtpEngineError 'rtpengine timeout …'. */
    timeout?: number;
    /** Reject with the bare error-reason string when result is 'error' (ng.ts leaves it off and checks itself). */
    rejectOnError?: boolean;
  }

  /** ng over UDP. Each command resolves with the decoded response dictionary. */
  export class Client {
    constructor(opts: ClientOptions);
    on(event: 'listening', listener: () => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    once(event: 'listening', listener: () => void): this;
    once(event: 'error', listener: (err: Error) => void): this;
    ping(dest: Destination): Promise<unknown>;
    offer(dest: Destination, params: Record<string, unknown>): Promise<unknown>;
    answer(dest: Destination, params: Record<string, unknown>): Promise<unknown>;
    delete(dest: Destination, params: Record<string, unknown>): Promise<unknown>;
    query(dest: Destination, params: Record<string, unknown>): Promise<unknown>;
    list(dest: Destination, params: Record<string, unknown>): Promise<unknown>;
    close(): void;
  }

  export class RtpEngineError extends Error {}

  const rtpengineClient: {
    Client: typeof Client;
    RtpEngineError: typeof RtpEngineError;
  };
  export default rtpengineClient;
}
