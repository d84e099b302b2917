import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { LineCounter, parseDocument } from 'yaml';
import { applyEnvOverrides, nonEmpty, type Env } from './env.js';
import { checkConfigRules, ConfigSchema, type Config, type ConfigIssue } from './schema.js';

export type { Env } from './env.js';
export type { Config, ConfigIssue } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'config/example.yaml';

export type ConfigErrorCode = 'CONFIG_NOT_FOUND' | 'CONFIG_PARSE' | 'CONFIG_INVALID';

const HEADLINES: Record<ConfigErrorCode, string> = {
  CONFIG_NOT_FOUND: 'Config file not found:',
  CONFIG_PARSE: 'Config file has a syntax error:',
  CONFIG_INVALID: 'Config is invalid:',
};

/** Why a config could not be loaded. `errors` lists every problem; the message repeats them one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly code: ConfigErrorCode,
    readonly file: string,
    readonly errors: ConfigIssue[],
    /** 1-based line of a syntax error (CONFIG_PARSE), when known. */
    readonly line?: number,
  ) {
    super(`${HEADLINES[code]} ${file}\n${errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
  }
}

export interface LoadConfigOptions {
  /** Config file; defaults to env CONFIG, then `config/example.yaml`. */
  file?: string;
  /** Environment to read overrides from; defaults to process.env. */
  env?: Env;
  /** Directory relative paths are resolved against; defaults to process.cwd(). */
  cwd?: string;
}

export function resolveConfigPath(options: LoadConfigOptions = {}): string {
  const env = options.env ?? process.env;
  return resolve(options.cwd ?? process.cwd(), options.file ?? nonEmpty(env.CONFIG) ?? DEFAULT_CONFIG_FILE);
}

/** Reads, parses and validates the config file, then applies env overrides. Throws ConfigError. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const file = resolveConfigPath(options);
  const raw = parseConfigText(readConfigFile(file), file);
  const envIssues = applyEnvOverrides(raw, options.env ?? process.env);

  const value: unknown = Value.Default(ConfigSchema, raw);
  const issues = [...envIssues, ...schemaIssues(value)];
  if (issues.length === 0 && Value.Check(ConfigSchema, value)) {
    issues.push(...checkConfigRules(value));
    if (issues.length === 0) return value;
  }
  throw new ConfigError('CONFIG_INVALID', file, issues);
}

function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const reason = err instanceof Error && 'code' in err && err.code === 'ENOENT' ? 'no such file' : String(err);
    throw new ConfigError('CONFIG_NOT_FOUND', file, [{ path: file, message: reason }]);
  }
}

/** JSON for `.json` files, YAML (a JSON superset) for anything else. Empty documents become `{}`. */
function parseConfigText(text: string, file: string): Record<string, unknown> {
  const parsed = extname(file).toLowerCase() === '.json' ? parseJson(text, file) : parseYaml(text, file);
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('CONFIG_INVALID', file, [{ path: '/', message: 'Expected a mapping at the top level' }]);
  }
  return parsed as Record<string, unknown>;
}

function parseYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const first = doc.errors[0];
  if (first === undefined) return doc.toJS() as unknown;
  const { line, col } = lineCounter.linePos(first.pos[0]);
  throw new ConfigError('CONFIG_PARSE', file, [{ path: `line ${line}, column ${col}`, message: first.message }], line);
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
    const line = jsonErrorLine(text, message);
    const path = line === undefined ? file : `line ${line}`;
    throw new ConfigError('CONFIG_PARSE', file, [{ path, message }], line);
  }
}

/** Newer V8 says "(line N column M)", older "at position N"; Node 20 often says neither. */
function jsonErrorLine(text: string, message: string): number | undefined {
  const byLine = /line (\d+)/.exec(message);
  if (byLine?.[1] !== undefined) return Number(byLine[1]);
  const byPosition = /position (\d+)/.exec(message);
  if (byPosition?.[1] === undefined) return undefined;
  return text.slice(0, Number(byPosition[1])).split('\n').length;
}

function schemaIssues(value: unknown): ConfigIssue[] {
  const byPath = new Map<string, string>();
  for (const error of Value.Errors(ConfigSchema, value)) {
    const path = error.path === '' ? '/' : error.path;
    if (!byPath.has(path)) byPath.set(path, describe(error));
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}

function describe(error: ValueError): string {
  const choices: unknown = error.schema.anyOf;
  if (Array.isArray(choices)) {
    const literals = choices
      .map((choice: { const?: unknown }) => choice.const)
      .filter((c): c is string => typeof c === 'string');
    if (literals.length === choices.length) return `Expected one of: ${literals.join(', ')}`;
  }
  if (error.schema.pattern !== undefined && typeof error.value === 'string') {
    return `${error.message} (got ${JSON.stringify(error.value)})`;
  }
  return error.message;
}
