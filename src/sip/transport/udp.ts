/**
 * UDP transport (RFC 3261 §18): one datagram, one message.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Destination } from './types.js';
import { TransportError } from './types.js';

export interface DatagramHandler {
  (data: Buffer, source: Destination): void;
}

export class UdpTransport {
  private socket: Socket | undefined;

  constructor(
    private readonly host: string,
    private port: number,
    private readonly onData: DatagramHandler,
  ) {}

  get localPort(): number {
    return this.port;
  }

  /** Before listen(): the port to bind. */
  setPort(port: number): void {
    this.port = port;
  }

  async listen(): Promise<void> {
    const socket = createSocket({ type: isIPv6(this.host) ? 'udp6' : 'udp4', reuseAddr: false });
    this.socket = socket;
    socket.on('message', (data, rinfo) => {
      this.onData(data, { protocol: 'UDP', address: rinfo.address, port: rinfo.port });
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.port, this.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // After bind, socket errors (ICMP unreachable on some platforms) must not crash the process.
    socket.on('error', () => undefined);
    this.port = socket.address().port;
    // Large buffers: bursts of thousands of datagrams per second under load.
    try {
      socket.setRecvBufferSize(8 * 1024 * 1024);
      socket.setSendBufferSize(8 * 1024 * 1024);
    } catch {
      // the kernel may cap these; the defaults still work
    }
  }

  send(data: Buffer, dest: Destination): Promise<void> {
    const socket = this.socket;
    if (socket === undefined) return Promise.reject(new TransportError('UDP transport closed'));
    return new Promise((resolve, reject) => {
      socket.send(data, dest.port, dest.address, (err) => {
        if (err) reject(new TransportError(err.message));
        else resolve();
      });
    });
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined) return;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
