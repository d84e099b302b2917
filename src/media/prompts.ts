/**
 * Prompt WAVs for the IVR: `<dir>/<name>.wav`, 8 kHz mono 16-bit PCM (what projectrtp plays).
 *
 * A missing prompt is generated from its configured text with espeak-ng, resampled with sox.
 * Next to each generated file a sidecar `<name>.txt` records the voice, the text and a hash of
 * the WAV it produced. That is how a generated file is told apart from an operator's recording:
 *  - no WAV                                  → generate;
 *  - WAV without (readable) sidecar          → operator's recording, never touched;
 *  - WAV whose hash differs from the sidecar → operator dropped a recording over a generated one; kept;
 *  - WAV we generated, text/voice unchanged  → kept;
 *  - WAV we generated, text/voice changed    → regenerated.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../log.js';

export type PromptErrorCode = 'PROMPT_NAME_INVALID' | 'PROMPT_TOOL_MISSING' | 'PROMPT_TOOL_FAILED';

export class PromptError extends Error {
  override readonly name = 'PromptError';

  constructor(
    readonly code: PromptErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface EnsurePromptsOptions {
  /** Directory holding `<name>.wav`; created if missing. */
  dir: string;
  /** espeak-ng voice, e.g. `en-us`. */
  voice: string;
  /** Prompt name → text to speak. */
  texts: Record<string, string>;
  logger?: Logger;
  /** espeak-ng executable; default `espeak-ng` from PATH. */
  espeak?: string;
  /** sox executable; default `sox` from PATH. */
  sox?: string;
}

export interface EnsurePromptsResult {
  generated: string[];
  kept: string[];
  failed: { name: string; error: string }[];
}

const NAME_RE = /^[A-Za-z0-9_-]+$/;

/** `<dir>/<name>.wav`; throws PROMPT_NAME_INVALID for a name that could leave `dir` or is not a plain word. */
export function promptPath(dir: string, name: string): string {
  if (!NAME_RE.test(name)) {
    throw new PromptError('PROMPT_NAME_INVALID', `prompt name ${JSON.stringify(name)} must match ${NAME_RE.source}`);
  }
  return join(dir, `${name}.wav`);
}

/** Makes sure every configured prompt has a WAV; never throws for a single prompt, reports it in `failed`. */
export async function ensurePrompts(opts: EnsurePromptsOptions): Promise<EnsurePromptsResult> {
  const result: EnsurePromptsResult = { generated: [], kept: [], failed: [] };
  const tools = { espeak: opts.espeak ?? 'espeak-ng', sox: opts.sox ?? 'sox' };
  const log = opts.logger;

  for (const [name, text] of Object.entries(opts.texts)) {
    try {
      const wav = promptPath(opts.dir, name);
      const sidecar = join(opts.dir, `${name}.txt`);
      const decision = await decide(wav, sidecar, opts.voice, text);
      if (decision !== 'generate') {
        log?.debug({ prompt: name, file: wav, reason: decision }, 'prompt kept');
        result.kept.push(name);
        continue;
      }
      await generate(wav, sidecar, opts.voice, text, tools);
      log?.info({ prompt: name, file: wav }, 'prompt generated');
      result.generated.push(name);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log?.warn({ prompt: name, err: error }, 'prompt not available');
      result.failed.push({ name, error });
    }
  }
  return result;
}

type Decision = 'generate' | 'recording' | 'replaced-by-recording' | 'up-to-date';

async function decide(wav: string, sidecar: string, voice: string, text: string): Promise<Decision> {
  if (!(await exists(wav))) return 'generate';
  const meta = parseSidecar(await readFile(sidecar, 'utf8').catch(() => undefined));
  if (meta === undefined) return 'recording';
  if (meta.sha256 !== sha256(await readFile(wav))) return 'replaced-by-recording';
  return meta.voice === voice && meta.text === text ? 'up-to-date' : 'generate';
}

interface SidecarMeta {
  voice: string;
  sha256: string;
  text: string;
}

/** Human-readable: `voice: …`, `sha256: …`, `text: …` (text last, may span lines). */
function formatSidecar(meta: SidecarMeta): string {
  return `voice: ${meta.voice}\nsha256: ${meta.sha256}\ntext: ${meta.text}\n`;
}

function parseSidecar(content: string | undefined): SidecarMeta | undefined {
  const m = content === undefined ? null : /^voice: (.*)\nsha256: ([0-9a-f]{64})\ntext: ([\s\S]*)\n$/.exec(content);
  if (!m) return undefined;
  return { voice: m[1] ?? '', sha256: m[2] ?? '', text: m[3] ?? '' };
}

async function generate(
  wav: string,
  sidecar: string,
  voice: string,
  text: string,
  tools: { espeak: string; sox: string },
): Promise<void> {
  const dir = dirname(wav);
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'hotline-prompt-'));
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const wavTmp = join(dir, `.${basename(wav)}.${tag}`);
  const sidecarTmp = join(dir, `.${basename(sidecar)}.${tag}`);
  try {
    const spoken = join(work, 'espeak.wav');
    // `--` ends the options, so a text starting with "-" is spoken, not parsed.
    await run(tools.espeak, 'espeak-ng', ['-v', voice, '-w', spoken, '--', text]);
    await run(tools.sox, 'sox', [spoken, '-t', 'wav', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', wavTmp]);
    const hash = sha256(await readFile(wavTmp));
    await writeFile(sidecarTmp, formatSidecar({ voice, sha256: hash, text }));
    // Order the renames so an interruption between them errs towards regenerating next time:
    // a fresh prompt gets its sidecar first (sidecar without WAV → generated again);
    // a replaced prompt gets its WAV first (new WAV, old sidecar → hash mismatch → left alone, never lost).
    if (await exists(wav)) {
      await rename(wavTmp, wav);
      await rename(sidecarTmp, sidecar);
    } else {
      await rename(sidecarTmp, sidecar);
      await rename(wavTmp, wav);
    }
  } finally {
    await Promise.all([
      rm(work, { recursive: true, force: true }),
      rm(wavTmp, { force: true }),
      rm(sidecarTmp, { force: true }),
    ]);
  }
}

export type ToneSpec = 'ringback' | 'beep';

const TONE_EFFECTS: Record<ToneSpec, string[]> = {
  // US ringback: 440 Hz + 480 Hz together, 2 s on, 4 s off (play it looped).
  ringback: ['synth', '2', 'sine', '440', 'sine', '480', 'channels', '1', 'gain', '-10', 'pad', '0', '4'],
  // Short 1 kHz beep (e.g. before voicemail or recording).
  beep: ['synth', '0.25', 'sine', '1000', 'gain', '-8', 'fade', '0.005', '0.25', '0.005'],
};

/** Creates `file` (8 kHz mono 16-bit PCM WAV) for the tone if it does not exist. Throws PromptError. */
export async function ensureTone(file: string, spec: ToneSpec, opts: { sox?: string } = {}): Promise<void> {
  if (await exists(file)) return;
  const effects = TONE_EFFECTS[spec];
  if (!effects) throw new Error(`unknown tone ${JSON.stringify(spec)}`);
  await mkdir(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    const format = ['-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'wav'];
    await run(opts.sox ?? 'sox', 'sox', ['-n', ...format, tmp, ...effects]);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Runs a tool without a shell; ENOENT becomes PROMPT_TOOL_MISSING, a failure PROMPT_TOOL_FAILED with its stderr. */
function run(command: string, pkg: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 60_000, maxBuffer: 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(
          new PromptError('PROMPT_TOOL_MISSING', `${command} not found; install the Debian package "${pkg}" (make setup does)`),
        );
      }
      const detail = stderr.trim().split('\n').slice(-3).join(' / ') || err.message;
      reject(new PromptError('PROMPT_TOOL_FAILED', `${basename(command)} failed: ${detail}`));
    });
  });
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * A text spoken once and kept: `<dir>/tts-<hash of voice and text>.wav`, made
 * with espeak-ng the first time and found again after. Throws a PromptError
 * when it cannot be rendered.
 */
export async function renderText(dir: string, voice: string, text: string, opts: { logger?: Logger } = {}): Promise<string> {
  const name = ttsName(voice, text);
  const r = await ensurePrompts({ dir, voice, texts: { [name]: text }, ...(opts.logger === undefined ? {} : { logger: opts.logger }) });
  const failed = r.failed[0];
  if (failed !== undefined) throw new PromptError('PROMPT_TOOL_FAILED', `text could not be rendered (voice ${voice}): ${failed.error}`);
  return join(dir, `${name}.wav`);
}

/** The cache name of a spoken text. */
export function ttsName(voice: string, text: string): string {
  return `tts-${createHash('sha256').update(`${voice}\n${text}`).digest('hex').slice(0, 24)}`;
}
