/**
 * The little SDP the signalling layer needs before a media engine is in the
 * path (RFC 4566 / RFC 3264): the offered audio payload types, and an answer
 * that accepts the call without media.
 */

export interface OfferSummary {
  /** Payload types of the first audio m= line, in preference order. */
  audioPayloads: string[];
  /** The offer's rtpmap lines for those payload types. */
  rtpmaps: Map<string, string>;
}

export function summarizeOffer(sdp: Buffer | undefined): OfferSummary | undefined {
  if (sdp === undefined || sdp.length === 0) return undefined;
  const lines = sdp.toString('utf8').split(/\r?\n/);
  const m = lines.find((l) => l.startsWith('m=audio '));
  if (m === undefined) return undefined;
  const audioPayloads = m.split(' ').slice(3).filter((p) => /^\d+$/.test(p));
  const rtpmaps = new Map<string, string>();
  for (const l of lines) {
    const r = /^a=rtpmap:(\d+) (.+)$/.exec(l);
    if (r !== null) rtpmaps.set(r[1]!, r[2]!.trim());
  }
  return { audioPayloads, rtpmaps };
}

let version = 0;

/**
 * An answer that accepts the session but sends and expects no RTP
 * (`a=inactive`, port 9 = discard), keeping the first offered codec.
 */
export function inactiveAnswer(offer: Buffer | undefined, host: string): Buffer {
  const summary = summarizeOffer(offer);
  const pt = summary?.audioPayloads[0] ?? '0';
  const rtpmap = summary?.rtpmaps.get(pt);
  const ipv = host.includes(':') ? 'IP6' : 'IP4';
  const id = Date.now();
  const lines = [
    'v=0',
    `o=hotline ${id} ${++version} IN ${ipv} ${host}`,
    's=hotline',
    `c=IN ${ipv} ${host}`,
    't=0 0',
    `m=audio 9 RTP/AVP ${pt}`,
    ...(rtpmap !== undefined ? [`a=rtpmap:${pt} ${rtpmap}`] : []),
    'a=inactive',
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}
