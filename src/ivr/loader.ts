/**
 * Reads flow files (`<dir>/*.yaml|yml|json`, one flow each), compiles them and
 * makes their prompts real: every text rendered through espeak-ng into the
 * cache (kept between starts, keyed by voice and text), every named file
 * checked to be a WAV, number tokens rendered for flows that say values.
 * A flow is served only when all of that worked.
 */
import { createHash } from 'node:crypto';
import { open, readdir, readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { parseDocument, LineCounter } from 'yaml';
import type { Logger } from '../log.js';
import { ensurePrompts, ttsName } from '../media/prompts.js';
import { compileFlow, type FlowIssue } from './compile.js';
import type { CompiledFlow } from './flow.js';
import type { PromptJob } from './prompt.js';
import { allTokens, tokenText } from './say.js';

export interface LoaderOptions {
  /** Prompt WAVs named in flows by a plain name (`welcome` → `<promptsDir>/welcome.wav`). */
  promptsDir: string;
  /** Rendered TTS and number tokens. */
  cacheDir: string;
  defaultVoice: string;
  queueExists: (id: string) => boolean | undefined;
  /** false: do not run espeak-ng or look at files (the simulator shows texts and names instead). */
  render?: boolean;
  logger?: Logger;
}

export type LoadResult = { ok: true; file: string; flow: CompiledFlow } | { ok: false; file: string; id?: string; issues: FlowIssue[] };

export const FLOW_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const PLAIN_NAME = /^[A-Za-z0-9_-]+$/;

export async function flowFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((n) => FLOW_EXTENSIONS.has(extname(n).toLowerCase()) && !n.startsWith('.')).sort().map((n) => join(dir, n));
}

export async function loadFlowFile(file: string, opts: LoaderOptions): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, file, issues: [{ path: '/', message: `cannot read the file: ${err instanceof Error ? err.message : String(err)}` }] };
  }
  const parsed = parseFlowText(text, file);
  if ('issue' in parsed) return { ok: false, file, issues: [parsed.issue] };
  const sha256 = createHash('sha256').update(text).digest('hex');
  const cacheDir = opts.cacheDir;
  const result = compileFlow(parsed.doc, {
    file,
    sha256,
    defaultVoice: opts.defaultVoice,
    queueExists: opts.queueExists,
    sayFile: (language, token) => join(cacheDir, `say-${language}-${token}.wav`),
  });
  const id = typeof parsed.doc === 'object' && parsed.doc !== null && 'id' in parsed.doc && typeof parsed.doc.id === 'string' ? parsed.doc.id : undefined;
  const issues = [...result.issues];
  if (opts.render !== false) {
    issues.push(...(await runJobs(result.jobs, dirname(file), opts)));
    for (const s of result.sayLanguages) issues.push(...(await renderTokens(s.language, s.voice, opts)));
  }
  if (issues.length > 0 || result.flow === undefined) return { ok: false, file, ...(id === undefined ? {} : { id }), issues };
  return { ok: true, file, flow: result.flow };
}

function parseFlowText(text: string, file: string): { doc: unknown } | { issue: FlowIssue } {
  if (extname(file).toLowerCase() === '.json') {
    try {
      return { doc: JSON.parse(text) as unknown };
    } catch (err) {
      return { issue: { path: '/', message: `not valid JSON: ${err instanceof Error ? err.message : String(err)}` } };
    }
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const { line, col } = lines.linePos(first.pos[0]);
    return { issue: { path: `line ${line}, column ${col}`, message: first.message } };
  }
  return { doc: doc.toJS() as unknown };
}

/** Renders texts and checks files, a few at a time; each problem names the prompt's path in the flow. */
async function runJobs(jobs: readonly PromptJob[], flowDir: string, opts: LoaderOptions): Promise<FlowIssue[]> {
  const issues: FlowIssue[] = [];
  await pool(jobs, 4, async (job) => {
    if (job.kind === 'file') {
      const file = fileFor(job.name, flowDir, opts.promptsDir);
      const problem = await wavProblem(file);
      if (problem === undefined) job.variant.file = file;
      else issues.push({ path: job.path, message: `prompt file ${file}: ${problem}` });
      return;
    }
    const name = ttsName(job.voice, job.text);
    const r = await ensurePrompts({ dir: opts.cacheDir, voice: job.voice, texts: { [name]: job.text }, ...(opts.logger === undefined ? {} : { logger: opts.logger }) });
    const failed = r.failed[0];
    if (failed !== undefined) issues.push({ path: job.path, message: `text could not be rendered (voice ${job.voice}): ${failed.error}` });
    else job.variant.file = join(opts.cacheDir, `${name}.wav`);
  });
  return issues.sort((a, b) => a.path.localeCompare(b.path));
}

async function renderTokens(language: string, voice: string, opts: LoaderOptions): Promise<FlowIssue[]> {
  const tokens = allTokens(language);
  const failed: string[] = [];
  await pool(tokens, 4, async (token) => {
    const r = await ensurePrompts({ dir: opts.cacheDir, voice, texts: { [`say-${language}-${token}`]: tokenText(token, language) } });
    if (r.failed.length > 0) failed.push(token);
  });
  return failed.length === 0 ? [] : [{ path: '/languages', message: `number prompts for "${language}" (voice ${voice}) could not be rendered: ${failed.slice(0, 5).join(', ')}${failed.length > 5 ? '…' : ''}` }];
}

/** `welcome` → the prompts dir; `audio/hi.wav` → next to the flow file; absolute paths as they are. */
export function fileFor(name: string, flowDir: string, promptsDir: string): string {
  if (PLAIN_NAME.test(name)) return join(promptsDir, `${name}.wav`);
  return isAbsolute(name) ? name : resolve(flowDir, name);
}

async function wavProblem(file: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
    const head = Buffer.alloc(12);
    const { bytesRead } = await handle.read(head, 0, 12, 0);
    if (bytesRead < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') return 'not a WAV file';
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `unreadable (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  } finally {
    await handle?.close();
  }
}

async function pool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}
