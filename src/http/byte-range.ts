/**
 * The `Range` request header (RFC 9110 §14.2), one range only:
 *
 *   bytes=a-b   bytes a…b (b past the end is cut to the last byte)
 *   bytes=a-    from a to the end
 *   bytes=-n    the last n bytes (the whole file when n ≥ size)
 *
 * Several ranges (`bytes=0-1,5-9`), another unit or a header that does not
 * parse are ignored: the whole file is served with 200, as RFC 9110 allows.
 * A well-formed single range the file cannot satisfy (a ≥ size, a > b,
 * `-0`, any range of an empty file) is unsatisfiable: 416.
 */

export type ByteRange =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SPEC = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

export function parseRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return { kind: 'full' };
  const m = SPEC.exec(header.trim());
  if (m === null) return { kind: 'full' }; // multi-range, other unit, garbage
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return { kind: 'full' };
  if (first.length > 15) return { kind: 'unsatisfiable' }; // starts beyond any file we have
  // a last byte (or suffix length) past any file is cut to the file, as RFC 9110 says
  const lastN = last.length > 15 ? Number.MAX_SAFE_INTEGER : Number(last);
  if (first === '') {
    const n = lastN;
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(lastN, size - 1);
  if (start >= size || (last !== '' && lastN < start)) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

/** `a-b/size` for logs and the audit; `none/0` for an empty file. */
export function describeRange(start: number, end: number, size: number): string {
  return size === 0 ? 'none/0' : `${start}-${end}/${size}`;
}
