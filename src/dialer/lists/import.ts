/**
 * Contact-list import for the outbound dialer (issue 9): a CSV stream with a header row becomes batches
 * of contacts handed to `sink`, and an ImportReport.
 *
 * - The number column (default `phone`) is normalised to E.164 (see e164.ts); a bad number rejects the row.
 * - Duplicates: the same E.164 seen earlier in the same file rejects the row (DUPLICATE). The importer keeps
 *   a Set of every accepted number, stored as a JS number (E.164 has at most 15 digits < 2^53): that is the
 *   one thing that grows with the file: measured 35 MB for 1M numbers (~37 bytes each; as strings it was
 *   50 MB). A V8 Set holds at most 2^24 (16.7M) entries, so one file is limited to about 16M contacts.
 * - Time zone: the zone column (default `timezone`) when it holds a valid IANA name, else from the number
 *   (timezone.ts). A contact whose zone is unknown is ACCEPTED and counted in `tzUnknown`: the dialer will
 *   not call it until a zone is known (set on the contact later). An invalid zone field falls back to the
 *   number and is counted as TZ_FIELD_INVALID in `byCode`.
 * - Every other column is a custom field for the screen pop (`fields`); a stripped extension is added
 *   as `fields.extension` unless the file has that column.
 * - Backpressure: each batch is awaited before more of the file is read.
 * - Fatal problems (no header, no number column, a duplicate column name, a CSV error) stop the import;
 *   the report then carries `fatal`, and batches already handed to the sink stay handed.
 */
import { CsvError, parseCsv, type CsvOptions, type CsvSource } from './csv.js';
import { COUNTRIES, normalizeNumber } from './e164.js';
import { timeZoneFor } from './timezone.js';

export interface Contact {
  id: string;
  e164: string;
  tz?: string;
  tzSource?: 'field' | 'number';
  fields: Record<string, string>;
}

export interface ImportOptions extends CsvOptions {
  /** ISO 3166 alpha-2 for national numbers */
  defaultCountry: string;
  numberColumn?: string;
  timeZoneColumn?: string;
  /** column holding the contact id; without it the id is the E.164 number */
  idColumn?: string;
  /** how many rejected rows are listed in `errors` (all are counted in byCode); default 1000 */
  maxErrors?: number;
}

export interface ImportError {
  line: number;
  code: string;
  message: string;
  value?: string;
}

export interface ImportReport {
  /** data rows read (the header excluded) = accepted + rejected */
  rows: number;
  accepted: number;
  /** every refused row, duplicates included */
  rejected: number;
  duplicates: number;
  /** accepted contacts without a known zone (not called until one is known) */
  tzUnknown: number;
  /** the first maxErrors rejected rows */
  errors: ImportError[];
  /** rejections by code (NUMBER_*, DUPLICATE, ROW_FIELD_COUNT, ID_EMPTY) and the warnings TZ_UNKNOWN, TZ_FIELD_INVALID */
  byCode: Record<string, number>;
  fatal?: ImportError;
}

interface Columns {
  names: string[];
  number: number;
  tz: number;
  id: number;
  extension: boolean;
}

function findColumn(names: string[], wanted: string): number {
  const w = wanted.trim().toLowerCase();
  return names.findIndex((n) => n.toLowerCase() === w);
}

function readHeader(fields: string[], opts: ImportOptions): Columns | ImportError {
  const names = fields.map((f, i) => f.trim() || `column_${i + 1}`);
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n.toLowerCase())) return { line: 1, code: 'HEADER_DUPLICATE_COLUMN', message: `column "${n}" appears twice`, value: n };
    seen.add(n.toLowerCase());
  }
  const numberColumn = opts.numberColumn ?? 'phone';
  const number = findColumn(names, numberColumn);
  if (number < 0) return { line: 1, code: 'HEADER_NO_NUMBER_COLUMN', message: `no column "${numberColumn}" in the header`, value: names.join(',') };
  const id = opts.idColumn === undefined ? -1 : findColumn(names, opts.idColumn);
  if (opts.idColumn !== undefined && id < 0) {
    return { line: 1, code: 'HEADER_NO_ID_COLUMN', message: `no column "${opts.idColumn}" in the header`, value: names.join(',') };
  }
  const tz = findColumn(names, opts.timeZoneColumn ?? 'timezone');
  return { names, number, tz, id, extension: seen.has('extension') };
}

class Report {
  readonly r: ImportReport = { rows: 0, accepted: 0, rejected: 0, duplicates: 0, tzUnknown: 0, errors: [], byCode: {} };
  constructor(private readonly maxErrors: number) {}

  count(code: string): void {
    this.r.byCode[code] = (this.r.byCode[code] ?? 0) + 1;
  }

  reject(e: ImportError): void {
    this.r.rejected++;
    this.count(e.code);
    if (this.r.errors.length < this.maxErrors) this.r.errors.push(e);
  }
}

function toContact(line: number, fields: string[], cols: Columns, country: string, seen: Set<number>, rep: Report): Contact | undefined {
  if (fields.length !== cols.names.length) {
    rep.reject({ line, code: 'ROW_FIELD_COUNT', message: `${fields.length} fields, the header has ${cols.names.length}` });
    return undefined;
  }
  const raw = fields[cols.number] ?? '';
  const num = normalizeNumber(raw, country);
  if (!num.ok) {
    rep.reject({ line, code: num.code, message: num.message, value: raw });
    return undefined;
  }
  const key = Number(num.e164.slice(1));
  if (seen.has(key)) {
    rep.r.duplicates++;
    rep.reject({ line, code: 'DUPLICATE', message: `${num.e164} appears earlier in the file`, value: raw });
    return undefined;
  }
  const id = cols.id >= 0 ? (fields[cols.id] ?? '').trim() : num.e164;
  if (id === '') {
    rep.reject({ line, code: 'ID_EMPTY', message: 'the id column is empty', value: raw });
    return undefined;
  }
  seen.add(key);
  const tzField = cols.tz >= 0 ? fields[cols.tz] : undefined;
  const zone = timeZoneFor(num.e164, tzField);
  const custom: Record<string, string> = {};
  for (let i = 0; i < fields.length; i++) {
    if (i !== cols.number && i !== cols.tz && i !== cols.id) custom[cols.names[i]!] = fields[i]!;
  }
  if (num.extension !== undefined && !cols.extension) custom['extension'] = num.extension;
  const contact: Contact = { id, e164: num.e164, fields: custom };
  if (tzField !== undefined && tzField.trim() !== '' && zone.tz !== undefined && zone.source !== 'field') rep.count('TZ_FIELD_INVALID');
  if (zone.tz === undefined) {
    if (tzField !== undefined && tzField.trim() !== '') rep.count('TZ_FIELD_INVALID');
    rep.r.tzUnknown++;
    rep.count('TZ_UNKNOWN');
  } else {
    contact.tz = zone.tz;
    contact.tzSource = zone.source;
  }
  return contact;
}

export async function importContacts(
  source: CsvSource,
  opts: ImportOptions,
  sink: (batch: Contact[]) => Promise<void>,
  batchSize = 1000,
): Promise<ImportReport> {
  const country = opts.defaultCountry.toUpperCase();
  if (!COUNTRIES.has(country)) throw new RangeError(`unknown default country "${opts.defaultCountry}"`);
  const rep = new Report(opts.maxErrors ?? 1000);
  const seen = new Set<number>();
  let cols: Columns | undefined;
  let batch: Contact[] = [];
  try {
    for await (const { line, fields } of parseCsv(source, opts)) {
      if (!cols) {
        const header = readHeader(fields, opts);
        if ('code' in header) {
          rep.r.fatal = header;
          return rep.r;
        }
        cols = header;
        continue;
      }
      rep.r.rows++;
      const contact = toContact(line, fields, cols, country, seen, rep);
      if (!contact) continue;
      rep.r.accepted++;
      batch.push(contact);
      if (batch.length >= batchSize) {
        const full = batch;
        batch = [];
        await sink(full);
      }
    }
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    rep.r.fatal = { line: err.line, code: err.code, message: err.message };
  }
  if (!cols && !rep.r.fatal) rep.r.fatal = { line: 1, code: 'HEADER_MISSING', message: 'the file is empty: a header row is required' };
  if (batch.length > 0) await sink(batch);
  return rep.r;
}
