/**
 * TCP transport (RFC 3261 §18.3): a byte stream framed by Content-Length.
 * Connections are kept by id so responses and later requests reuse them;
 * outbound requests to a TCP destination open (or reuse) a connection.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { parseStream, type ParseOutcome } from '../message/parser.js';
import type { Destination } from './types.js';
import { TransportError } from './types.js';

export interface StreamHandler {
  (outcome: ParseOutcome, source: Destination): void;
}

export interface TcpOptions {
  /** Close a connection that has held an incomplete message this long (ms). */
  incompleteTimeoutMs: number;
  /** Close a connection with no traffic at all for this long (ms). */
  idleTimeoutMs: number;
  /**
   * After a framing error: how long the connection stays open for writing
   * (reading nothing more) before it is closed, so answers still being built
   * for requests framed before the error (e.g. a REGISTER waiting on Redis)
   * can go out (ms). Default 1000.
   */
  closeLingerMs?: number;
}

interface Connection {
  id: string;
  socket: Socket;
  buffer: Buffer;
  source: Destination;
  incompleteTimer?: NodeJS.Timeout;
  /** Framing was lost: nothing more is read; closed when `lingerTimer` fires. */
  closing?: boolean;
  lingerTimer?: NodeJS.Timeout;
}

let nextId = 0;

export class TcpTransport {
  private server: Server | undefined;
  private readonly connections = new Map<string, Connection>();
  /** "address:port" of the remote end → connection id, for reuse. */
  private readonly byRemote = new Map<string, string>();

  constructor(
    private readonly host: string,
    private port: number,
    private readonly onOutcome: StreamHandler,
    private readonly options: TcpOptions = { incompleteTimeoutMs: 32_000, idleTimeoutMs: 600_000 },
    private readonly onClosed?: (connectionId: string) => void,
  ) {}

  get localPort(): number {
    return this.port;
  }

  /** Before listen(): the port to bind. */
  setPort(port: number): void {
    this.port = port;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async listen(): Promise<void> {
    const server = createServer((socket) => this.adopt(socket));
    this.server = server;
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    if (addr !== null && typeof addr === 'object') this.port = addr.port;
  }

  private adopt(socket: Socket): Connection {
    const id = `tcp-${++nextId}`;
    const address = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const conn: Connection = {
      id,
      socket,
      buffer: Buffer.alloc(0),
      source: { protocol: 'TCP', address, port: socket.remotePort ?? 0, connectionId: id },
    };
    this.connections.set(id, conn);
    this.byRemote.set(`${address}:${conn.source.port}`, id);
    socket.setNoDelay(true);
    socket.setTimeout(this.options.idleTimeoutMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.forget(conn));
    return conn;
  }

  private forget(conn: Connection): void {
    if (conn.incompleteTimer) clearTimeout(conn.incompleteTimer);
    if (conn.lingerTimer) clearTimeout(conn.lingerTimer);
    this.connections.delete(conn.id);
    const key = `${conn.source.address}:${conn.source.port}`;
    if (this.byRemote.get(key) === conn.id) this.byRemote.delete(key);
    this.onClosed?.(conn.id);
  }

  private onData(conn: Connection, chunk: Buffer): void {
    if (conn.closing === true) return;
    conn.buffer = conn.buffer.length === 0 ? chunk : Buffer.concat([conn.buffer, chunk]);
    if (conn.incompleteTimer) {
      clearTimeout(conn.incompleteTimer);
      conn.incompleteTimer = undefined;
    }
    while (conn.buffer.length > 0) {
      const outcome = parseStream(conn.buffer);
      if (outcome.kind === 'incomplete') {
        conn.incompleteTimer = setTimeout(() => conn.socket.destroy(), this.options.incompleteTimeoutMs);
        return;
      }
      if (outcome.kind === 'keepalive') {
        // RFC 5626 §3.5.1: answer a CRLFCRLF ping with a CRLF pong
        if (outcome.consumed >= 4) conn.socket.write('\r\n');
        conn.buffer = conn.buffer.subarray(outcome.consumed);
        continue;
      }
      if (outcome.kind === 'error') {
        this.onOutcome(outcome, conn.source);
        // Framing is lost: read nothing more, but keep the connection writable a
        // little longer, so answers to the requests framed before the error
        // (some are built asynchronously) still go out; then close.
        conn.buffer = Buffer.alloc(0);
        conn.closing = true;
        conn.lingerTimer = setTimeout(() => conn.socket.end(), this.options.closeLingerMs ?? 1000);
        return;
      }
      conn.buffer = conn.buffer.subarray(outcome.consumed);
      this.onOutcome(outcome, conn.source);
    }
  }

  async send(data: Buffer, dest: Destination): Promise<void> {
    let conn = dest.connectionId !== undefined ? this.connections.get(dest.connectionId) : undefined;
    if (conn === undefined) {
      const id = this.byRemote.get(`${dest.address}:${dest.port}`);
      conn = id !== undefined ? this.connections.get(id) : undefined;
    }
    if (conn === undefined || conn.socket.destroyed) conn = await this.open(dest);
    const socket = conn.socket;
    await new Promise<void>((resolve, reject) => {
      socket.write(data, (err) => (err ? reject(new TransportError(err.message)) : resolve()));
    });
  }

  private open(dest: Destination): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: dest.address, port: dest.port });
      const fail = (err: Error): void => reject(new TransportError(err.message));
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.off('error', fail);
        resolve(this.adopt(socket));
      });
    });
  }

  async close(): Promise<void> {
    for (const conn of this.connections.values()) conn.socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
