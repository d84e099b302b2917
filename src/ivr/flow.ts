/**
 * A flow document, and what it becomes once checked: a frozen graph of node
 * objects. A call holds the compiled flow it started on, so a reload never
 * changes a call in progress.
 *
 *   id: hotline          version: 3          start: language
 *   languages: { default: en, variable: language, voices: { en: en-us, es: es } }
 *   schedules: { office: { timezone: Europe/Madrid, hours: { mon: ["08:00-18:00"] } } }
 *   nodes:
 *     language: { type: menu, prompt: …, choices: { "1": main-en, "2": main-es } }
 */
import { Type, type Static } from '@sinclair/typebox';
import { LANGUAGE } from './prompt.js';
import { VARIABLE_NAME } from './template.js';
import { NodeId } from './nodes/node.js';
import { ScheduleSchema } from './nodes/schedule.js';
import type { IvrNode } from './nodes/node.js';

const strict = { additionalProperties: false } as const;
export const FLOW_ID = '^[A-Za-z0-9_-]{1,64}$';

export const FlowHeaderSchema = Type.Object(
  {
    id: Type.String({ pattern: FLOW_ID }),
    /** The operator's version number; raise it with each change (shown in logs, the API and on calls). */
    version: Type.Integer({ minimum: 1 }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    start: NodeId,
    /** Where a run-time failure without its own branch goes (default: an apology, then hang up). */
    onError: Type.Optional(NodeId),
    languages: Type.Optional(
      Type.Object(
        {
          default: Type.String({ pattern: LANGUAGE }),
          variable: Type.String({ pattern: VARIABLE_NAME, default: 'language' }),
          /** Language → espeak-ng voice; the keys are the flow's languages. */
          voices: Type.Record(Type.String({ pattern: LANGUAGE }), Type.String({ pattern: '^[A-Za-z0-9+_-]+$' }), { minProperties: 1 }),
        },
        strict,
      ),
    ),
    schedules: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]+$' }), ScheduleSchema)),
    /** Variables every call of this flow starts with. */
    variables: Type.Optional(Type.Record(Type.String({ pattern: VARIABLE_NAME }), Type.String({ maxLength: 1024 }))),
    nodes: Type.Record(NodeId, Type.Object({ type: Type.String() }), { minProperties: 1 }),
  },
  strict,
);
export type FlowDocument = Static<typeof FlowHeaderSchema>;

export interface CompiledFlow {
  readonly id: string;
  readonly version: number;
  readonly description: string | undefined;
  /** The file it came from, and a hash of its text (which exact edit is running). */
  readonly file: string;
  readonly sha256: string;
  readonly loadedAt: Date;
  readonly start: string;
  readonly onError: string | undefined;
  readonly languages: { readonly default: string; readonly variable: string; readonly list: readonly string[] };
  readonly variables: Readonly<Record<string, string>>;
  readonly nodes: ReadonlyMap<string, IvrNode>;
}
