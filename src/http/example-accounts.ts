/**
 * The example call center's account system, for the IVR's data dip: the
 * flow POSTs the caller's account number and gets the owner, balance and
 * tier back for the screen pop. Off unless `http.exampleAccounts` is set.
 *
 *   POST /example/accounts/lookup  { "variables": { "account": "123456" } }
 *   → { "found": true, "account": { "owner": "Ada Lovelace", "dollars": 42, "cents": 50, "tier": "gold" } }
 */
import type { FastifyInstance } from 'fastify';

const ACCOUNTS: Readonly<Record<string, { owner: string; dollars: number; cents: number; tier: string }>> = {
  '123456': { owner: 'Ada Lovelace', dollars: 42, cents: 50, tier: 'gold' },
  '234567': { owner: 'Alan Turing', dollars: 1250, cents: 0, tier: 'standard' },
  '345678': { owner: 'Grace Hopper', dollars: 0, cents: 5, tier: 'standard' },
};

interface LookupBody {
  variables?: Record<string, unknown>;
}

export function exampleAccounts(app: FastifyInstance): void {
  app.post<{ Body: LookupBody }>(
    '/example/accounts/lookup',
    {
      schema: {
        body: { type: 'object', properties: { variables: { type: 'object', additionalProperties: true } } },
      },
    },
    (request) => {
      const number = request.body.variables?.account;
      const account = typeof number === 'string' && Object.hasOwn(ACCOUNTS, number) ? ACCOUNTS[number] : undefined;
      return account === undefined ? { found: false } : { found: true, account };
    },
  );
}
