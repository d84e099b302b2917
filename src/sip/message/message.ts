/**
 * The SIP message model (RFC 3261 §7). Headers are kept as an ordered list of
 * (lower-case long name, raw value) pairs so a message can be forwarded or
 * re-serialised without loss; the structured views the stack needs (Via,
 * From, To, CSeq…) are parsed on first use and cached until that header changes.
 */
import { LIST_HEADERS, normalizeHeaderName } from './header-names.js';
import { splitOutside } from './grammar.js';
import { formatVia, parseCSeq, parseNameAddr, parseVia, type CSeq, type NameAddr, type Via } from './headers.js';
import { parseUri, type SipUri } from './uri.js';

export interface Header {
  /** Lower-case long form ("call-id", "via"). */
  name: string;
  value: string;
}

const EMPTY = Buffer.alloc(0);

export abstract class SipMessage {
  headers: Header[] = [];
  body: Buffer = EMPTY;
  /**
   * The bytes on the wire, when this message is a frozen copy kept only to be
   * sent again (see `frozenCopy`): the serializer returns them as they are.
   */
  wire: Buffer | undefined;
  private cache = new Map<string, unknown>();

  abstract readonly isRequest: boolean;

  /** First value of a header (for list headers: the first element). */
  get(name: string): string | undefined {
    const n = normalizeHeaderName(name);
    if (LIST_HEADERS.has(n)) return this.getAll(n)[0];
    for (const h of this.headers) if (h.name === n) return h.value;
    return undefined;
  }

  /** All values of a header, list headers split into elements, in order. */
  getAll(name: string): string[] {
    const n = normalizeHeaderName(name);
    const out: string[] = [];
    const split = LIST_HEADERS.has(n);
    for (const h of this.headers) {
      if (h.name !== n) continue;
      // a loop, not push(...parts): a huge list would overflow the call stack
      if (split && h.value.includes(',')) for (const part of splitOutside(h.value, ',')) out.push(part);
      else out.push(h.value);
    }
    return out;
  }

  /** Number of header lines with this name (to detect duplicated single-value headers). */
  count(name: string): number {
    const n = normalizeHeaderName(name);
    let c = 0;
    for (const h of this.headers) if (h.name === n) c++;
    return c;
  }

  has(name: string): boolean {
    const n = normalizeHeaderName(name);
    return this.headers.some((h) => h.name === n);
  }

  /** Replace every value of a header by one value (appended at the end if new). */
  set(name: string, value: string): this {
    const n = normalizeHeaderName(name);
    const idx = this.headers.findIndex((h) => h.name === n);
    if (idx < 0) this.headers.push({ name: n, value });
    else {
      this.headers[idx] = { name: n, value };
      this.headers = this.headers.filter((h, i) => i <= idx || h.name !== n);
    }
    this.cache.delete(n);
    return this;
  }

  append(name: string, value: string): this {
    const n = normalizeHeaderName(name);
    this.headers.push({ name: n, value });
    this.cache.delete(n);
    return this;
  }

  /** Insert before every other header of the same name (Via, Record-Route). */
  prepend(name: string, value: string): this {
    const n = normalizeHeaderName(name);
    const idx = this.headers.findIndex((h) => h.name === n);
    this.headers.splice(idx < 0 ? this.headers.length : idx, 0, { name: n, value });
    this.cache.delete(n);
    return this;
  }

  remove(name: string): this {
    const n = normalizeHeaderName(name);
    this.headers = this.headers.filter((h) => h.name !== n);
    this.cache.delete(n);
    return this;
  }

  /** Remove the first element of a list header (e.g. the top Via). */
  removeFirst(name: string): this {
    const n = normalizeHeaderName(name);
    const idx = this.headers.findIndex((h) => h.name === n);
    if (idx < 0) return this;
    const h = this.headers[idx]!;
    const parts = splitOutside(h.value, ',');
    if (parts.length > 1) this.headers[idx] = { name: n, value: parts.slice(1).join(', ') };
    else this.headers.splice(idx, 1);
    this.cache.delete(n);
    return this;
  }

  /**
   * Replace the top Via with `via` (e.g. after adding received/rport), keeping
   * the parsed Via list cached instead of parsing every Via again.
   */
  replaceTopVia(via: Via): this {
    const vias = this.vias;
    this.removeFirst('via');
    this.prepend('via', formatVia(via));
    this.cache.set('via', [via, ...vias.slice(1)]);
    return this;
  }

  private cached<T>(name: string, compute: () => T): T {
    if (this.cache.has(name)) return this.cache.get(name) as T;
    const v = compute();
    this.cache.set(name, v);
    return v;
  }

  get callId(): string {
    return this.get('call-id') ?? '';
  }

  get cseq(): CSeq | undefined {
    return this.cached('cseq', () => {
      const v = this.get('cseq');
      return v === undefined ? undefined : parseCSeq(v);
    });
  }

  get from(): NameAddr | undefined {
    return this.cached('from', () => {
      const v = this.get('from');
      return v === undefined ? undefined : parseNameAddr(v);
    });
  }

  get to(): NameAddr | undefined {
    return this.cached('to', () => {
      const v = this.get('to');
      return v === undefined ? undefined : parseNameAddr(v);
    });
  }

  get fromTag(): string | undefined {
    return this.from?.params.get('tag') ?? undefined;
  }

  get toTag(): string | undefined {
    return this.to?.params.get('tag') ?? undefined;
  }

  /** Every Via element, top first; an element that does not parse is undefined. */
  get vias(): (Via | undefined)[] {
    return this.cached('via', () => this.getAll('via').map((v) => parseVia(v)));
  }

  get topVia(): Via | undefined {
    return this.vias[0];
  }

  get contacts(): (NameAddr | undefined)[] {
    return this.cached('contact', () => this.getAll('contact').map((v) => parseNameAddr(v)));
  }

  get contentType(): string | undefined {
    return this.get('content-type');
  }
}

export class SipRequest extends SipMessage {
  readonly isRequest = true;
  private parsedUri: SipUri | undefined | null = null;

  constructor(
    public method: string,
    private rawUri: string,
  ) {
    super();
  }

  get uriText(): string {
    return this.rawUri;
  }

  set uriText(value: string) {
    this.rawUri = value;
    this.parsedUri = null;
  }

  /** The parsed Request-URI; undefined when it does not parse. */
  get uri(): SipUri | undefined {
    if (this.parsedUri === null) this.parsedUri = parseUri(this.rawUri);
    return this.parsedUri;
  }
}

export class SipResponse extends SipMessage {
  readonly isRequest = false;

  constructor(
    public status: number,
    public reason: string,
  ) {
    super();
  }
}

export function isRequest(m: SipMessage): m is SipRequest {
  return m.isRequest;
}
