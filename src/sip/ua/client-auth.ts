/**
 * Answering a digest challenge as a client (trunks that authenticate us).
 */
import { randomBytes } from 'node:crypto';
import { parseDigestHeader, formatCredentials } from '../auth/digest-header.js';
import { computeDigestResponse, parseAlgorithm } from '../auth/digest.js';

export interface ClientCredentials {
  username: string;
  password: string;
  method: string;
  uri: string;
}

/** An Authorization value for a WWW-/Proxy-Authenticate challenge, or undefined if we cannot answer it. */
export function digestAuthorization(challenge: string, creds: ClientCredentials): string | undefined {
  const parsed = parseDigestHeader(challenge);
  if (!parsed.ok || parsed.value.scheme.toLowerCase() !== 'digest') return undefined;
  const p = parsed.value.params;
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  const algorithm = parseAlgorithm(p.get('algorithm'));
  if (realm === undefined || nonce === undefined || algorithm === undefined) return undefined;
  const qops = (p.get('qop') ?? '').split(',').map((q) => q.trim());
  const qop = qops.includes('auth') ? 'auth' : undefined;
  const cnonce = qop !== undefined ? randomBytes(8).toString('hex') : undefined;
  const nc = qop !== undefined ? '00000001' : undefined;
  const response = computeDigestResponse({ algorithm, username: creds.username, realm, password: creds.password, method: creds.method, uri: creds.uri, nonce, cnonce, nc, qop });
  return formatCredentials({ username: creds.username, realm, nonce, uri: creds.uri, response, algorithm, qop, cnonce, nc, opaque: p.get('opaque') });
}
