/** Streaming RFC 4180 CSV parser for contact lists (issue 9). */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv, type CsvOptions, type CsvRow } from '../../src/dialer/lists/csv.js';

async function rows(chunks: (string | Buffer)[], opts?: CsvOptions): Promise<CsvRow[]> {
  const out: CsvRow[] = [];
  for await (const r of parseCsv(chunks, opts)) out.push(r);
  return out;
}
async function fields(text: string): Promise<string[][]> {
  return (await rows([text])).map((r) => r.fields);
}
async function failure(chunks: (string | Buffer)[], opts?: CsvOptions): Promise<CsvError> {
  try {
    await rows(chunks, opts);
  } catch (err) {
    if (err instanceof CsvError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('parseCsv: RFC 4180', () => {
  it('plain rows with LF and with CRLF give the same fields', async () => {
    expect(await fields('a,b,c\n1,2,3\n')).toEqual([['a', 'b', 'c'], ['1', '2', '3']]);
    expect(await fields('a,b,c\r\n1,2,3\r\n')).toEqual([['a', 'b', 'c'], ['1', '2', '3']]);
  });
  it('the last row may lack a line end; empty fields are kept', async () => {
    expect(await fields('a,,c\n,,')).toEqual([['a', '', 'c'], ['', '', '']]);
  });
  it('quoted fields with commas, escaped quotes and newlines', async () => {
    expect(await fields('"a,b","say ""hi""","line1\nline2\r\nline3"\n')).toEqual([['a,b', 'say "hi"', 'line1\nline2\r\nline3']]);
  });
  it('"" is an empty field, and a row of one "" is kept', async () => {
    expect(await fields('"",x\n""\n')).toEqual([['', 'x'], ['']]);
  });
  it('blank lines are skipped (LF and CRLF)', async () => {
    expect(await fields('a\n\nb\r\n\r\nc')).toEqual([['a'], ['b'], ['c']]);
  });
  it('a UTF-8 BOM is dropped from the first field', async () => {
    expect(await fields('\uFEFFphone,name\n1,Zoë\n')).toEqual([['phone', 'name'], ['1', 'Zoë']]);
  });
  it('lenient: a stray quote inside an unquoted field is kept; text after a closing quote is appended', async () => {
    expect(await fields('5" disk,"ab"c\n')).toEqual([['5" disk', 'abc']]);
  });
  it('line numbers are the physical line where the row starts (quoted newlines counted)', async () => {
    const r = await rows(['h\n"multi\nline"\n\nlast\r\nx']);
    expect(r.map((x) => x.line)).toEqual([1, 2, 5, 6]);
  });
});

describe('parseCsv: streaming', () => {
  const text = '\uFEFFid,"na""me",note\r\n1,"Zoë, ""Z""","a\nb"\n2,Łukasz,€\r\n\n3,"",end';
  it('every split point of the input (and one byte at a time) gives the same rows', async () => {
    const whole = await rows([text]);
    expect(whole.map((r) => r.fields)).toEqual([['id', 'na"me', 'note'], ['1', 'Zoë, "Z"', 'a\nb'], ['2', 'Łukasz', '€'], ['3', '', 'end']]);
    const bytes = Buffer.from(text, 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await rows([bytes.subarray(0, cut), bytes.subarray(cut)]), `cut at ${cut}`).toEqual(whole);
    }
    const single = [...bytes].map((b) => Buffer.from([b]));
    expect(await rows(single)).toEqual(whole);
  });
  it('reads a Readable stream and strings', async () => {
    const out: string[][] = [];
    for await (const r of parseCsv(Readable.from(['a,b\n', Buffer.from('c,d\n')]))) out.push(r.fields);
    expect(out).toEqual([['a', 'b'], ['c', 'd']]);
  });
  it('is lazy: the source is read only as rows are consumed', async () => {
    let pulled = 0;
    function* source(): Generator<string> {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield `${i},x\n`;
      }
    }
    for await (const r of parseCsv(source())) {
      if (r.fields[0] === '2') break;
    }
    expect(pulled).toBe(3);
  });
});

describe('parseCsv: errors', () => {
  it('an unterminated quote → CSV_UNTERMINATED_QUOTE with the row\'s line', async () => {
    const err = await failure(['a,b\n1,"open\nstill open\n']);
    expect(err.code).toBe('CSV_UNTERMINATED_QUOTE');
    expect(err.line).toBe(2);
  });
  it('a field over maxFieldBytes → CSV_FIELD_TOO_LARGE (counted in UTF-8 bytes)', async () => {
    expect((await failure(['a,' + 'x'.repeat(11) + '\n'], { maxFieldBytes: 10 })).code).toBe('CSV_FIELD_TOO_LARGE');
    expect((await failure(['€€€€\n'], { maxFieldBytes: 10 })).code).toBe('CSV_FIELD_TOO_LARGE'); // 12 bytes
    expect(await fields('€€€\n')).toEqual([['€€€']]);
  });
  it('a row over maxRowBytes → CSV_ROW_TOO_LARGE, also when it spans chunks', async () => {
    const err = await failure(['ok\n', 'aaaa,bbbb,', 'cccc,dddd\n'], { maxRowBytes: 12 });
    expect(err.code).toBe('CSV_ROW_TOO_LARGE');
    expect(err.line).toBe(2);
  });
  it('an unbalanced quote in a big file is stopped by maxRowBytes, long before the end', async () => {
    let pulled = 0;
    function* source(): Generator<string> {
      yield 'a,"never closed\n';
      for (let i = 0; i < 100_000; i++) {
        pulled++;
        yield 'row,row,row\n';
      }
    }
    await expect(async () => {
      for await (const _ of parseCsv(source(), { maxRowBytes: 1000 })) void _;
    }).rejects.toMatchObject({ code: 'CSV_ROW_TOO_LARGE', line: 1 });
    expect(pulled).toBeLessThan(100);
  });
});
