import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResponse } from '../../src/sip/message/index.js';
import { responseDestination } from '../../src/sip/transaction/index.js';
import { REMOTE, clientHandlers, outgoing, parseResponse, request, responseTo, setup, source } from './transaction-fixtures.js';

describe('transaction matching', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('CANCEL matches the INVITE server transaction by branch, and is its own transaction (method CANCEL)', () => {
    const ctx = setup();
    ctx.layer.receiveRequest(request(), source());
    const inviteTxn = ctx.requests[0]!.txn;
    const cancel = request({ method: 'CANCEL' });
    ctx.layer.receiveRequest(cancel, source());
    const cancelTxn = ctx.requests[1]!.txn;
    expect(cancelTxn?.kind).toBe('nist');
    expect(cancelTxn).not.toBe(inviteTxn);
    expect(ctx.layer.findInviteForCancel(cancel)).toBe(inviteTxn);
    // CANCEL retransmission → absorbed by the CANCEL's transaction
    ctx.layer.receiveRequest(request({ method: 'CANCEL' }), source());
    expect(ctx.requests).toHaveLength(2);
    // other branch or other sent-by → no match
    expect(ctx.layer.findInviteForCancel(request({ method: 'CANCEL', branch: 'z9hG4bKother' }))).toBeUndefined();
    expect(ctx.layer.findInviteForCancel(request({ method: 'CANCEL', sentBy: '192.0.2.11:5070' }))).toBeUndefined();
  });

  it('same branch from a different sent-by → a different server transaction', () => {
    const ctx = setup();
    ctx.layer.receiveRequest(request(), source());
    ctx.layer.receiveRequest(request({ sentBy: '192.0.2.10:5071' }), source());
    ctx.layer.receiveRequest(request({ sentBy: '192.0.2.10' }), source());
    expect(ctx.requests).toHaveLength(3);
    // host comparison is case-insensitive
    ctx.layer.receiveRequest(request({ sentBy: 'PBX.example.com' }), source());
    ctx.layer.receiveRequest(request({ sentBy: 'pbx.example.com' }), source());
    expect(ctx.requests).toHaveLength(4);
  });

  it('RFC 2543 request without branch matched by Call-ID/CSeq/From tag/To tag/Request-URI/top Via', () => {
    const ctx = setup();
    const legacy = { branch: null } as const;
    ctx.layer.receiveRequest(request(legacy), source());
    const txn = ctx.requests[0]!.txn!;
    ctx.layer.receiveRequest(request(legacy), source());
    expect(ctx.requests).toHaveLength(1);
    for (const diff of [
      { callId: 'other@x' },
      { cseq: 2 },
      { fromTag: 'f2' },
      { toTag: 't2' },
      { uri: 'sip:carol@example.com' },
      { sentBy: '192.0.2.10:5071' },
      { transport: 'TCP' },
    ]) {
      ctx.layer.receiveRequest(request({ ...legacy, ...diff }), source());
    }
    expect(ctx.requests).toHaveLength(8);
    expect(ctx.layer.stats().live.ist).toBe(8);

    // CANCEL (§9.2) and ACK of a non-2xx, which carries the To tag of our response
    const cancel = request({ ...legacy, method: 'CANCEL' });
    expect(ctx.layer.findInviteForCancel(cancel)).toBe(txn);
    txn.respond(createResponse(ctx.requests[0]!.req, 486, undefined, 'uas-tag'));
    ctx.layer.receiveRequest(request({ ...legacy, method: 'ACK', toTag: 'wrong' }), source());
    expect(txn.state).toBe('completed');
    expect(ctx.requests.at(-1)!.req.method).toBe('ACK'); // unmatched → TU
    ctx.layer.receiveRequest(request({ ...legacy, method: 'ACK', toTag: 'uas-tag' }), source());
    expect(txn.state).toBe('confirmed');
  });

  it('RFC 2543 ACK for a re-INVITE (To tag already in the INVITE) matches', () => {
    const ctx = setup();
    const spec = { branch: null, toTag: 'dlg', cseq: 5 } as const;
    ctx.layer.receiveRequest(request(spec), source());
    const txn = ctx.requests[0]!.txn!;
    txn.respond(createResponse(ctx.requests[0]!.req, 488, undefined, 'ignored'));
    ctx.layer.receiveRequest(request({ ...spec, method: 'ACK' }), source());
    expect(txn.state).toBe('confirmed');
  });

  it('a non-cookie branch is matched by the RFC 2543 rules (branch is part of the top Via)', () => {
    const ctx = setup();
    ctx.layer.receiveRequest(request({ branch: 'oldstyle1' }), source());
    ctx.layer.receiveRequest(request({ branch: 'oldstyle1' }), source());
    ctx.layer.receiveRequest(request({ branch: 'oldstyle2' }), source());
    expect(ctx.requests).toHaveLength(2);
  });

  it('responses match by branch + CSeq method: the 200 to a CANCEL does not hit the INVITE transaction', () => {
    const ctx = setup();
    const inv = clientHandlers();
    const can = clientHandlers();
    const invite = outgoing();
    const cancel = outgoing({ method: 'CANCEL' });
    ctx.layer.createClientTransaction(invite, REMOTE, inv);
    ctx.layer.createClientTransaction(cancel, REMOTE, can);
    ctx.layer.receiveResponse(responseTo(cancel, 200), REMOTE);
    expect(can.onResponse).toHaveBeenCalledTimes(1);
    expect(inv.onResponse).not.toHaveBeenCalled();
    ctx.layer.receiveResponse(responseTo(invite, 487), REMOTE);
    expect(inv.onResponse).toHaveBeenCalledTimes(1);
    ctx.layer.receiveResponse(responseTo(outgoing({ branch: 'z9hG4bKunknown' }), 200), REMOTE);
    expect(ctx.strays).toHaveLength(1);
  });

  it('responses whose top Via has no branch, or whose CSeq does not parse, are dropped and counted', () => {
    const ctx = setup();
    const base = ['Via: SIP/2.0/UDP 203.0.113.1:5060', 'From: <sip:a@x>;tag=1', 'To: <sip:b@x>;tag=2', 'Call-ID: c'];
    ctx.layer.receiveResponse(parseResponse(['SIP/2.0 200 OK', ...base, 'CSeq: 1 INVITE', '', ''].join('\n')), REMOTE);
    const withBranch = ['Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKclient1', ...base.slice(1)];
    ctx.layer.receiveResponse(parseResponse(['SIP/2.0 200 OK', ...withBranch, 'CSeq: one INVITE', '', ''].join('\n')), REMOTE);
    ctx.layer.receiveResponse(parseResponse(['SIP/2.0 200 OK', ...base.slice(1), 'CSeq: 1 INVITE', '', ''].join('\n')), REMOTE);
    expect(ctx.strays).toHaveLength(0);
    expect(ctx.layer.stats()).toMatchObject({ dropped: 3, strays: 0 });
  });

  it('requests without a top Via or CSeq are dropped and counted', () => {
    const ctx = setup();
    const req = request();
    req.remove('via');
    ctx.layer.receiveRequest(req, source());
    expect(ctx.requests).toHaveLength(0);
    expect(ctx.layer.stats().dropped).toBe(1);
  });
});

describe('response destination (RFC 3261 §18.2.2, RFC 3581)', () => {
  const via = (params: string) => request({ viaParams: params }).topVia!;

  it('UDP: received and rport from the top Via', () => {
    expect(responseDestination(via(';received=203.0.113.50;rport=40000'), source())).toEqual({
      protocol: 'UDP',
      address: '203.0.113.50',
      port: 40000,
    });
  });

  it('UDP: no received → the packet source address; no rport → sent-by port, else 5060', () => {
    expect(responseDestination(via(''), source('UDP', { address: '10.1.1.1', port: 9999 }))).toEqual({
      protocol: 'UDP',
      address: '10.1.1.1',
      port: 5070,
    });
    const noPort = request({ sentBy: 'client.example.com' }).topVia!;
    expect(responseDestination(noPort, source()).port).toBe(5060);
  });

  it('UDP: a bare rport (not filled in by the transport) → the packet source port', () => {
    expect(responseDestination(via(';rport'), source('UDP', { port: 6000 })).port).toBe(6000);
  });

  it('IPv6 received', () => {
    expect(responseDestination(via(';received=2001:db8::5'), source()).address).toBe('2001:db8::5');
  });

  it('connection-oriented: back over the source connection', () => {
    const ws = source('WSS', { connectionId: 'ws-17', port: 443 });
    expect(responseDestination(via(';received=203.0.113.50;rport=1'), ws)).toBe(ws);
  });

  it('server transactions send their responses there', () => {
    vi.useFakeTimers();
    const ctx = setup();
    ctx.layer.receiveRequest(request({ method: 'OPTIONS', viaParams: ';rport=61000;received=203.0.113.9' }), source());
    const { req, txn } = ctx.requests[0]!;
    txn!.respond(createResponse(req, 200));
    expect(ctx.net.sent[0]!.dest).toEqual({ protocol: 'UDP', address: '203.0.113.9', port: 61000 });
    expect(txn!.destination).toEqual(ctx.net.sent[0]!.dest);
    expect(txn!.source).toEqual(source());
    vi.useRealTimers();
  });
});
