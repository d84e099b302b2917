/**
 * Streaming RFC 4180 CSV parser (issue 9). Works on bytes: the delimiters (`,` `"` CR LF) are ASCII, so
 * a UTF-8 character split across chunks is never cut; a field is decoded when it ends. Memory is one
 * row (bounded by maxRowBytes) plus the current chunk, never the file.
 *
 * - quoted fields, `""` inside quotes, CRLF / LF / lone CR line ends, newlines inside quotes, a UTF-8 BOM;
 * - blank lines are skipped; the last row may lack a line end;
 * - lenient where RFC 4180 is silent in practice: a `"` inside an unquoted field is kept as a character,
 *   and characters after a closing quote (`"ab"c`) are appended (`abc`);
 * - fatal, as a CsvError: CSV_UNTERMINATED_QUOTE (at end of input), CSV_FIELD_TOO_LARGE, CSV_ROW_TOO_LARGE
 *   (an unbalanced quote usually shows up as the latter, long before the end of the file).
 *
 * `line` is the 1-based physical line on which the row starts.
 */

export type CsvErrorCode = 'CSV_UNTERMINATED_QUOTE' | 'CSV_FIELD_TOO_LARGE' | 'CSV_ROW_TOO_LARGE';

export class CsvError extends Error {
  constructor(
    readonly code: CsvErrorCode,
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsvError';
  }
}

export interface CsvOptions {
  /** default 64 KiB */
  maxFieldBytes?: number;
  /** default 1 MiB (bytes of the row as written, separators and quotes included) */
  maxRowBytes?: number;
}

export interface CsvRow {
  line: number;
  fields: string[];
}

export type CsvSource = AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>;

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const enum S {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
}

class Parser {
  private state = S.FieldStart;
  private parts: Buffer[] = [];
  private fieldBytes = 0;
  private rowBytes = 0;
  private fields: string[] = [];
  private rowLine = 1;
  private line = 1;
  private lastCR = false;
  private bomCheck = true;
  private held: Buffer | undefined;
  readonly out: CsvRow[] = [];

  constructor(
    private readonly maxField: number,
    private readonly maxRow: number,
  ) {}

  private append(buf: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.fieldBytes += to - from;
    if (this.fieldBytes > this.maxField) {
      throw new CsvError('CSV_FIELD_TOO_LARGE', this.rowLine, `line ${this.rowLine}: field ${this.fields.length + 1} exceeds ${this.maxField} bytes`);
    }
    this.parts.push(buf.subarray(from, to));
  }

  private countRow(n: number): void {
    this.rowBytes += n;
    if (this.rowBytes > this.maxRow) {
      throw new CsvError('CSV_ROW_TOO_LARGE', this.rowLine, `row starting at line ${this.rowLine} exceeds ${this.maxRow} bytes (an unterminated quote?)`);
    }
  }

  private endField(): void {
    const p = this.parts;
    this.fields.push(p.length === 0 ? '' : p.length === 1 ? p[0]!.toString('utf8') : Buffer.concat(p).toString('utf8'));
    this.parts = [];
    this.fieldBytes = 0;
  }

  private endRow(): void {
    this.endField();
    const f = this.fields;
    if (!(f.length === 1 && f[0] === '' && this.rowBytes === 0)) this.out.push({ line: this.rowLine, fields: f });
    this.fields = [];
    this.rowBytes = 0;
    this.state = S.FieldStart;
  }

  push(input: Buffer): void {
    let buf = input;
    if (this.bomCheck) {
      // a BOM may arrive split over the first chunks: hold up to 2 bytes until it is decided
      const joined = this.held ? Buffer.concat([this.held, buf]) : buf;
      if (joined.length < 3 && BOM.subarray(0, joined.length).equals(joined)) {
        this.held = joined;
        return;
      }
      this.bomCheck = false;
      this.held = undefined;
      buf = joined.subarray(0, 3).equals(BOM) ? joined.subarray(3) : joined;
    }
    let seg = 0; // start of the current field's bytes in this chunk
    let rowSeg = 0; // start of the row's uncounted bytes in this chunk
    const n = buf.length;
    for (let i = 0; i < n; i++) {
      const c = buf[i]!;
      const newline = c === LF || c === CR;
      if (newline) {
        const isCRLF = c === LF && this.lastCR;
        if (!isCRLF) this.line++;
        this.lastCR = c === CR;
        if (isCRLF && this.state === S.FieldStart && this.fields.length === 0 && this.rowBytes === 0 && rowSeg === i) {
          rowSeg = seg = i + 1; // the LF of a CRLF that already ended the row
          this.rowLine = this.line;
          continue;
        }
      } else {
        this.lastCR = false;
      }
      if (this.state === S.FieldStart) {
        if (c === QUOTE) {
          this.state = S.Quoted;
          seg = i + 1;
          continue;
        }
        this.state = S.Unquoted;
        seg = i;
      }
      switch (this.state) {
        case S.Unquoted:
          if (c === COMMA) {
            this.append(buf, seg, i);
            this.endField();
            this.state = S.FieldStart;
          } else if (newline) {
            this.append(buf, seg, i);
            this.countRow(i - rowSeg);
            this.endRow();
            rowSeg = seg = i + 1;
            this.rowLine = this.line;
          }
          break;
        case S.Quoted:
          if (c === QUOTE) {
            this.append(buf, seg, i);
            this.state = S.QuoteInQuoted;
          }
          break;
        case S.QuoteInQuoted:
          if (c === QUOTE) {
            seg = i; // "" → one quote, kept as the start of the next segment
            this.state = S.Quoted;
          } else if (c === COMMA) {
            this.endField();
            this.state = S.FieldStart;
          } else if (newline) {
            this.countRow(i - rowSeg);
            this.endRow();
            rowSeg = seg = i + 1;
            this.rowLine = this.line;
          } else {
            seg = i; // "ab"c → abc
            this.state = S.Unquoted;
          }
          break;
      }
    }
    if (this.state === S.Unquoted || this.state === S.Quoted) this.append(buf, seg, n);
    this.countRow(n - rowSeg);
  }

  end(): void {
    if (this.held) {
      const held = this.held;
      this.bomCheck = false;
      this.held = undefined;
      this.push(held);
    }
    if (this.state === S.Quoted) {
      throw new CsvError('CSV_UNTERMINATED_QUOTE', this.rowLine, `line ${this.rowLine}: quoted field not closed before the end of the input`);
    }
    if (this.state !== S.FieldStart || this.fields.length > 0 || this.rowBytes > 0) this.endRow();
  }
}

function toBuffer(chunk: Buffer | Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Rows of a CSV stream, one at a time; the source is read only as fast as rows are consumed. */
export async function* parseCsv(source: CsvSource, opts: CsvOptions = {}): AsyncGenerator<CsvRow, void, undefined> {
  const parser = new Parser(opts.maxFieldBytes ?? 64 * 1024, opts.maxRowBytes ?? 1024 * 1024);
  for await (const chunk of source) {
    parser.push(toBuffer(chunk));
    for (const row of parser.out) yield row;
    parser.out.length = 0;
  }
  parser.end();
  yield* parser.out;
}
