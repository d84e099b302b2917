/**
 * Prompts in a flow: what an operator writes, and what a node plays.
 *
 *   prompt: welcome                          a WAV in the prompts dir (or a path relative to the flow file)
 *   prompt: { file: { en: hi-en, es: hi-es } }   one file per language
 *   prompt: { tts: "Thank you for calling" }     text rendered through espeak-ng at load, cached
 *   prompt: { tts: { en: "Hello", es: "Hola" } }
 *   prompt: { say: "${balance}", as: number }    a value said from pre-rendered number tokens
 *   prompt: [ …any of these, in order ]
 *
 * At load every text is rendered and every file is checked (a missing one is
 * a load error); at run time the caller's language picks the variant, falling
 * back to the flow's default language.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { sayTokens, SayError, type SayAs } from './say.js';
import { Template } from './template.js';
import type { IvrVariables } from './types.js';

const strict = { additionalProperties: false } as const;
export const LANGUAGE = '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$';
const Text = Type.String({ minLength: 1, maxLength: 2000 });
const Localized = Type.Union([Text, Type.Record(Type.String({ pattern: LANGUAGE }), Text, { minProperties: 1 })]);

export const FileItemSchema = Type.Object({ file: Localized }, strict);
export const TtsItemSchema = Type.Object({ tts: Localized, voice: Type.Optional(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9+_-]+$' })) }, strict);
export const SayItemSchema = Type.Object(
  {
    say: Type.String({ minLength: 1, maxLength: 200 }),
    as: Type.Union([Type.Literal('number'), Type.Literal('digits'), Type.Literal('position'), Type.Literal('minutes')]),
  },
  strict,
);
export const PromptItemSchema = Type.Union([Text, FileItemSchema, TtsItemSchema, SayItemSchema]);
/**
 * For the published JSON schema; validation goes item by item for clearer errors
 * (the compiler skips a node schema's error on a field marked PROMPT_FIELD and lets compilePrompt report it).
 */
export const PROMPT_FIELD = 'x-hotline-prompt';
export const PromptSchema = Type.Union([PromptItemSchema, Type.Array(PromptItemSchema, { minItems: 1, maxItems: 50 })], { [PROMPT_FIELD]: true });
const MAX_ITEMS = 50;

/** One audio variant: filled in by the loader (rendered or checked) before the flow is served. */
export interface AudioVariant {
  /** What the simulator shows: the file name or the quoted text. */
  label: string;
  file?: string;
}

/** Something the loader must do before the flow can be served. */
export type PromptJob =
  | { kind: 'tts'; path: string; text: string; voice: string; variant: AudioVariant }
  | { kind: 'file'; path: string; name: string; variant: AudioVariant };

type Part = { kind: 'audio'; variants: ReadonlyMap<string, AudioVariant> } | { kind: 'say'; value: Template; as: SayAs };

export interface ResolvedPrompt {
  files: string[];
  labels: string[];
  /** Parts that could not be said (a value that is not a number): skipped, not fatal. */
  skipped: string[];
}

export class CompiledPrompt {
  constructor(
    private readonly parts: readonly Part[],
    private readonly defaultLanguage: string,
    private readonly sayFile: (language: string, token: string) => string,
  ) {}

  static readonly EMPTY = new CompiledPrompt([], 'en', () => '');

  static concat(prompts: readonly (CompiledPrompt | undefined)[]): CompiledPrompt {
    const present = prompts.filter((p): p is CompiledPrompt => p !== undefined);
    const first = present[0];
    if (first === undefined) return CompiledPrompt.EMPTY;
    return new CompiledPrompt(present.flatMap((p) => p.parts), first.defaultLanguage, first.sayFile);
  }

  get empty(): boolean {
    return this.parts.length === 0;
  }

  /** Files and labels in the caller's language. */
  resolve(language: string, vars: Pick<IvrVariables, 'get'>): ResolvedPrompt {
    const out: ResolvedPrompt = { files: [], labels: [], skipped: [] };
    for (const part of this.parts) {
      if (part.kind === 'audio') {
        const v = part.variants.get(language) ?? part.variants.get(this.defaultLanguage);
        if (v === undefined) continue;
        // a served flow has every file; one loaded without rendering (the simulator) has only labels
        if (v.file !== undefined) out.files.push(v.file);
        out.labels.push(v.label);
        continue;
      }
      const value = part.value.render(vars);
      try {
        const lang = language;
        const tokens = sayTokens(value, part.as, lang);
        out.files.push(...tokens.map((t) => this.sayFile(lang, t)));
        out.labels.push(`say ${part.as} ${JSON.stringify(value)}`);
      } catch (err) {
        if (!(err instanceof SayError)) throw err;
        out.skipped.push(`${part.as} ${JSON.stringify(value)}: ${err.code}`);
      }
    }
    return out;
  }
}

export interface PromptScope {
  languages: readonly string[];
  defaultLanguage: string;
  voiceFor(language: string): string;
  issue(path: string, message: string): void;
  job(job: PromptJob): void;
  sayFile: (language: string, token: string) => string;
  /** A say part needs number tokens in every language of the flow. */
  usesSay(): void;
}

/** Compiles a prompt field; problems go to scope.issue with their path. */
export function compilePrompt(raw: unknown, path: string, scope: PromptScope): CompiledPrompt {
  const items = Array.isArray(raw) ? raw : [raw];
  if (items.length === 0) scope.issue(path, 'a prompt list needs at least one item');
  if (items.length > MAX_ITEMS) scope.issue(path, `a prompt list has at most ${MAX_ITEMS} items`);
  const parts: Part[] = [];
  items.forEach((item, i) => {
    const p = Array.isArray(raw) ? `${path}/${i}` : path;
    const part = compileItem(item, p, scope);
    if (part !== undefined) parts.push(part);
  });
  return new CompiledPrompt(parts, scope.defaultLanguage, scope.sayFile);
}

function compileItem(item: unknown, path: string, scope: PromptScope): Part | undefined {
  if (typeof item === 'string') {
    const bad = Value.Errors(Text, item).First();
    if (bad !== undefined) {
      scope.issue(path, bad.message);
      return undefined;
    }
    // a bare file name: the problem is at the item itself (there is no "file" key in the document)
    return audio({ file: item }, 'file', path, scope, true);
  }
  if (typeof item !== 'object' || item === null) {
    scope.issue(path, 'a prompt item is a file name, or an object with "file", "tts" or "say"');
    return undefined;
  }
  const kind = 'file' in item ? 'file' : 'tts' in item ? 'tts' : 'say' in item ? 'say' : undefined;
  if (kind === undefined) {
    scope.issue(path, 'a prompt item needs one of "file", "tts" or "say"');
    return undefined;
  }
  const schema: TSchema = kind === 'file' ? FileItemSchema : kind === 'tts' ? TtsItemSchema : SayItemSchema;
  const first = Value.Errors(schema, item).First();
  if (first !== undefined) {
    scope.issue(`${path}${first.path}`, first.message);
    return undefined;
  }
  if (kind === 'say') {
    const def = item as Static<typeof SayItemSchema>;
    const t = Template.parse(def.say);
    if (!(t instanceof Template)) {
      scope.issue(`${path}/say`, t.error);
      return undefined;
    }
    scope.usesSay();
    return { kind: 'say', value: t, as: def.as };
  }
  return audio(item as { file: Localized } | { tts: Localized; voice?: string }, kind, path, scope);
}

type Localized = Static<typeof Localized>;

function audio(item: { file: Localized } | { tts: Localized; voice?: string }, kind: 'file' | 'tts', path: string, scope: PromptScope, bare = false): Part {
  const value = 'file' in item ? item.file : item.tts;
  const byLanguage: [string, string][] = typeof value === 'string' ? [[scope.defaultLanguage, value]] : Object.entries(value);
  const variants = new Map<string, AudioVariant>();
  for (const [language, text] of byLanguage) {
    const p = bare ? path : typeof value === 'string' ? `${path}/${kind}` : `${path}/${kind}/${language}`;
    if (!scope.languages.includes(language)) {
      scope.issue(p, `language "${language}" is not one of the flow's languages (${scope.languages.join(', ')})`);
      continue;
    }
    const variant: AudioVariant = { label: kind === 'tts' ? JSON.stringify(text) : text };
    variants.set(language, variant);
    if (kind === 'tts') {
      const voice = ('voice' in item ? item.voice : undefined) ?? scope.voiceFor(language);
      scope.job({ kind: 'tts', path: p, text, voice, variant });
    } else scope.job({ kind: 'file', path: p, name: text, variant });
  }
  if (typeof value !== 'string' && !variants.has(scope.defaultLanguage) && variants.size > 0) {
    scope.issue(`${path}/${kind}`, `no variant for the default language "${scope.defaultLanguage}" (callers in other languages would hear nothing)`);
  }
  return { kind: 'audio', variants };
}
