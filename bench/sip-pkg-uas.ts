/**
 * Reference UAS for the SIP benchmark, built on npm's `sip` package (0.0.6):
 * INVITE → 200 with a To-tag and a tiny SDP, BYE/OPTIONS → 200, ACK → nothing.
 * Run as a child process: `node dist/bench/sip-pkg-uas.js <port> [host]`.
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import type { Socket, SocketOptions, SocketType } from 'node:dgram';

const BUFFER = 8 * 1024 * 1024;

/** The small part of the untyped `sip` package this file uses. */
interface SipAddress {
  name?: string;
  uri: string;
  params: Record<string, string | undefined>;
}
interface SipMessage {
  method?: string;
  headers: { to: SipAddress; [name: string]: unknown };
}
interface SipModule {
  start(options: { port: number; address: string; udp: boolean; tcp: boolean }, onRequest: (rq: SipMessage) => void): void;
  send(message: SipMessage): void;
  makeResponse(rq: SipMessage, status: number, reason: string, extension?: { headers?: Record<string, unknown>; content?: string }): SipMessage;
}

// Same socket buffers as our server's UDP transport (8 MiB asked; the kernel caps
// them at net.core.rmem_max), so both targets overflow at the same queue depth
// and the comparison measures processing, not buffer sizes. The package opens
// its socket itself, so the option is added where it calls dgram.createSocket.
const require = createRequire(import.meta.url);
const dgram = require('node:dgram') as typeof import('node:dgram');
const createSocket = dgram.createSocket.bind(dgram) as (o: SocketOptions | SocketType, cb?: () => void) => Socket;
(dgram as { createSocket: typeof createSocket }).createSocket = (o, cb) =>
  createSocket(typeof o === 'string' ? { type: o, recvBufferSize: BUFFER, sendBufferSize: BUFFER } : { recvBufferSize: BUFFER, sendBufferSize: BUFFER, ...o }, cb);

const sip = require('sip') as SipModule;
const port = Number(process.argv[2] ?? 5060);
const host = process.argv[3] ?? '127.0.0.1';
const sdp = `v=0\r\no=- 1 1 IN IP4 ${host}\r\ns=-\r\nc=IN IP4 ${host}\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;

function onRequest(rq: SipMessage): void {
  if (rq.method === 'INVITE') {
    const to: SipAddress = { ...rq.headers.to, params: { ...rq.headers.to.params, tag: randomBytes(6).toString('hex') } };
    const headers = { to, contact: [{ uri: `sip:uas@${host}:${port}` }], 'content-type': 'application/sdp' };
    sip.send(sip.makeResponse(rq, 200, 'OK', { headers, content: sdp }));
  } else if (rq.method !== 'ACK') {
    sip.send(sip.makeResponse(rq, 200, 'OK'));
  }
}

sip.start({ port, address: host, udp: true, tcp: false }, onRequest);
process.on('SIGTERM', () => process.exit(0));
process.stderr.write(`sip-pkg-uas listening on udp ${host}:${port}\n`);
