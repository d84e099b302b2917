/**
 * A SIP dialog (RFC 3261 §12): the peer-to-peer relationship an INVITE sets up.
 *
 *        ┌────────┐ 1xx with To-tag ┌───────┐   2xx   ┌───────────┐
 *   ───▶ │ (none) │ ──────────────▶ │ early │ ──────▶ │ confirmed │
 *        └────────┘                 └───────┘         └───────────┘
 *             │ 2xx                     │ 3xx–6xx           │ BYE / timeout
 *             └─────────────────────────┼──────────▶ ┌────────────┐
 *                                       └──────────▶ │ terminated │
 *                                                    └────────────┘
 *
 * It knows how to build the next in-dialog request (§12.2.1.1: Request-URI,
 * route set, CSeq) and how to judge an incoming one (§12.2.2: CSeq order,
 * target refresh).
 */
import { SipRequest, type SipResponse } from '../message/message.js';
import { formatNameAddr, parseNameAddr, type NameAddr } from '../message/headers.js';
import { formatUri, type SipUri } from '../message/uri.js';
import { newBranch } from '../message/build.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

const ALLOWED: Record<DialogState, readonly DialogState[]> = {
  early: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

export interface DialogInit {
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: NameAddr;
  remoteUri: NameAddr;
  remoteTarget: SipUri;
  /** Route set in the order requests must use it. */
  routeSet: string[];
  localSeq: number;
  remoteSeq?: number;
  secure: boolean;
  state: DialogState;
  /** Our Contact header value for this dialog. */
  localContact: string;
}

export function dialogId(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\u0000${localTag}\u0000${remoteTag}`;
}

export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  remoteTag: string;
  readonly localUri: NameAddr;
  readonly remoteUri: NameAddr;
  remoteTarget: SipUri;
  routeSet: string[];
  localSeq: number;
  remoteSeq: number | undefined;
  readonly secure: boolean;
  readonly localContact: string;
  private _state: DialogState;

  constructor(init: DialogInit) {
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.secure = init.secure;
    this.localContact = init.localContact;
    this._state = init.state;
  }

  get id(): string {
    return dialogId(this.callId, this.localTag, this.remoteTag);
  }

  get state(): DialogState {
    return this._state;
  }

  transition(to: DialogState): boolean {
    if (this._state === to) return false;
    if (!ALLOWED[this._state].includes(to)) throw new Error(`dialog: illegal transition ${this._state} → ${to}`);
    this._state = to;
    return true;
  }

  /** UAS side (§12.1.1): built from the INVITE and the To-tag we chose. */
  static fromIncoming(req: SipRequest, localTag: string, localContact: string, state: DialogState): Dialog | undefined {
    const from = req.from;
    const to = req.to;
    // RFC 2543 requests may lack Contact: the From URI is then the remote target
    const target = req.contacts[0]?.uri ?? from?.uri;
    const cseq = req.cseq;
    if (from === undefined || to === undefined || target === undefined || cseq === undefined) return undefined;
    return new Dialog({
      callId: req.callId,
      localTag,
      remoteTag: from.params.get('tag') ?? '',
      localUri: to,
      remoteUri: from,
      remoteTarget: target,
      routeSet: req.getAll('record-route'),
      localSeq: Math.floor(Math.random() * 10000) + 1,
      remoteSeq: cseq.seq,
      secure: req.uri?.scheme === 'sips',
      state,
      localContact,
    });
  }

  /** UAC side (§12.1.2): built from our request and a 1xx/2xx carrying a To-tag. */
  static fromOutgoing(req: SipRequest, res: SipResponse, localContact: string): Dialog | undefined {
    const from = req.from;
    const to = res.to;
    const remoteTag = res.toTag;
    const contact = res.contacts[0];
    const cseq = req.cseq;
    if (from === undefined || to === undefined || remoteTag === undefined || cseq === undefined) return undefined;
    const target = contact?.uri ?? req.uri;
    if (target === undefined) return undefined;
    return new Dialog({
      callId: req.callId,
      localTag: from.params.get('tag') ?? '',
      remoteTag,
      localUri: from,
      remoteUri: to,
      remoteTarget: target,
      routeSet: res.getAll('record-route').reverse(),
      localSeq: cseq.seq,
      secure: req.uri?.scheme === 'sips',
      state: res.status >= 200 ? 'confirmed' : 'early',
      localContact,
    });
  }

  /**
   * §12.2.2: judge an incoming in-dialog request's CSeq. Returns false when it
   * is out of order (the caller answers 500).
   */
  acceptRemoteSeq(req: SipRequest): boolean {
    const seq = req.cseq?.seq;
    if (seq === undefined) return false;
    if (req.method === 'ACK' || req.method === 'CANCEL') return true;
    if (this.remoteSeq !== undefined && seq <= this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }

  /** Target refresh (re-INVITE, UPDATE): take the new Contact. */
  refreshTarget(msg: SipRequest | SipResponse): void {
    const contact = msg.contacts[0];
    if (contact !== undefined && contact.wildcard !== true) this.remoteTarget = contact.uri;
  }

  /**
   * §12.2.1.1: a new in-dialog request. ACK for a 2xx reuses the INVITE's CSeq
   * number (pass `seq`); everything else takes the next local CSeq.
   */
  createRequest(method: string, viaFor: (branch: string) => string, seq?: number): SipRequest {
    const cseq = seq ?? ++this.localSeq;
    let requestUri = formatUri(this.remoteTarget);
    let routes = this.routeSet;
    const first = routes[0];
    if (first !== undefined) {
      const firstRoute = parseNameAddr(first);
      if (firstRoute !== undefined && !firstRoute.uri.params.has('lr')) {
        // strict router (§12.2.1.1): it becomes the Request-URI, target goes last
        requestUri = formatUri({ ...firstRoute.uri, params: new Map(firstRoute.uri.params) });
        routes = [...routes.slice(1), `<${formatUri(this.remoteTarget)}>`];
      }
    }
    const req = new SipRequest(method, requestUri);
    req.append('via', viaFor(newBranch()));
    req.append('max-forwards', '70');
    for (const r of routes) req.append('route', r);
    const from: NameAddr = { ...this.localUri, params: new Map(this.localUri.params) };
    from.params.set('tag', this.localTag);
    req.append('from', formatNameAddr(from));
    const to: NameAddr = { ...this.remoteUri, params: new Map(this.remoteUri.params) };
    if (this.remoteTag.length > 0) to.params.set('tag', this.remoteTag);
    req.append('to', formatNameAddr(to));
    req.append('call-id', this.callId);
    req.append('cseq', `${cseq} ${method}`);
    if (method !== 'ACK' && method !== 'CANCEL' && method !== 'BYE') req.append('contact', this.localContact);
    return req;
  }

  /** Where the next request goes: the first loose route or the remote target. */
  nextHop(): SipUri | undefined {
    const first = this.routeSet[0];
    if (first !== undefined) return parseNameAddr(first)?.uri;
    return this.remoteTarget;
  }
}

