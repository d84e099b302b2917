/**
 * The agent softphone, supervisor wallboard and reports pages, served by the server.
 *
 *   GET /softphone, /wallboard, /reports  the pages (HTML, strict CSP: scripts only from files here)
 *   GET /web/<file>                     their scripts and style sheet (an allowlist of names)
 *   GET /web/jssip.js                   JsSIP for the browser (see below)
 *   GET /v1/web/config                  public: where the pages' SIP WebSocket is, the realm, the tenant
 *
 * The files live beside this module in src/web/. tsc does not copy .html,
 * .js or .css into dist/, so a module running from dist/src/web/ also looks
 * in the repo's src/web/ (as src/store/lua.ts does for Lua scripts).
 *
 * JsSIP's npm package has no browser build (lib/ is CommonJS). A prebuilt
 * `src/web/vendor/jssip.js` is served when present; otherwise the first
 * request bundles node_modules/jssip with esbuild (both in node_modules: the
 * setup script's `npm ci` installs them) and the bundle stays in memory for
 * the life of the process. Without esbuild or jssip the route answers 503.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../http/errors.js';
import type { CtiContext } from '../cti/context.js';

/** Served file name → content type. Nothing else under /web/ exists. */
const ASSETS: Readonly<Record<string, string>> = {
  'cti-client.js': 'text/javascript; charset=utf-8',
  'softphone.js': 'text/javascript; charset=utf-8',
  'wallboard.js': 'text/javascript; charset=utf-8',
  'reports.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

const PAGES: Readonly<Record<string, string>> = {
  '/softphone': 'softphone.html',
  '/wallboard': 'wallboard.html',
  '/reports': 'reports.html',
};

/**
 * Scripts and styles from this server only (no inline code), connections to
 * this server and to WebSockets (the SIP transport is on another port), media
 * from the page's own streams, no framing.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "media-src 'self' blob: mediastream:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Where a file of src/web may be, for the module at `moduleUrl` (its own directory first). */
export function webFileCandidates(fileName: string, moduleUrl: string = import.meta.url): URL[] {
  const beside = new URL(`./${fileName}`, moduleUrl);
  const inSrc = new URL(beside.href.replace('/dist/src/', '/src/'));
  return inSrc.href === beside.href ? [beside] : [beside, inSrc];
}

function findWebFile(fileName: string): URL | undefined {
  return webFileCandidates(fileName).find((u) => existsSync(u));
}

interface Asset {
  body: Buffer;
  etag: string;
}

const asAsset = (body: Buffer): Asset => ({ body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });

/** Read on each request (small files; an edit shows on reload, no restart). */
async function readWebFile(fileName: string): Promise<Asset> {
  const url = findWebFile(fileName);
  if (url === undefined) throw new ApiError('NOT_FOUND', `${fileName} is not installed`);
  return asAsset(await readFile(url));
}

let jssip: Promise<Asset> | undefined;

/** JsSIP as one browser script (global `JsSIP`): the vendored file, or bundled once with esbuild. */
export function jssipBundle(): Promise<Asset> {
  jssip ??= (async () => {
    const vendored = findWebFile('vendor/jssip.js');
    if (vendored !== undefined) return asAsset(await readFile(vendored));
    let entry: string;
    let esbuild: typeof import('esbuild');
    try {
      entry = createRequire(import.meta.url).resolve('jssip/lib/JsSIP.js');
      esbuild = await import('esbuild');
    } catch {
      throw new ApiError('UNAVAILABLE', 'JsSIP for the browser cannot be built here: npm jssip and esbuild are needed (npm ci), or put a bundle at src/web/vendor/jssip.js');
    }
    const out = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      format: 'iife',
      globalName: 'JsSIP',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      legalComments: 'eof',
      write: false,
      logLevel: 'silent',
    });
    const file = out.outputFiles[0];
    if (file === undefined) throw new ApiError('UNAVAILABLE', 'esbuild produced no JsSIP bundle');
    return asAsset(Buffer.from(file.contents));
  })();
  // a failure is not kept: the next request tries again
  jssip.catch(() => (jssip = undefined));
  return jssip;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, type: string, extra: Record<string, string> = {}): FastifyReply {
  void reply.header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache').header('etag', asset.etag);
  for (const [k, v] of Object.entries(extra)) void reply.header(k, v);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.type(type).send(asset.body);
}

/** The hostname the browser used to reach us (Host header), for the SIP WebSocket URL. */
export function requestHostname(host: string | undefined, fallback: string): string {
  if (host === undefined || host === '') return fallback;
  try {
    const { hostname, username, password, pathname } = new URL(`http://${host}`);
    // a Host header is host[:port] only; anything else is not used
    if (hostname === '' || username !== '' || password !== '' || pathname !== '/') return fallback;
    return hostname;
  } catch {
    return fallback;
  }
}

const WebConfig = Type.Object({
  sipWsUrl: Type.String({ description: 'SIP over WebSocket: ws://<the host this page came from>:<the SIP WS port>' }),
  realm: Type.String({ description: 'SIP domain and digest realm: register as sip:<agentId>@<realm>' }),
  tenant: Type.String(),
});

export function webRoutes(ctx: CtiContext) {
  const wsPort = (): number => ctx.sipWsPort?.() ?? ctx.config.sip.wsPort;

  return (app: FastifyInstance): void => {
    for (const [path, file] of Object.entries(PAGES)) {
      app.get(path, { schema: { hide: true } }, async (request, reply) =>
        send(request, reply, await readWebFile(file), 'text/html; charset=utf-8', {
          'content-security-policy': PAGE_CSP,
          'referrer-policy': 'no-referrer',
          'x-frame-options': 'DENY',
          'permissions-policy': 'microphone=(self), camera=()',
        }),
      );
    }

    app.get('/web/jssip.js', { schema: { hide: true } }, async (request, reply) => send(request, reply, await jssipBundle(), 'text/javascript; charset=utf-8'));

    app.get<{ Params: { file: string } }>('/web/:file', { schema: { hide: true } }, async (request, reply) => {
      const name = request.params.file;
      const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
      if (type === undefined) throw new ApiError('NOT_FOUND', `No file ${request.url}`);
      return send(request, reply, await readWebFile(name), type);
    });

    app.get(
      '/v1/web/config',
      {
        config: { public: true },
        schema: { tags: ['web'], summary: "The web pages' bootstrap: SIP WebSocket URL, realm, tenant", security: [], response: { 200: WebConfig } },
      },
      (request) => ({
        sipWsUrl: `ws://${requestHostname(request.headers.host, ctx.config.sip.publicHost)}:${wsPort()}`,
        realm: ctx.config.sip.realm,
        tenant: ctx.config.cti.tenant,
      }),
    );
  };
}
