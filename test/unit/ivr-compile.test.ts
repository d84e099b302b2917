/**
 * The IVR flow compiler (document → checked, compiled flow) and the loader
 * (file → document → compiled flow with its prompts made real).
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileFlow, type CompileOptions, type CompileResult, type FlowIssue } from '../../src/ivr/compile.js';
import { runFlow } from '../../src/ivr/engine.js';
import type { CompiledFlow } from '../../src/ivr/flow.js';
import { loadFlowFile, type LoaderOptions } from '../../src/ivr/loader.js';
import type { CallerIo, IvrServices } from '../../src/ivr/types.js';
import { CallVariables } from '../../src/ivr/variables.js';

const OPTS: CompileOptions = {
  file: 'test.yaml',
  sha256: 'x',
  defaultVoice: 'en-us',
  queueExists: (id) => ['sales', 'support'].includes(id),
  sayFile: (l, t) => `/say/${l}/${t}.wav`,
};

const HANGUP = { type: 'hangup' };

/** A flow starting at `a` with these nodes (and header fields). */
function flow(nodes: Record<string, unknown>, header: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'test', version: 1, start: 'a', ...header, nodes };
}

function compile(doc: unknown): CompileResult {
  return compileFlow(doc, OPTS);
}

function issues(doc: unknown): FlowIssue[] {
  return compile(doc).issues;
}

/** The one issue at `path` (fails when there is none). */
function issueAt(doc: unknown, path: string): FlowIssue {
  const all = issues(doc);
  const found = all.find((i) => i.path === path);
  if (found === undefined) throw new Error(`no issue at ${path}; got ${JSON.stringify(all)}`);
  return found;
}

describe('compileFlow: not a flow at all', () => {
  it('null, an array and a string → one issue at "/" saying what a flow is', () => {
    for (const doc of [null, [], 'id: x']) {
      const r = compile(doc);
      expect(r.flow).toBeUndefined();
      expect(r.issues).toEqual([{ path: '/', message: expect.stringContaining('a flow is a mapping') }]);
    }
  });
});

describe('compileFlow: header errors', () => {
  it('missing version and start → both reported at /version and /start', () => {
    const r = compile({ id: 'test', nodes: { a: HANGUP } });
    expect(r.flow).toBeUndefined();
    expect(r.issues.map((i) => i.path).sort()).toEqual(['/start', '/version']);
    expect(r.issues[0]?.message).toMatch(/required/i);
  });

  it('missing id → /id required', () => {
    expect(issueAt({ version: 1, start: 'a', nodes: { a: HANGUP } }, '/id').message).toMatch(/required/i);
  });

  it('version 0 → /version must be ≥ 1', () => {
    expect(issueAt(flow({ a: HANGUP }, { version: 0 }), '/version').message).toMatch(/greater or equal to 1/);
  });

  it('an id with a space → /id', () => {
    expect(issueAt(flow({ a: HANGUP }, { id: 'my flow' }), '/id').message).toContain('Expected string to match');
  });

  it('an unknown top-level property → /colour "Unexpected property" (strict header)', () => {
    expect(issueAt(flow({ a: HANGUP }, { colour: 'red' }), '/colour').message).toMatch(/unexpected property/i);
  });

  it('no nodes at all → /nodes', () => {
    expect(issueAt(flow({}), '/nodes').message).toMatch(/at least 1/);
  });
});

describe('compileFlow: node schemas', () => {
  it('type "blah" → /nodes/a/type, the message lists the known types', () => {
    const i = issueAt(flow({ a: { type: 'blah' } }), '/nodes/a/type');
    expect(i.message).toContain('unknown node type "blah"');
    for (const t of ['play', 'menu', 'collect', 'say', 'condition', 'schedule', 'http', 'set', 'queue', 'voicemail', 'callback', 'transfer', 'hangup']) {
      expect(i.message).toContain(t);
    }
  });

  it('play with an unknown property "colour" → /nodes/a/colour (strict node schema)', () => {
    expect(issueAt(flow({ a: { type: 'play', prompt: 'hi', next: 'b', colour: 'red' }, b: HANGUP }), '/nodes/a/colour').message).toMatch(/unexpected property/i);
  });

  it('play without next → /nodes/a/next required', () => {
    expect(issueAt(flow({ a: { type: 'play', prompt: 'hi' } }), '/nodes/a/next').message).toMatch(/required/i);
  });

  it('bargeIn: "yes" → /nodes/a/bargeIn expected boolean', () => {
    expect(issueAt(flow({ a: { type: 'play', prompt: 'hi', next: 'b', bargeIn: 'yes' }, b: HANGUP }), '/nodes/a/bargeIn').message).toMatch(/boolean/i);
  });
});

describe('compileFlow: the graph', () => {
  it('play → next "zz" that does not exist → /nodes/a/next no node "zz"', () => {
    expect(issueAt(flow({ a: { type: 'play', prompt: 'hi', next: 'zz' } }), '/nodes/a/next').message).toContain('no node "zz"');
  });

  it('menu choice and onFailure to missing nodes → /nodes/a/choices/1 and /nodes/a/onFailure', () => {
    const doc = flow({ a: { type: 'menu', prompt: 'hi', choices: { '1': 'zz', '2': 'b' }, onFailure: 'yy' }, b: HANGUP });
    expect(issueAt(doc, '/nodes/a/choices/1').message).toContain('no node "zz"');
    expect(issueAt(doc, '/nodes/a/onFailure').message).toContain('no node "yy"');
    expect(issues(doc).some((i) => i.path === '/nodes/a/choices/2')).toBe(false);
  });

  it('start and onError naming missing nodes → /start and /onError', () => {
    const doc = flow({ a: HANGUP }, { start: 'nope', onError: 'gone' });
    expect(issueAt(doc, '/start').message).toContain('no node "nope"');
    expect(issueAt(doc, '/onError').message).toContain('no node "gone"');
  });

  it('a node nothing leads to → /nodes/orphan unreachable', () => {
    const doc = flow({ a: HANGUP, orphan: HANGUP });
    expect(issueAt(doc, '/nodes/orphan').message).toMatch(/unreachable.*"a"/);
    expect(issues(doc)).toHaveLength(1);
  });

  it('a node reached only from onError is reachable', () => {
    expect(issues(flow({ a: HANGUP, oops: HANGUP }, { onError: 'oops' }))).toEqual([]);
  });

  it('set → condition → set (no prompt on the way) → silent loop at /nodes/a', () => {
    const doc = flow({
      a: { type: 'set', values: { x: '1' }, next: 'c' },
      c: { type: 'condition', when: [{ variable: 'x', op: 'eq', value: 1, next: 'a' }], else: 'h' },
      h: HANGUP,
    });
    const i = issueAt(doc, '/nodes/a');
    expect(i.message).toContain('loop without a prompt');
    expect(i.message).toContain('a → c → a');
  });

  it('set → menu → set (a loop through a menu) is accepted', () => {
    const r = compile(
      flow({
        a: { type: 'set', values: { x: '1' }, next: 'm' },
        m: { type: 'menu', prompt: 'hi', choices: { '1': 'a', '2': 'h' } },
        h: HANGUP,
      }),
    );
    expect(r.issues).toEqual([]);
    expect(r.flow).toBeDefined();
  });
});

describe('compileFlow: node rules', () => {
  it('collect.pattern "([" → /nodes/a/pattern not a valid regular expression', () => {
    expect(issueAt(flow({ a: { type: 'collect', prompt: 'hi', variable: 'acct', pattern: '([', next: 'h' }, h: HANGUP }), '/nodes/a/pattern').message).toContain(
      'not a valid regular expression',
    );
  });

  it('condition matches "([" → /nodes/a/when/0/value not a valid regular expression', () => {
    const doc = flow({ a: { type: 'condition', when: [{ variable: 'x', op: 'matches', value: '([', next: 'h' }], else: 'h' }, h: HANGUP });
    expect(issueAt(doc, '/nodes/a/when/0/value').message).toContain('not a valid regular expression');
  });

  it('collect minDigits 5 > maxDigits 3 → /nodes/a/minDigits', () => {
    expect(issueAt(flow({ a: { type: 'collect', prompt: 'hi', variable: 'acct', minDigits: 5, maxDigits: 3, next: 'h' }, h: HANGUP }), '/nodes/a/minDigits').message).toContain(
      'minDigits (5) is above maxDigits (3)',
    );
  });

  it('bad variable names in collect, menu, set, http map and condition → each at its path', () => {
    const doc = flow({
      a: { type: 'collect', prompt: 'hi', variable: '1acct', next: 'm' },
      m: { type: 'menu', prompt: 'hi', variable: 'my choice', choices: { '1': 's' } },
      s: { type: 'set', values: { 'bad-name': 'x' }, next: 'd' },
      d: { type: 'http', url: 'https://example.test/x', map: { 'x y': 'a' }, next: 'c', onFailure: 'c' },
      c: { type: 'condition', when: [{ variable: '9lives', op: 'exists', next: 'h' }], else: 'h' },
      h: HANGUP,
    });
    expect(issueAt(doc, '/nodes/a/variable').message).toContain('bad variable name "1acct"');
    expect(issueAt(doc, '/nodes/m/variable').message).toContain('bad variable name "my choice"');
    expect(issueAt(doc, '/nodes/s/values/bad-name').message).toContain('bad variable name "bad-name"');
    expect(issueAt(doc, '/nodes/d/map/x y').message).toContain('bad variable name "x y"');
    expect(issueAt(doc, '/nodes/c/when/0/variable').message).toContain('bad variable name "9lives"');
  });

  it('template "${1x}" → bad variable name; "a ${b" → unclosed placeholder', () => {
    const doc = flow({ a: { type: 'set', values: { x: 'v ${1x}', y: 'a ${b' }, next: 'h' }, h: HANGUP });
    expect(issueAt(doc, '/nodes/a/values/x').message).toContain('bad variable name "${1x}"');
    expect(issueAt(doc, '/nodes/a/values/y').message).toContain('unclosed "${"');
  });

  it('a say item with "${" unclosed → /nodes/a/prompt/0/say', () => {
    expect(issueAt(flow({ a: { type: 'play', prompt: [{ say: '${n', as: 'number' }], next: 'h' }, h: HANGUP }), '/nodes/a/prompt/0/say').message).toContain('unclosed');
  });

  it('inline schedule: timezone "Mars/Base" and "18:00-08:00" → /nodes/a/schedule/timezone and /nodes/a/schedule/hours/mon/0', () => {
    const doc = flow({ a: { type: 'schedule', schedule: { timezone: 'Mars/Base', hours: { mon: ['18:00-08:00'] } }, open: 'h', closed: 'h' }, h: HANGUP });
    expect(issueAt(doc, '/nodes/a/schedule/timezone').message).toContain('unknown time zone "Mars/Base"');
    expect(issueAt(doc, '/nodes/a/schedule/hours/mon/0').message).toContain('end must be after start');
  });

  it('named schedule: timezone "Mars/Base" and "25:00-26:00" → /schedules/office/timezone and /schedules/office/hours/mon/0', () => {
    const doc = flow(
      { a: { type: 'schedule', schedule: 'office', open: 'h', closed: 'h' }, h: HANGUP },
      { schedules: { office: { timezone: 'Mars/Base', hours: { mon: ['25:00-26:00'] } } } },
    );
    expect(issueAt(doc, '/schedules/office/timezone').message).toContain('unknown time zone');
    expect(issueAt(doc, '/schedules/office/hours/mon/0').message).toContain('bad start time');
  });

  it('schedule "nope" not in schedules → /nodes/a/schedule', () => {
    const doc = flow({ a: { type: 'schedule', schedule: 'nope', open: 'h', closed: 'h' }, h: HANGUP }, { schedules: { office: { timezone: 'UTC', hours: {} } } });
    expect(issueAt(doc, '/nodes/a/schedule').message).toContain('no schedule named "nope"');
  });

  it('queue "billing" (literal, not configured) → /nodes/a/queue; "${dept}" (templated) is accepted', () => {
    expect(issueAt(flow({ a: { type: 'queue', queue: 'billing' } }), '/nodes/a/queue').message).toContain('unknown queue "billing"');
    expect(issues(flow({ a: { type: 'queue', queue: '${dept}' } }))).toEqual([]);
    expect(issues(flow({ a: { type: 'queue', queue: 'sales' } }))).toEqual([]);
  });

  it('callback and transfer to queue "nope" → /nodes/a/queue and /nodes/t/to', () => {
    const doc = flow({ a: { type: 'callback', queue: 'nope', onFailure: 't' }, t: { type: 'transfer', kind: 'queue', to: 'nope' } });
    expect(issueAt(doc, '/nodes/a/queue').message).toContain('unknown queue "nope"');
    expect(issueAt(doc, '/nodes/t/to').message).toContain('unknown queue "nope"');
  });

  it('http url "ftp://x/y" → only http(s); "garbage" → not a valid URL; "${server}/x" is left for run time', () => {
    const doc = flow({
      a: { type: 'http', url: 'ftp://x/y', next: 'b', onFailure: 'h' },
      b: { type: 'http', url: 'garbage', next: 'c', onFailure: 'h' },
      c: { type: 'http', url: '${server}/x', next: 'h', onFailure: 'h' },
      h: HANGUP,
    });
    expect(issueAt(doc, '/nodes/a/url').message).toContain('only http: and https: URLs (got ftp:)');
    expect(issueAt(doc, '/nodes/b/url').message).toContain('not a valid URL: garbage');
    expect(issues(doc).some((i) => i.path === '/nodes/c/url')).toBe(false);
  });

  it('http require naming a field not in map → /nodes/a/require/0', () => {
    const doc = flow({ a: { type: 'http', url: 'https://x.test/', map: { owner: 'owner' }, require: ['balance'], next: 'h', onFailure: 'h' }, h: HANGUP });
    expect(issueAt(doc, '/nodes/a/require/0').message).toContain('"balance" is not a variable of map');
  });
});

describe('compileFlow: prompts', () => {
  const bilingual = { languages: { default: 'en', voices: { en: 'en-us', es: 'es' } } };

  it('tts with only es in an en+es flow → /nodes/a/prompt/tts no variant for the default language "en"', () => {
    expect(issueAt(flow({ a: { type: 'play', prompt: { tts: { es: 'hola' } }, next: 'h' }, h: HANGUP }, bilingual), '/nodes/a/prompt/tts').message).toContain(
      'no variant for the default language "en"',
    );
  });

  it('file with fr in an en+es flow → /nodes/a/prompt/file/fr not one of the flow\'s languages', () => {
    const doc = flow({ a: { type: 'play', prompt: { file: { en: 'hi', fr: 'salut' } }, next: 'h' }, h: HANGUP }, bilingual);
    expect(issueAt(doc, '/nodes/a/prompt/file/fr').message).toContain('language "fr" is not one of the flow\'s languages (en, es)');
  });

  it('a prompt item { foo: 1 } → /nodes/a/prompt needs one of file, tts or say', () => {
    expect(issueAt(flow({ a: { type: 'play', prompt: { foo: 1 }, next: 'h' }, h: HANGUP }), '/nodes/a/prompt').message).toContain(
      'needs one of "file", "tts" or "say"',
    );
  });

  it('the second item of a prompt list is { foo: 1 } → /nodes/a/prompt/1 (exact item)', () => {
    const r = compile(flow({ a: { type: 'play', prompt: ['hi', { foo: 1 }], next: 'h' }, h: HANGUP }));
    expect(r.issues).toEqual([{ path: '/nodes/a/prompt/1', message: expect.stringContaining('needs one of "file", "tts" or "say"') }]);
  });

  it('a file item with an extra property → /nodes/a/prompt/extra (strict prompt items)', () => {
    expect(issueAt(flow({ a: { type: 'play', prompt: { file: 'hi', extra: 1 }, next: 'h' }, h: HANGUP }), '/nodes/a/prompt/extra').message).toMatch(/unexpected property/i);
  });

  it('a number as a prompt item → /nodes/a/prompt/0 a file name or an object', () => {
    expect(issueAt(flow({ a: { type: 'play', prompt: [42], next: 'h' }, h: HANGUP }), '/nodes/a/prompt/0').message).toContain('a prompt item is a file name');
  });

  it('a bad queue announce prompt is reported inside /nodes/a/announce/prompt', () => {
    const doc = flow({ a: { type: 'queue', queue: 'sales', announce: { everySeconds: 30, prompt: ['hi', { say: '${queue_position}' }] } } });
    expect(issues(doc).map((i) => i.path)).toEqual(['/nodes/a/announce/prompt/1/as']);
  });
});

describe('compileFlow: everything at once', () => {
  it('a document with an unknown type, a bad regex, an unknown queue and a bad url lists all four', () => {
    const doc = flow({
      a: { type: 'collect', prompt: 'hi', variable: 'acct', pattern: '(', next: 'b' },
      b: { type: 'queue', queue: 'billing' },
      c: { type: 'http', url: 'ftp://x', next: 'b', onFailure: 'b' },
      d: { type: 'teleport' },
    });
    const r = compile(doc);
    expect(r.flow).toBeUndefined();
    expect(r.issues.map((i) => i.path).sort()).toEqual(['/nodes/a/pattern', '/nodes/b/queue', '/nodes/c/url', '/nodes/d/type']);
  });

  it('three dangling arrows and an orphan in a schema-valid flow → all reported', () => {
    const doc = flow({
      a: { type: 'menu', prompt: 'hi', choices: { '1': 'x1', '2': 'x2' }, onFailure: 'x3' },
      lost: HANGUP,
    });
    expect(issues(doc).map((i) => i.path).sort()).toEqual(['/nodes/a/choices/1', '/nodes/a/choices/2', '/nodes/a/onFailure', '/nodes/lost']);
  });
});

describe('compileFlow: a valid flow', () => {
  it('gives the flow, its nodes, file and tts jobs with their paths; no sayLanguages without a say', () => {
    const r = compile(
      flow(
        {
          a: { type: 'play', prompt: ['welcome', { tts: 'Thank you for calling' }, { file: { en: 'menu-en', es: 'menu-es' } }], next: 'h' },
          h: { type: 'hangup', prompt: { tts: { en: 'Bye', es: 'Adiós' } } },
        },
        { description: 'demo', variables: { tier: 'basic' }, languages: { default: 'en', voices: { en: 'en-us', es: 'es' } } },
      ),
    );
    expect(r.issues).toEqual([]);
    const f = r.flow!;
    expect(f).toMatchObject({ id: 'test', version: 1, start: 'a', file: 'test.yaml', sha256: 'x', description: 'demo', variables: { tier: 'basic' } });
    expect(f.languages).toEqual({ default: 'en', variable: 'language', list: ['en', 'es'] });
    expect([...f.nodes.keys()]).toEqual(['a', 'h']);
    expect(f.nodes.get('a')?.type).toBe('play');
    expect(r.jobs.map((j) => (j.kind === 'file' ? [j.kind, j.path, j.name] : [j.kind, j.path, j.text, j.voice]))).toEqual([
      ['file', '/nodes/a/prompt/0', 'welcome'],
      ['tts', '/nodes/a/prompt/1/tts', 'Thank you for calling', 'en-us'],
      ['file', '/nodes/a/prompt/2/file/en', 'menu-en'],
      ['file', '/nodes/a/prompt/2/file/es', 'menu-es'],
      ['tts', '/nodes/h/prompt/tts/en', 'Bye', 'en-us'],
      ['tts', '/nodes/h/prompt/tts/es', 'Adiós', 'es'],
    ]);
    expect(r.sayLanguages).toEqual([]);
  });

  it('a flow without languages uses the defaultVoice for its tts', () => {
    const r = compileFlow(flow({ a: { type: 'hangup', prompt: { tts: 'Bye' } } }), { ...OPTS, defaultVoice: 'en-gb' });
    expect(r.jobs).toMatchObject([{ kind: 'tts', voice: 'en-gb' }]);
    expect(r.flow?.languages.list).toEqual(['en']);
  });

  it('a say item → sayLanguages has every flow language with its voice', () => {
    const r = compile(
      flow({ a: { type: 'say', value: '${n}', as: 'number', next: 'h' }, h: HANGUP }, { languages: { default: 'en', voices: { en: 'en-us', es: 'es-419' } } }),
    );
    expect(r.issues).toEqual([]);
    expect(r.sayLanguages).toEqual([
      { language: 'en', voice: 'en-us' },
      { language: 'es', voice: 'es-419' },
    ]);
  });

  it('loadedAt comes from opts.now', () => {
    const at = new Date('2026-03-02T10:00:00Z');
    expect(compileFlow(flow({ a: HANGUP }), { ...OPTS, now: () => at }).flow?.loadedAt).toEqual(at);
  });
});

// ---------------------------------------------------------------------------------------------

/** A minimal 8 kHz mono 16-bit PCM WAV: the 44-byte RIFF/WAVE header, then `samples` zero samples. */
function wav(samples = 80): Buffer {
  const data = samples * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVE', 8, 'ascii');
  b.write('fmt ', 12, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(data, 40);
  return b;
}

/** Runs a flow with a silent caller and returns the files of each play, in order. */
async function playedFiles(f: CompiledFlow): Promise<string[][]> {
  const played: string[][] = [];
  const io: CallerIo = {
    play: (files) => {
      played.push([...files]);
      return Promise.resolve('completed');
    },
    nextDigit: () => Promise.resolve(undefined),
    clearDigits: () => undefined,
  };
  const services: IvrServices = {
    queueExists: () => true,
    queue: () => Promise.resolve({ result: 'connected' }),
    voicemail: () => Promise.resolve(undefined),
    callback: () => Promise.resolve({ id: 'cb' }),
    transfer: () => Promise.resolve(true),
    dip: () => Promise.resolve({ ok: false, code: 'DIP_NETWORK', message: 'none', ms: 0 }),
    hangup: () => Promise.resolve(),
  };
  await runFlow({ flow: f, io, services, vars: new CallVariables(new Map()), clock: { now: () => new Date(0) }, apology: ['apology'] }, new AbortController().signal);
  return played;
}

describe('loadFlowFile', () => {
  let dir: string;
  let opts: LoaderOptions;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ivr-loader-'));
    opts = { promptsDir: join(dir, 'prompts'), cacheDir: join(dir, 'cache'), defaultVoice: 'en-us', queueExists: () => true, render: true };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, text: string | Buffer): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  }

  it('a YAML syntax error (unclosed "{" on line 5) → a "line N, column M" path', async () => {
    const file = await write('bad.yaml', 'id: t\nversion: 1\nstart: a\nnodes:\n  a: { type: hangup\n');
    const r = await loadFlowFile(file, opts);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]?.path).toMatch(/^line \d+, column \d+$/);
  });

  it('a duplicate key "id" on line 3 → refused at "line 3, column 1"', async () => {
    const file = await write('dup.yaml', 'id: t\nversion: 1\nid: u\nstart: a\nnodes:\n  a: { type: hangup }\n');
    const r = await loadFlowFile(file, opts);
    expect(r).toMatchObject({ ok: false, issues: [{ path: 'line 3, column 1', message: expect.stringMatching(/unique/i) }] });
  });

  it('invalid JSON in a .json file → refused at "/"', async () => {
    const file = await write('bad.json', '{"id": "t",');
    expect(await loadFlowFile(file, opts)).toMatchObject({ ok: false, issues: [{ path: '/', message: expect.stringContaining('not valid JSON') }] });
  });

  it('a file that does not exist → cannot read the file', async () => {
    expect(await loadFlowFile(join(dir, 'none.yaml'), opts)).toMatchObject({ ok: false, issues: [{ path: '/', message: expect.stringContaining('cannot read') }] });
  });

  it('a compile problem keeps the flow id in the result', async () => {
    const file = await write('q.yaml', 'id: named\nversion: 1\nstart: a\nnodes:\n  a: { type: queue, queue: billing }\n');
    const r = await loadFlowFile(file, { ...opts, queueExists: (q) => q === 'sales' });
    expect(r).toMatchObject({ ok: false, id: 'named', issues: [{ path: '/nodes/a/queue' }] });
  });

  it('a missing prompt file and a file that is not a WAV → refused, each with its prompt path', async () => {
    await write('notwav.wav', 'this is text, not audio at all');
    const file = await write(
      'prompts.yaml',
      ['id: t', 'version: 1', 'start: a', 'nodes:', '  a: { type: play, prompt: welcome, next: b }', '  b: { type: hangup, prompt: { file: ./notwav.wav } }', ''].join('\n'),
    );
    const r = await loadFlowFile(file, opts);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toEqual([
      { path: '/nodes/a/prompt', message: expect.stringMatching(/welcome\.wav: missing$/) },
      { path: '/nodes/b/prompt/file', message: expect.stringMatching(/notwav\.wav: not a WAV file$/) },
    ]);
  });

  it('a real WAV in the prompts dir and one next to the flow → accepted, files resolved', async () => {
    await mkdir(opts.promptsDir, { recursive: true });
    await writeFile(join(opts.promptsDir, 'welcome.wav'), wav());
    await write('local.wav', wav(10));
    const file = await write('ok.yaml', ['id: t', 'version: 1', 'start: a', 'nodes:', '  a: { type: play, prompt: [welcome, ./local.wav], next: b }', '  b: { type: hangup }', ''].join('\n'));
    const r = await loadFlowFile(file, opts);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.flow.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await playedFiles(r.flow)).toEqual([[join(opts.promptsDir, 'welcome.wav'), join(dir, 'local.wav')]]);
  });

  it('render: false does not look at files (a missing WAV is accepted)', async () => {
    const file = await write('nofile.yaml', 'id: t\nversion: 1\nstart: a\nnodes:\n  a: { type: hangup, prompt: welcome }\n');
    expect((await loadFlowFile(file, { ...opts, render: false })).ok).toBe(true);
  });

  it('a tts text is rendered through espeak-ng into the cacheDir; a second load reuses the same file (mtime unchanged)', async () => {
    const file = await write('tts.yaml', 'id: t\nversion: 1\nstart: a\nnodes:\n  a: { type: hangup, prompt: { tts: "Goodbye" } }\n');
    const first = await loadFlowFile(file, opts);
    if (!first.ok) throw new Error(JSON.stringify(first.issues));
    const [files] = await playedFiles(first.flow);
    expect(files).toHaveLength(1);
    const rendered = files![0]!;
    expect(rendered.startsWith(join(opts.cacheDir, 'tts-'))).toBe(true);
    const head = await readFile(rendered);
    expect(head.toString('ascii', 0, 4)).toBe('RIFF');
    expect(head.toString('ascii', 8, 12)).toBe('WAVE');
    expect(head.length).toBeGreaterThan(44);
    const before = (await stat(rendered)).mtimeMs;

    const second = await loadFlowFile(file, opts);
    if (!second.ok) throw new Error(JSON.stringify(second.issues));
    expect(await playedFiles(second.flow)).toEqual([[rendered]]);
    expect((await stat(rendered)).mtimeMs).toBe(before);
  });
});
