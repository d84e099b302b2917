/**
 * Document → compiled flow, listing every problem with its path: the header
 * against its schema, each node against its own type's schema, then each
 * node's own rules (regexes, variable names, queues, prompts), then the graph.
 * Prompt rendering and file checks are left as jobs for the loader.
 */
import { Value } from '@sinclair/typebox/value';
import { FlowHeaderSchema, type CompiledFlow, type FlowDocument } from './flow.js';
import { checkGraph } from './graph.js';
import { NODE_TYPES } from './nodes/index.js';
import type { CompileScope, IvrNode } from './nodes/node.js';
import { compilePrompt, PROMPT_FIELD, type PromptJob } from './prompt.js';
import { Template } from './template.js';
import { checkSchedule } from './schedule.js';

export interface FlowIssue {
  path: string;
  message: string;
}

export interface CompileOptions {
  file: string;
  sha256: string;
  /** The espeak-ng voice when the flow names no languages. */
  defaultVoice: string;
  queueExists: (id: string) => boolean | undefined;
  sayFile: (language: string, token: string) => string;
  now?: () => Date;
}

export interface CompileResult {
  flow?: CompiledFlow;
  jobs: PromptJob[];
  /** Languages (and their voices) whose number tokens must be rendered: the flow says values. */
  sayLanguages: { language: string; voice: string }[];
  issues: FlowIssue[];
}

const DEFAULT_VOICES: Record<string, string> = { en: 'en-us', es: 'es', fr: 'fr-fr', de: 'de' };

export function compileFlow(doc: unknown, opts: CompileOptions): CompileResult {
  const issues: FlowIssue[] = [];
  const jobs: PromptJob[] = [];
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { jobs, sayLanguages: [], issues: [{ path: '/', message: 'a flow is a mapping with id, version, start and nodes' }] };
  }
  const header = Value.Default(FlowHeaderSchema, structuredClone(doc)) as FlowDocument;
  for (const e of Value.Errors(FlowHeaderSchema, header)) if (!e.path.startsWith('/nodes/') || e.path.split('/').length <= 3) issues.push({ path: e.path || '/', message: e.message });
  if (issues.length > 0 || !Value.Check(FlowHeaderSchema, header)) return { jobs, sayLanguages: [], issues: dedupe(issues) };

  const languages = languagesOf(header, opts.defaultVoice);
  let says = false;
  const scope: CompileScope = {
    languages: languages.list,
    defaultLanguage: languages.default,
    voiceFor: (l) => languages.voices[l] ?? DEFAULT_VOICES[l] ?? l,
    issue: (path, message) => issues.push({ path, message }),
    job: (j) => jobs.push(j),
    sayFile: opts.sayFile,
    usesSay: () => (says = true),
    prompt: (raw, path) => compilePrompt(raw, path, scope),
    template: (raw, path) => {
      const t = Template.parse(raw);
      if (t instanceof Template) return t;
      issues.push({ path, message: t.error });
      return Template.parse('') as Template;
    },
    queueExists: opts.queueExists,
    schedule: (name) => header.schedules?.[name],
  };
  for (const [name, s] of Object.entries(header.schedules ?? {})) for (const i of checkSchedule(s)) issues.push({ path: `/schedules/${name}${i.path}`, message: i.message });

  const nodes = new Map<string, IvrNode>();
  for (const [id, raw] of Object.entries(header.nodes)) {
    const path = `/nodes/${id}`;
    const type = NODE_TYPES.get(raw.type);
    if (type === undefined) {
      issues.push({ path: `${path}/type`, message: `unknown node type "${raw.type}" (known: ${[...NODE_TYPES.keys()].join(', ')})` });
      continue;
    }
    const def = Value.Default(type.schema, structuredClone(raw));
    const errors = [...Value.Errors(type.schema, def)];
    // a prompt field's union error says only "Expected union value": when it is the node's only
    // problem, the node is built and compilePrompt reports each item with its own path and message
    if (errors.some((e) => (e.schema as Record<string, unknown>)[PROMPT_FIELD] !== true)) {
      for (const e of errors) issues.push({ path: `${path}${e.path}`, message: e.message });
      continue;
    }
    nodes.set(id, type.create(id, def as never, scope, path));
  }
  const roots = [{ path: '/start', id: header.start }, ...(header.onError === undefined ? [] : [{ path: '/onError', id: header.onError }])];
  // graph checks only make sense once every node compiled
  if (nodes.size === Object.keys(header.nodes).length) issues.push(...checkGraph(nodes, roots));
  const result: CompileResult = { jobs, sayLanguages: says ? languages.list.map((l) => ({ language: l, voice: scope.voiceFor(l) })) : [], issues: dedupe(issues) };
  if (result.issues.length > 0) return result;
  result.flow = {
    id: header.id,
    version: header.version,
    description: header.description,
    file: opts.file,
    sha256: opts.sha256,
    loadedAt: opts.now?.() ?? new Date(),
    start: header.start,
    onError: header.onError,
    languages: { default: languages.default, variable: languages.variable, list: languages.list },
    variables: { ...(header.variables ?? {}) },
    nodes,
  };
  return result;
}

function languagesOf(header: FlowDocument, defaultVoice: string): { default: string; variable: string; list: string[]; voices: Record<string, string> } {
  const l = header.languages;
  if (l === undefined) return { default: 'en', variable: 'language', list: ['en'], voices: { en: defaultVoice } };
  const list = Object.keys(l.voices);
  return { default: l.default, variable: l.variable, list: list.includes(l.default) ? list : [l.default, ...list], voices: l.voices };
}

/** TypeBox reports a union failure once per branch; keep the first message per path. */
function dedupe(issues: FlowIssue[]): FlowIssue[] {
  const seen = new Map<string, FlowIssue>();
  for (const i of issues) if (!seen.has(i.path)) seen.set(i.path, i);
  return [...seen.values()];
}
