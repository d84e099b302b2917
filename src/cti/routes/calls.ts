/**
 * Calls: click-to-dial, answer, hangup, hold/retrieve, transfers,
 * conference, DTMF, variables, recording pause/resume, supervision.
 *
 * Every call route looks the call up on this instance first (404
 * CTI_CALL_NOT_FOUND), then checks the token may touch it (403
 * CTI_FORBIDDEN): `calls:control` any call, an agent its own calls, a
 * supervisor its teams' agents' calls; `events:read` may only read. What
 * each operation does to the call model, and its coded refusals, is in
 * ../call-control.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ApiError } from '../../http/errors.js';
import type { Call } from '../../calls/call.js';
import type { Principal } from '../auth/principal.js';
import { principalOf } from '../auth/hooks.js';
import { CallControl, MAX_VARIABLES } from '../call-control.js';
import type { CtiContext } from '../context.js';

const CallParams = Type.Object({ callId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });
type Params = Static<typeof CallParams>;

/** An agent id or a number the trunk takes. */
const Target = Type.String({ pattern: '^[A-Za-z0-9_.+*#-]{1,64}$', description: 'An agent id, or a number the trunk takes' });
const AgentId = Type.String({ pattern: '^[A-Za-z0-9_.+*#-]{1,64}$' });

const VARIABLE_NAME = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';
const VariableValue = Type.String({ maxLength: 1024 });
// propertyNames, not patternProperties + additionalProperties: fastify's ajv removes additional properties silently instead of refusing them
const variableMap = <T extends TSchema>(value: T, description: string) =>
  Type.Record(Type.String(), value, { propertyNames: { pattern: VARIABLE_NAME }, maxProperties: MAX_VARIABLES, description });
const Variables = variableMap(VariableValue, `Names ${VARIABLE_NAME}, values up to 1024 characters, at most ${MAX_VARIABLES}`);
// one JSON type list rather than anyOf: with type coercion on, anyOf's string branch would turn null into ""
const NullableValue = Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength: 1024 });
const VariablesPatch = variableMap(NullableValue, 'Merged into the call\'s variables; a null value deletes that variable');

const LegView = Type.Object({
  id: Type.String(),
  role: Type.Union([Type.Literal('caller'), Type.Literal('agent'), Type.Literal('consult'), Type.Literal('supervisor')]),
  party: Type.Optional(Type.String({ description: 'Agent id or number; the caller\'s number only with calls:control, events:read or supervisor' })),
  state: Type.String(),
});

export const CallView = Type.Object(
  {
    id: Type.String(),
    state: Type.String({ description: 'ivr, offering, connected, held, consulting, conference, ended' }),
    caller: Type.Optional(Type.String({ description: 'The caller\'s (far party\'s) number: calls:control, events:read and supervisor tokens only' })),
    agentId: Type.Optional(Type.String()),
    queue: Type.Optional(Type.String()),
    startedAt: Type.String({ format: 'date-time' }),
    connectedAt: Type.Optional(Type.String({ format: 'date-time' })),
    variables: Type.Record(Type.String(), Type.String()),
    legs: Type.Array(LegView),
  },
  { $id: 'Call' },
);

const err = { $ref: 'ErrorBody#' };
/** The errors every call route can answer with. */
const base = { 400: err, 401: err, 403: err, 404: err };
const VariablesReply = Type.Object({ variables: Type.Record(Type.String(), Type.String()) });

export function callRoutes(ctx: CtiContext) {
  const control = new CallControl(ctx);

  return (app: FastifyInstance): void => {
    app.get('/v1/calls', { schema: { tags: ['calls'], summary: 'Active calls on this instance the token may see', response: { 200: Type.Object({ calls: Type.Array(CallView) }), 401: err } } }, (request) => {
      const p = principalOf(request);
      return { calls: control.list(p).map((c) => control.view(p, c)) };
    });

    app.get<{ Params: Params }>('/v1/calls/:callId', { schema: { tags: ['calls'], summary: 'One call', params: CallParams, response: { 200: CallView, ...base } } }, (request) => {
      const p = principalOf(request);
      return control.view(p, control.readable(p, request.params.callId));
    });

    app.post<{ Body: { to: string; agentId?: string } }>(
      '/v1/calls',
      {
        schema: {
          tags: ['calls'],
          summary:
            "Click-to-dial: ring the agent's own phone, then `to`, and bridge them. The agent (default: the token's; an integrator names it) must be logged in, available or paused (then busy until the call ends, wrap-up after): otherwise 409. Answers 202 {callId} once both answered and the call exists; a leg not reached is 422 and nothing is left open",
          body: Type.Object({ to: Target, agentId: Type.Optional(AgentId) }, { additionalProperties: false }),
          response: { 202: Type.Object({ callId: Type.String() }), 400: err, 401: err, 403: err, 404: err, 409: err, 422: err, 503: err },
        },
      },
      async (request, reply) => {
        const call = await control.clickToDial(principalOf(request), request.body.to, request.body.agentId);
        return reply.code(202).send({ callId: call.id });
      },
    );

    /** A call operation: the call found and checked (404, then 403), `run`, then the call as it is now. */
    const action = <B = undefined>(
      path: string,
      summary: string,
      run: (call: Call, p: Principal, body: B) => void | Promise<void>,
      opts: { body?: TSchema; status?: 200 | 202; errors?: readonly number[] } = {},
    ): void => {
      const status = opts.status ?? 200;
      const errors = Object.fromEntries((opts.errors ?? [409]).map((code) => [code, err]));
      app.post<{ Params: Params; Body: B }>(
        `/v1/calls/:callId/${path}`,
        { schema: { tags: ['calls'], summary, params: CallParams, ...(opts.body === undefined ? {} : { body: opts.body }), response: { [status]: CallView, ...base, ...errors } } },
        async (request, reply) => {
          const p = principalOf(request);
          const call = control.controllable(p, request.params.callId);
          await run(call, p, request.body as B);
          return reply.code(status).send(control.view(p, call));
        },
      );
    };

    app.post<{ Params: Params }>(
      '/v1/calls/:callId/answer',
      {
        schema: {
          tags: ['calls'],
          summary: 'Not supported (501): the server cannot take a SIP phone off-hook; answer on the phone, or in the softphone page (it answers in the browser)',
          params: CallParams,
          response: { 501: err, ...base },
        },
      },
      (request) => {
        control.existing(request.params.callId);
        throw new ApiError('CTI_NOT_SUPPORTED', 'A SIP phone cannot be taken off-hook by the server: answer on the phone itself, or in the softphone page, which answers in the browser');
      },
    );

    action('hangup', "End the call (cause agent-hangup when its agent asks, server-hangup otherwise); the consulted party only leaves the consultation", (call, p) => control.hangup(p, call), { errors: [] });
    action('hold', 'Hold: the caller hears music on hold', (call) => control.hold(call));
    action('retrieve', 'Retrieve a held call: caller and agent talk again', (call) => control.retrieve(call));
    action<{ to: string }>(
      'transfer',
      'Blind transfer: the agent is released at once (202), the caller hears ringback until `to` answers; if nobody does, the caller hears the no-agent prompt and the call ends (see the events)',
      (call, _p, body) => control.blindTransfer(call, body.to),
      { body: Type.Object({ to: Target }, { additionalProperties: false }), status: 202, errors: [409, 422] },
    );
    action<{ to: string }>(
      'consult',
      'Attended transfer, step 1: the caller is held and `to` rung for the agent; answers once `to` answered (consulting) or was not reached (422, the agent has the caller back)',
      (call, _p, body) => control.consult(call, body.to),
      { body: Type.Object({ to: Target }, { additionalProperties: false }), errors: [409, 422] },
    );
    action('consult/complete', 'Attended transfer, step 2: caller and consulted party talk; the agent leaves', (call) => control.completeConsult(call));
    action('consult/cancel', 'Abandon the consultation: the consulted party is hung up, caller and agent talk again', (call) => control.cancelConsult(call));
    action('conference', 'Three-way: caller, agent and consulted party all hear each other', (call) => control.conference(call));
    action<{ digits: string }>('dtmf', 'Send digits (RFC 4733) to the caller, e.g. to an IVR at the far end', (call, _p, body) => control.dtmf(call, body.digits), {
      body: Type.Object({ digits: Type.String({ pattern: '^[0-9*#A-D]{1,32}$' }) }, { additionalProperties: false }),
    });
    action('recording/pause', 'Pause the recording (PCI: the caller reads out a card number); the paused time is left out of the file', (call) => control.recording(call, true));
    action('recording/resume', 'Resume the recording', (call) => control.recording(call, false));
    action<{ mode: 'listen' | 'whisper' | 'barge'; supervisorId?: string }>(
      'supervise',
      "Supervisor (or admin): the supervisor's phone (default: the token's agent) is rung and joins: listen (hears both, is not heard) or barge (heard by both). Whisper is 501: projectrtp has no per-listener mixes",
      (call, p, body) => control.supervise(p, call, body.mode, body.supervisorId),
      {
        body: Type.Object({ mode: Type.Union([Type.Literal('listen'), Type.Literal('whisper'), Type.Literal('barge')]), supervisorId: Type.Optional(AgentId) }, { additionalProperties: false }),
        errors: [409, 422, 501],
      },
    );

    app.get<{ Params: Params }>(
      '/v1/calls/:callId/variables',
      { schema: { tags: ['calls'], summary: "The call's variables (IVR input, CRM data)", params: CallParams, response: { 200: VariablesReply, ...base } } },
      (request) => {
        const call = control.readable(principalOf(request), request.params.callId);
        return { variables: Object.fromEntries(call.variables) };
      },
    );
    const writeVariables = (method: 'PUT' | 'PATCH', summary: string, apply: (call: Call, vars: Record<string, string | null>) => void, schema: TSchema): void => {
      app.route<{ Params: Params; Body: { variables: Record<string, string | null> } }>({
        method,
        url: '/v1/calls/:callId/variables',
        schema: { tags: ['calls'], summary, params: CallParams, body: Type.Object({ variables: schema }, { additionalProperties: false }), response: { 200: VariablesReply, ...base } },
        handler: (request: FastifyRequest<{ Params: Params; Body: { variables: Record<string, string | null> } }>) => {
          const call = control.controllable(principalOf(request), request.params.callId);
          apply(call, request.body.variables);
          return { variables: Object.fromEntries(call.variables) };
        },
      });
    };
    writeVariables('PUT', 'Replace all of the call\'s variables', (call, vars) => control.replaceVariables(call, vars as Record<string, string>), Variables);
    writeVariables('PATCH', 'Merge into the call\'s variables; null deletes one', (call, vars) => control.patchVariables(call, vars), VariablesPatch);
  };
}
