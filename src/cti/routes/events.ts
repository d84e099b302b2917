/**
 * `GET /v1/events`: the event stream over a WebSocket.
 *
 * Handshake: the token travels as the subprotocol `bearer.<jwt>` (browsers
 * cannot set headers on a WebSocket) beside `hotline.v1`, or as an
 * Authorization header; a bad one is refused with the coded 401/403 before
 * the upgrade. Then, per message (JSON):
 *
 *   → {"op":"subscribe","subscription":"s1","filter":{"agents":["1001"]}|{"queues":["sales"]}|{"all":true},"since":"<event id>"}
 *   ← {"op":"subscribed","subscription":"s1","replayed":12}          (and {"op":"gap",…} when `since` was trimmed away)
 *   ← {"op":"event","event":{…}}
 *   → {"op":"unsubscribe","subscription":"s1"}   → {"op":"ping"}  ← {"op":"pong"}
 *   ← {"op":"error","code":"CTI_FORBIDDEN","message":"…","subscription":"s1"}
 *
 * Each subscribe re-checks the token (expiry, scope for that filter). Close
 * codes: 4001 token expired, 4008 too far behind (slow consumer), 4029 too
 * many messages, 1009 message too big.
 */
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type {} from '@fastify/websocket';
import type {} from '@fastify/swagger';
import { ApiError } from '../../http/errors.js';
import { filterRefusal, type EventFilter, type Principal, type TeamsOf } from '../auth/principal.js';
import { bearerToken, type TokenIssuer } from '../auth/tokens.js';
import { RateLimiter } from '../auth/rate-limit.js';
import { isStreamId } from '../events/stream.js';
import type { EventFanout, Subscriber } from '../events/fanout.js';

export const WS_PROTOCOL = 'hotline.v1';

export interface EventsRouteOptions {
  issuer: TokenIssuer;
  fanout: EventFanout;
  teamsOf: TeamsOf;
  slowClientBytes: number;
  /** Client messages per second per connection. */
  messagesPerSecond?: number;
}

interface SubscribeMessage {
  op: 'subscribe';
  subscription: string;
  filter: EventFilter;
  since?: string;
}

type ClientMessage = SubscribeMessage | { op: 'unsubscribe'; subscription: string } | { op: 'ping' };

/** Parse and check one client message; a string is the error to answer with. */
export function parseClientMessage(raw: string): ClientMessage | string {
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch {
    return 'not JSON';
  }
  if (typeof m !== 'object' || m === null) return 'expected an object';
  const o = m as Record<string, unknown>;
  if (o.op === 'ping') return { op: 'ping' };
  const sub = o.subscription;
  if (typeof sub !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(sub)) return 'subscription: 1–64 letters, digits, _ . -';
  if (o.op === 'unsubscribe') return { op: 'unsubscribe', subscription: sub };
  if (o.op !== 'subscribe') return 'op: subscribe, unsubscribe or ping';
  const f = o.filter;
  if (typeof f !== 'object' || f === null) return 'filter: {agents:[…]} | {queues:[…]} | {all:true}';
  const fo = f as Record<string, unknown>;
  const list = (v: unknown): string[] | undefined | false =>
    v === undefined ? undefined : Array.isArray(v) && v.length <= 1000 && v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 64) ? (v as string[]) : false;
  const agents = list(fo.agents);
  const queues = list(fo.queues);
  if (agents === false || queues === false) return 'filter.agents / filter.queues: arrays of ids';
  if (fo.all !== undefined && typeof fo.all !== 'boolean') return 'filter.all: boolean';
  const filter: EventFilter = { ...(agents === undefined ? {} : { agents }), ...(queues === undefined ? {} : { queues }), ...(fo.all === true ? { all: true } : {}) };
  if (filter.all !== true && (filter.agents?.length ?? 0) + (filter.queues?.length ?? 0) === 0) return 'filter: name agents, queues, or all';
  if (o.since !== undefined && (typeof o.since !== 'string' || !isStreamId(o.since))) return 'since: an event id';
  return { op: 'subscribe', subscription: sub, filter, ...(typeof o.since === 'string' ? { since: o.since } : {}) };
}

export function eventsRoute(opts: EventsRouteOptions) {
  return (app: FastifyInstance): void => {
    app.get(
      '/v1/events',
      {
        websocket: true,
        schema: { hide: true },
        preValidation: (request, _reply, done) => {
          // refused with a coded HTTP answer before the upgrade: nothing opens
          try {
            request.principal = opts.issuer.verify(bearerToken(request.headers.authorization, request.headers['sec-websocket-protocol']));
            done();
          } catch (err) {
            done(err as Error);
          }
        },
      },
      (socket, request) => {
        const principal = request.principal!;
        serve(socket, principal, request.headers.authorization, request.headers['sec-websocket-protocol'], opts);
      },
    );
  };
}

function serve(socket: WebSocket, principal: Principal, authorization: string | undefined, protocols: string | undefined, opts: EventsRouteOptions): void {
  const token = bearerToken(authorization, protocols);
  const limiter = new RateLimiter(opts.messagesPerSecond ?? 20);
  let strikes = 0;
  const send = (o: object): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(o));
  };
  const subscriber: Subscriber = opts.fanout.add(principal, {
    send: (message) => {
      if (socket.readyState !== socket.OPEN) return true;
      if (socket.bufferedAmount > opts.slowClientBytes) {
        socket.close(4008, 'slow consumer: too many events not yet read');
        return false;
      }
      socket.send(message);
      return true;
    },
  });
  socket.on('close', () => opts.fanout.remove(subscriber));
  socket.on('error', () => opts.fanout.remove(subscriber));
  socket.on('message', (data, isBinary) => {
    if (!limiter.take('c')) {
      strikes += 1;
      send({ op: 'error', code: 'CTI_RATE_LIMITED', message: 'Too many messages: slow down' });
      if (strikes > 20) socket.close(4029, 'too many messages');
      return;
    }
    if (isBinary) return send({ op: 'error', code: 'BAD_REQUEST', message: 'text JSON messages only' });
    const m = parseClientMessage(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    if (typeof m === 'string') return send({ op: 'error', code: 'BAD_REQUEST', message: m });
    if (m.op === 'ping') return send({ op: 'pong' });
    if (m.op === 'unsubscribe') {
      opts.fanout.unsubscribe(subscriber, m.subscription);
      return send({ op: 'unsubscribed', subscription: m.subscription });
    }
    // the token is checked again: an expired one ends the connection
    try {
      opts.issuer.verify(token);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('CTI_UNAUTHENTICATED', 'The token is not valid');
      send({ op: 'error', code: e.code, message: e.message, subscription: m.subscription });
      socket.close(4001, e.code === 'CTI_TOKEN_EXPIRED' ? 'token expired' : 'token not valid');
      return;
    }
    const refusal = filterRefusal(principal, m.filter, opts.teamsOf);
    if (refusal !== undefined) return send({ op: 'error', code: 'CTI_FORBIDDEN', message: refusal, subscription: m.subscription });
    opts.fanout.subscribe(subscriber, m.subscription, m.filter, m.since).then(
      (r) => {
        if (r.gap !== undefined) send({ op: 'gap', subscription: m.subscription, oldest: r.gap, message: 'events older than this were trimmed from the stream' });
        send({ op: 'subscribed', subscription: m.subscription, replayed: r.replayed });
      },
      () => {
        // a replay that failed leaves no half-subscription behind: the client retries with the same since
        opts.fanout.unsubscribe(subscriber, m.subscription);
        send({ op: 'error', code: 'CTI_UNAVAILABLE', message: 'the event stream is unavailable: try again', subscription: m.subscription });
      },
    );
  });
}
