/**
 * WebSocket transport (RFC 7118): subprotocol "sip", one SIP message per
 * WebSocket message, responses and requests to a client only over its own
 * connection (browsers cannot be reached any other way).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Destination } from './types.js';
import { TransportError } from './types.js';

export interface WsHandler {
  (data: Buffer, source: Destination): void;
}

let nextId = 0;

export class WsTransport {
  private http: HttpServer | undefined;
  private wss: WebSocketServer | undefined;
  private readonly sockets = new Map<string, WebSocket>();

  constructor(
    private readonly host: string,
    private port: number,
    private readonly onData: WsHandler,
    private readonly onClosed?: (connectionId: string) => void,
    private readonly maxMessageBytes = 256 * 1024,
  ) {}

  get localPort(): number {
    return this.port;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  async listen(): Promise<void> {
    const http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('SIP over WebSocket only (RFC 7118)\n');
    });
    this.http = http;
    const wss = new WebSocketServer({
      server: http,
      maxPayload: this.maxMessageBytes,
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    this.wss = wss;
    wss.on('connection', (ws, req) => {
      if (ws.protocol !== 'sip') {
        ws.close(1002, 'subprotocol sip required');
        return;
      }
      const id = `ws-${++nextId}`;
      const source: Destination = {
        protocol: 'WS',
        address: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
        port: req.socket.remotePort ?? 0,
        connectionId: id,
      };
      this.sockets.set(id, ws);
      ws.on('message', (data, isBinary) => {
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        void isBinary;
        this.onData(buf, source);
      });
      ws.on('error', () => undefined);
      ws.on('close', () => {
        this.sockets.delete(id);
        this.onClosed?.(id);
      });
    });
    wss.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.port, this.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    const addr = http.address();
    if (addr !== null && typeof addr === 'object') this.port = addr.port;
  }

  send(data: Buffer, dest: Destination): Promise<void> {
    const ws = dest.connectionId !== undefined ? this.sockets.get(dest.connectionId) : undefined;
    if (ws === undefined || ws.readyState !== ws.OPEN)
      return Promise.reject(new TransportError('WebSocket connection is gone'));
    return new Promise((resolve, reject) => {
      // Text frames: JsSIP and SIP.js expect them (RFC 7118 allows either)
      ws.send(data.toString('utf8'), (err) => (err ? reject(new TransportError(err.message)) : resolve()));
    });
  }

  hasConnection(id: string): boolean {
    return this.sockets.has(id);
  }

  async close(): Promise<void> {
    for (const ws of this.sockets.values()) ws.terminate();
    this.sockets.clear();
    const wss = this.wss;
    const http = this.http;
    this.wss = undefined;
    this.http = undefined;
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
    if (http) await new Promise<void>((resolve) => http.close(() => resolve()));
  }
}
