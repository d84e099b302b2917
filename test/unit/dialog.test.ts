/**
 * SIP dialogs (src/sip/dialog/dialog.ts, RFC 3261 §12): creation on both
 * sides, in-dialog request construction with loose and strict routing, CSeq
 * handling and target refresh.
 */
import { describe, expect, it } from 'vitest';
import { formatUri } from '../../src/sip/message/uri.js';
import { Dialog, dialogId } from '../../src/sip/dialog/dialog.js';
import { SipRequest, SipResponse, parseDatagram, type SipMessage } from '../../src/sip/message/index.js';

function parse(text: string): SipMessage {
  const out = parseDatagram(Buffer.from(text.replace(/\r?\n/g, '\r\n')));
  if (out.kind !== 'message') throw new Error(`fixture did not parse: ${JSON.stringify(out)}`);
  return out.message;
}

function req(text: string): SipRequest {
  const m = parse(text);
  if (!(m instanceof SipRequest)) throw new Error('not a request');
  return m;
}

function res(text: string): SipResponse {
  const m = parse(text);
  if (!(m instanceof SipResponse)) throw new Error('not a response');
  return m;
}

/** An INVITE that went through two record-routing proxies (p1 nearest the caller, p2 nearest us). */
const INCOMING_INVITE = `INVITE sip:bob@198.51.100.1 SIP/2.0
Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2
Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1
Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKa
Max-Forwards: 68
Record-Route: <sip:p2.example.com;lr>
Record-Route: <sip:p1.example.com;lr>
From: "Alice" <sip:alice@example.com>;tag=alicetag
To: <sip:bob@example.com>
Call-ID: dlg-1@example.com
CSeq: 10 INVITE
Contact: <sip:alice@192.0.2.10:5070>

`;

const OUR_CONTACT = '<sip:hotline@198.51.100.1:5060>';
const via = (branch: string): string => `SIP/2.0/UDP 198.51.100.1:5060;branch=${branch}`;

function uasDialog(invite = INCOMING_INVITE): Dialog {
  const d = Dialog.fromIncoming(req(invite), 'ourtag', OUR_CONTACT, 'confirmed');
  if (d === undefined) throw new Error('no dialog');
  return d;
}

/** Our INVITE and the 200 that came back through p1 (nearest us) and p2. */
const OUR_INVITE = `INVITE sip:carol@example.net SIP/2.0
Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKours
Max-Forwards: 70
From: <sip:hotline@example.org>;tag=ourtag
To: <sip:carol@example.net>
Call-ID: dlg-2@example.org
CSeq: 7 INVITE
Contact: <sip:hotline@198.51.100.1:5060>

`;

const OK_200 = `SIP/2.0 200 OK
Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKours
Record-Route: <sip:p2.example.net;lr>, <sip:p1.example.net;lr>
From: <sip:hotline@example.org>;tag=ourtag
To: <sip:carol@example.net>;tag=caroltag
Call-ID: dlg-2@example.org
CSeq: 7 INVITE
Contact: <sip:carol@203.0.113.5:5062>

`;

function uacDialog(response = OK_200): Dialog {
  const d = Dialog.fromOutgoing(req(OUR_INVITE), res(response), OUR_CONTACT);
  if (d === undefined) throw new Error('no dialog');
  return d;
}

describe('Dialog.fromIncoming (UAS, §12.1.1)', () => {
  it('takes Call-ID, tags, URIs, target, remote CSeq and keeps the Record-Route order', () => {
    const d = uasDialog();
    expect(d.callId).toBe('dlg-1@example.com');
    expect(d.localTag).toBe('ourtag');
    expect(d.remoteTag).toBe('alicetag');
    expect(d.id).toBe(dialogId('dlg-1@example.com', 'ourtag', 'alicetag'));
    expect(d.localUri.uri.user).toBe('bob');
    expect(d.remoteUri.uri.user).toBe('alice');
    expect(d.remoteTarget.host).toBe('192.0.2.10');
    expect(d.remoteTarget.port).toBe(5070);
    expect(d.routeSet).toEqual(['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
    expect(d.remoteSeq).toBe(10);
    expect(d.localSeq).toBeGreaterThan(0);
    expect(d.state).toBe('confirmed');
    expect(d.secure).toBe(false);
    expect(d.localContact).toBe(OUR_CONTACT);
  });

  it('no Contact (RFC 2543) → the From URI is the remote target', () => {
    const noContact = INCOMING_INVITE.replace('Contact: <sip:alice@192.0.2.10:5070>\n', '');
    const d = Dialog.fromIncoming(req(noContact), 'ourtag', OUR_CONTACT, 'early');
    expect(d).toBeDefined();
    expect(formatUri(d!.remoteTarget)).toBe(formatUri(req(noContact).from!.uri));
  });

  it('a sips Request-URI makes the dialog secure', () => {
    const d = uasDialog(INCOMING_INVITE.replace('INVITE sip:bob@198.51.100.1', 'INVITE sips:bob@198.51.100.1'));
    expect(d.secure).toBe(true);
  });
});

describe('Dialog.fromOutgoing (UAC, §12.1.2)', () => {
  it('reverses the Record-Route set and starts confirmed on a 2xx', () => {
    const d = uacDialog();
    expect(d.callId).toBe('dlg-2@example.org');
    expect(d.localTag).toBe('ourtag');
    expect(d.remoteTag).toBe('caroltag');
    expect(d.routeSet).toEqual(['<sip:p1.example.net;lr>', '<sip:p2.example.net;lr>']);
    expect(d.remoteTarget.host).toBe('203.0.113.5');
    expect(d.remoteTarget.port).toBe(5062);
    expect(d.localSeq).toBe(7);
    expect(d.remoteSeq).toBeUndefined();
    expect(d.state).toBe('confirmed');
  });

  it('a 1xx with a To-tag makes an early dialog; without a To-tag none', () => {
    const ringing = OK_200.replace('200 OK', '180 Ringing');
    expect(uacDialog(ringing).state).toBe('early');
    const noTag = ringing.replace(';tag=caroltag', '');
    expect(Dialog.fromOutgoing(req(OUR_INVITE), res(noTag), OUR_CONTACT)).toBeUndefined();
  });

  it('without a Contact the Request-URI is the target', () => {
    const d = uacDialog(OK_200.replace('Contact: <sip:carol@203.0.113.5:5062>\n', ''));
    expect(d.remoteTarget.host).toBe('example.net');
    expect(d.remoteTarget.user).toBe('carol');
  });
});

describe('Dialog.createRequest (§12.2.1.1)', () => {
  it('loose routing: Request-URI is the remote target, the route set becomes Route headers', () => {
    const d = uacDialog();
    const bye = d.createRequest('BYE', via);
    expect(bye.method).toBe('BYE');
    expect(bye.uriText).toBe('sip:carol@203.0.113.5:5062');
    expect(bye.getAll('route')).toEqual(['<sip:p1.example.net;lr>', '<sip:p2.example.net;lr>']);
    expect(d.nextHop()?.host).toBe('p1.example.net');
    expect(bye.get('max-forwards')).toBe('70');
    expect(bye.callId).toBe('dlg-2@example.org');
    expect(bye.topVia?.params.get('branch')).toMatch(/^z9hG4bK/);
    expect(bye.has('contact')).toBe(false); // BYE is not a target refresh
  });

  it('strict router first: it becomes the Request-URI and the remote target goes last', () => {
    const d = uasDialog(INCOMING_INVITE.replace('Record-Route: <sip:p2.example.com;lr>', 'Record-Route: <sip:p2.example.com;transport=udp>'));
    const info = d.createRequest('INFO', via);
    expect(info.uriText).toBe('sip:p2.example.com;transport=udp');
    expect(info.getAll('route')).toEqual(['<sip:p1.example.com;lr>', '<sip:alice@192.0.2.10:5070>']);
    expect(d.nextHop()?.host).toBe('p2.example.com');
    // the dialog's own route set is untouched
    expect(d.routeSet).toEqual(['<sip:p2.example.com;transport=udp>', '<sip:p1.example.com;lr>']);
  });

  it('no route set: Request-URI is the target, no Route header, next hop is the target', () => {
    const d = uacDialog(OK_200.replace(/Record-Route: .*\n/, ''));
    const bye = d.createRequest('BYE', via);
    expect(bye.uriText).toBe('sip:carol@203.0.113.5:5062');
    expect(bye.has('route')).toBe(false);
    expect(d.nextHop()?.host).toBe('203.0.113.5');
  });

  it('CSeq increments per request; ACK reuses the INVITE CSeq number', () => {
    const d = uacDialog();
    const ack = d.createRequest('ACK', via, 7);
    expect(ack.cseq).toEqual({ seq: 7, method: 'ACK' });
    expect(d.localSeq).toBe(7);
    expect(d.createRequest('INFO', via).cseq).toEqual({ seq: 8, method: 'INFO' });
    expect(d.createRequest('BYE', via).cseq).toEqual({ seq: 9, method: 'BYE' });
    expect(d.localSeq).toBe(9);
  });

  it('every request gets a fresh branch', () => {
    const d = uacDialog();
    const a = d.createRequest('INFO', via).topVia?.params.get('branch');
    const b = d.createRequest('INFO', via).topVia?.params.get('branch');
    expect(a).not.toBe(b);
  });

  it('From carries our tag and To the remote tag (UAS side: From is our To)', () => {
    const d = uasDialog();
    const bye = d.createRequest('BYE', via);
    expect(bye.from?.uri.user).toBe('bob');
    expect(bye.fromTag).toBe('ourtag');
    expect(bye.to?.uri.user).toBe('alice');
    expect(bye.to?.displayName).toBe('Alice');
    expect(bye.toTag).toBe('alicetag');
    // building it did not mutate the dialog's stored URIs
    expect(d.localUri.params.has('tag')).toBe(false);
  });

  it('UAC side: From is our From with our tag, To the 200 To with its tag', () => {
    const d = uacDialog();
    const info = d.createRequest('INFO', via);
    expect(info.fromTag).toBe('ourtag');
    expect(info.from?.uri.user).toBe('hotline');
    expect(info.toTag).toBe('caroltag');
    expect(info.to?.uri.user).toBe('carol');
  });

  it('target refreshes (re-INVITE, UPDATE…) carry our Contact; ACK, CANCEL and BYE do not', () => {
    const d = uacDialog();
    expect(d.createRequest('INVITE', via).get('contact')).toBe(OUR_CONTACT);
    expect(d.createRequest('UPDATE', via).get('contact')).toBe(OUR_CONTACT);
    expect(d.createRequest('ACK', via, 7).has('contact')).toBe(false);
    expect(d.createRequest('BYE', via).has('contact')).toBe(false);
  });
});

describe('Dialog.acceptRemoteSeq (§12.2.2)', () => {
  const inDialog = (method: string, seq: number): SipRequest =>
    req(`${method} sip:bob@198.51.100.1 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK${method}${seq}
Max-Forwards: 70
From: <sip:alice@example.com>;tag=alicetag
To: <sip:bob@example.com>;tag=ourtag
Call-ID: dlg-1@example.com
CSeq: ${seq} ${method}

`);

  it('accepts a higher CSeq and remembers it; rejects lower and equal ones', () => {
    const d = uasDialog(); // remote CSeq 10
    expect(d.acceptRemoteSeq(inDialog('INFO', 10))).toBe(false);
    expect(d.acceptRemoteSeq(inDialog('INFO', 9))).toBe(false);
    expect(d.acceptRemoteSeq(inDialog('INFO', 11))).toBe(true);
    expect(d.remoteSeq).toBe(11);
    expect(d.acceptRemoteSeq(inDialog('BYE', 11))).toBe(false);
    expect(d.acceptRemoteSeq(inDialog('BYE', 20))).toBe(true);
    expect(d.remoteSeq).toBe(20);
  });

  it('ACK and CANCEL are exempt and do not move the remote CSeq', () => {
    const d = uasDialog();
    expect(d.acceptRemoteSeq(inDialog('ACK', 10))).toBe(true);
    expect(d.acceptRemoteSeq(inDialog('CANCEL', 10))).toBe(true);
    expect(d.acceptRemoteSeq(inDialog('ACK', 3))).toBe(true);
    expect(d.remoteSeq).toBe(10);
  });

  it('an empty remote CSeq (UAC dialog) accepts the first request whatever its number', () => {
    const d = uacDialog();
    expect(d.remoteSeq).toBeUndefined();
    expect(d.acceptRemoteSeq(inDialog('INFO', 1))).toBe(true);
    expect(d.remoteSeq).toBe(1);
    expect(d.acceptRemoteSeq(inDialog('INFO', 1))).toBe(false);
  });

  it('a request without a usable CSeq is rejected', () => {
    const d = uasDialog();
    const bad = inDialog('INFO', 11);
    bad.set('cseq', 'garbage');
    expect(d.acceptRemoteSeq(bad)).toBe(false);
  });
});

describe('Dialog.refreshTarget and transition', () => {
  it('takes the new Contact of a re-INVITE and uses it as the Request-URI', () => {
    const d = uasDialog();
    const reinvite = req(`INVITE sip:bob@198.51.100.1 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKre
Max-Forwards: 70
From: <sip:alice@example.com>;tag=alicetag
To: <sip:bob@example.com>;tag=ourtag
Call-ID: dlg-1@example.com
CSeq: 11 INVITE
Contact: <sip:alice@192.0.2.77:6000;transport=tcp>

`);
    d.refreshTarget(reinvite);
    expect(d.remoteTarget.host).toBe('192.0.2.77');
    expect(d.remoteTarget.port).toBe(6000);
    // route set is not changed by a target refresh (§12.2)
    expect(d.routeSet).toEqual(['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
    const bye = d.createRequest('BYE', via);
    expect(bye.uriText).toBe('sip:alice@192.0.2.77:6000;transport=tcp');
  });

  it('a message without a Contact (or a wildcard) leaves the target alone', () => {
    const d = uacDialog();
    const none = new SipResponse(200, 'OK');
    d.refreshTarget(none);
    expect(d.remoteTarget.host).toBe('203.0.113.5');
    const wildcard = new SipResponse(200, 'OK');
    wildcard.append('contact', '*');
    d.refreshTarget(wildcard);
    expect(d.remoteTarget.host).toBe('203.0.113.5');
  });

  it('early → confirmed → terminated; illegal moves throw; same state is a no-op', () => {
    const d = uacDialog(OK_200.replace('200 OK', '183 Session Progress'));
    expect(d.state).toBe('early');
    expect(d.transition('early')).toBe(false);
    expect(d.transition('confirmed')).toBe(true);
    expect(() => d.transition('early')).toThrow(/illegal transition/);
    expect(d.transition('terminated')).toBe(true);
    expect(() => d.transition('confirmed')).toThrow(/illegal transition/);
  });
});
