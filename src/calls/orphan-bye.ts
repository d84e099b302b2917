/**
 * Hanging up callers whose server died. A queued caller's dialog (ids, tags,
 * target, route set, CSeq, where to send) is kept in Redis while it waits;
 * when the ACD finds the caller lost with its instance (after a kill -9, or
 * a dead peer instance), any instance rebuilds the dialog and sends BYE, so
 * the caller is not left listening to dead air until they give up.
 * Only UDP callers: a TCP or WebSocket caller's connection died with the process.
 */
import { Dialog } from '../sip/dialog/dialog.js';
import { formatNameAddr, parseNameAddr } from '../sip/message/headers.js';
import { formatUri, parseUri } from '../sip/message/uri.js';
import type { Session } from '../sip/ua/session.js';
import type { UserAgentCore } from '../sip/ua/core.js';
import type { RequestResult } from '../sip/ua/context.js';

export interface StoredDialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: string;
  remoteUri: string;
  remoteTarget: string;
  routeSet: string[];
  localSeq: number;
  localContact: string;
  dest: { address: string; port: number };
}

/** Our in-dialog requests after this snapshot (re-INVITEs for hold…) are covered by a CSeq margin. */
const CSEQ_MARGIN = 1000;

export async function snapshotDialog(session: Session): Promise<StoredDialog | undefined> {
  const d = session.dialog;
  if (d === undefined) return undefined;
  const dest = await session.destination().catch(() => undefined);
  if (dest?.protocol !== 'UDP') return undefined;
  return {
    callId: d.callId,
    localTag: d.localTag,
    remoteTag: d.remoteTag,
    localUri: formatNameAddr(d.localUri),
    remoteUri: formatNameAddr(d.remoteUri),
    remoteTarget: formatUri(d.remoteTarget),
    routeSet: d.routeSet,
    localSeq: d.localSeq,
    localContact: d.localContact,
    dest: { address: dest.address, port: dest.port },
  };
}

function isStored(v: unknown): v is StoredDialog {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const dest = o.dest as Record<string, unknown> | undefined;
  return (
    ['callId', 'localTag', 'remoteTag', 'localUri', 'remoteUri', 'remoteTarget', 'localContact'].every((k) => typeof o[k] === 'string') &&
    Array.isArray(o.routeSet) &&
    typeof o.localSeq === 'number' &&
    typeof dest?.address === 'string' &&
    typeof dest.port === 'number'
  );
}

/** BYE to a caller from a stored dialog; undefined when the record is unusable. */
export async function byeOrphan(ua: UserAgentCore, stored: unknown): Promise<RequestResult | undefined> {
  if (!isStored(stored)) return undefined;
  const localUri = parseNameAddr(stored.localUri);
  const remoteUri = parseNameAddr(stored.remoteUri);
  const remoteTarget = parseUri(stored.remoteTarget);
  if (localUri === undefined || remoteUri === undefined || remoteTarget === undefined) return undefined;
  const dialog = new Dialog({
    callId: stored.callId,
    localTag: stored.localTag,
    remoteTag: stored.remoteTag,
    localUri,
    remoteUri,
    remoteTarget,
    routeSet: stored.routeSet.filter((r): r is string => typeof r === 'string'),
    localSeq: stored.localSeq + CSEQ_MARGIN,
    secure: false,
    state: 'confirmed',
    localContact: stored.localContact,
  });
  const dest = { protocol: 'UDP' as const, address: stored.dest.address, port: stored.dest.port };
  const req = dialog.createRequest('BYE', (branch) => ua.viaFor('UDP', branch));
  req.set('reason', 'SIP;cause=500;text="server restarted"');
  return ua.request(req, dest);
}
