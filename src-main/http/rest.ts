// The REST API of `race serve`: resources per account, behind bearer tokens. It is a
// resource-shaped face on the same handler table the app and the CLI use — each route that
// has a contract method dispatches to it with the caller's account in the call context, so
// validation, account isolation and errors are decided in one place. Routes the desktop
// contract has no method for (accounts and tokens, uploads, jobs) call the services directly.
//
// Bodies are JSON in the binary-safe codec (src-shared/codec.ts): channel arrays travel as
// { "$f64": base64 } with every bit kept; NaN, ±Infinity and -0 survive. Plain number arrays
// are accepted for channels too (null = missing sample). Errors: { error: { code, message } }.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJson, encodeJson } from '../../src-shared/codec.ts';
import { ERROR_CODES, RaceError, unwrapEnvelope, type ErrorBody } from '../../src-shared/errors.ts';
import { InterfaceName } from '../../src-shared/plugins/manifest.ts';
import type { ImportResult, MethodName } from '../../src-shared/contract/index.ts';
import type { Dispatch } from '../app/dispatch.ts';
import type { Services } from '../app/services.ts';
import { installPlugin, pluginInfo, removePlugin } from '../app/handlers/plugins.ts';
import { checkBundle } from '../plugins/install.ts';
import { KPI_JOB, type KpiJobPayload } from '../telemetry/import.ts';
import { parseGate } from '../telemetry/laps.ts';
import type { Job } from '../jobs/queue.ts';
import type { Caller } from '../store/accounts.ts';
import { bearer, readBody } from './body.ts';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimit } from './rate-limit.ts';

export interface RestLimits {
  /** JSON request bodies (plugin calls, plugin uploads). */
  jsonBodyBytes: number;
  /** Telemetry file uploads. */
  uploadBytes: number;
  /** Samples in all the channel arrays of one plugin call together. */
  maxSamples: number;
}

export const DEFAULT_REST_LIMITS: RestLimits = { jsonBodyBytes: 64 * 1024 * 1024, uploadBytes: 512 * 1024 * 1024, maxSamples: 4_000_000 };

export interface RestOptions {
  services: Services;
  dispatch: Dispatch;
  limits?: Partial<RestLimits>;
  rateLimit?: RateLimit;
}

interface RouteContext {
  req: IncomingMessage;
  url: URL;
  params: string[];
  caller: Caller;
  /** The request body as codec JSON ({} when empty). */
  json(): Promise<Record<string, unknown>>;
}

interface Reply {
  status: number;
  body: unknown;
}

interface Route {
  method: string;
  /** Shown in the request log: the pattern, not the ids. */
  name: string;
  pattern: RegExp;
  run(ctx: RouteContext): Promise<Reply> | Reply;
}

const SEGMENT = '([^/]+)';

function ok(body: unknown, status = 200): Reply {
  return { status, body };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(encodeJson(body));
}

function sendError(res: ServerResponse, error: ErrorBody, headers: Record<string, string> = {}): void {
  sendJson(res, ERROR_CODES[error.code] ?? 500, { error }, headers);
}

/**
 * Counts the samples in a decoded body: every typed array, and every array of plain numbers
 * (null stands for a missing sample). Bounded depth: anything nested deeper is refused, not
 * waved through.
 */
function countSamples(value: unknown, depth = 0): number {
  if (ArrayBuffer.isView(value)) return (value as Float64Array).length;
  if (value === null || typeof value !== 'object') return 0;
  if (depth > 16) throw new RaceError('BAD_ARGS', 'input: nested more than 16 levels deep');
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v === 'number')) return value.length;
    let n = 0;
    for (const v of value) n += countSamples(v, depth + 1);
    return n;
  }
  let n = 0;
  for (const v of Object.values(value)) n += countSamples(v, depth + 1);
  return n;
}

function stringField(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (typeof v !== 'string' || v.length === 0) throw new RaceError('BAD_ARGS', `${name}: expected a non-empty string`);
  return v;
}

/** The ?gate= parameter, checked as the CLI's --gate is (telemetry/laps.ts). */
function gateParam(text: string | null): ReturnType<typeof parseGate> | undefined {
  if (text === null) return undefined;
  try {
    return parseGate(text);
  } catch (e) {
    throw new RaceError('BAD_ARGS', (e as Error).message);
  }
}

/** A job as the API shows it. */
function jobView(j: Job<Partial<KpiJobPayload>>) {
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    sessionId: j.payload.sessionId ?? null,
    plugin: j.payload.pluginId ?? null,
    attempts: j.attempts,
    progress: j.progress ?? 0,
    error: j.lastError,
    createdAt: j.createdAt,
    finishedAt: j.finishedAt,
  };
}

export interface RestApi {
  /** Handles the request when it is a REST route; returns the route's name, or null when it is not one. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<string | null>;
}

export function createRestApi(options: RestOptions): RestApi {
  const { services, dispatch } = options;
  const limits: RestLimits = { ...DEFAULT_REST_LIMITS, ...options.limits };
  const limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);

  /** A contract call as this caller: the handler sees the caller's account and nothing else. */
  const call = async (method: MethodName, args: unknown, caller: Caller): Promise<unknown> =>
    unwrapEnvelope(await dispatch(method, args, { transport: 'http', account: caller.accountId }));

  const ownAccount = (ctx: RouteContext): string => {
    const id = ctx.params[0]!;
    if (id !== ctx.caller.accountId && id !== 'me') throw new RaceError('FORBIDDEN', `this token belongs to account ${ctx.caller.accountId}, not ${id}`);
    return ctx.caller.accountId;
  };

  const { jobs } = services;

  const routes: Route[] = [
    // ---- accounts and tokens ----
    {
      method: 'GET',
      name: '/accounts/:id',
      pattern: new RegExp(`^/accounts/${SEGMENT}$`),
      run: (ctx) => ok(services.accounts.require(ownAccount(ctx))),
    },
    {
      method: 'GET',
      name: '/accounts/:id/tokens',
      pattern: new RegExp(`^/accounts/${SEGMENT}/tokens$`),
      run: (ctx) => ok(services.accounts.tokens(ownAccount(ctx))),
    },
    {
      method: 'POST',
      name: '/accounts/:id/tokens',
      pattern: new RegExp(`^/accounts/${SEGMENT}/tokens$`),
      run: async (ctx) => {
        const account = ownAccount(ctx);
        const body = await ctx.json();
        return ok(services.accounts.createToken(account, typeof body.name === 'string' ? body.name : 'api'), 201);
      },
    },
    {
      method: 'DELETE',
      name: '/accounts/:id/tokens/:tokenId',
      pattern: new RegExp(`^/accounts/${SEGMENT}/tokens/${SEGMENT}$`),
      run: (ctx) => {
        const account = ownAccount(ctx);
        const tokenId = ctx.params[1]!;
        if (!services.accounts.revokeToken(account, tokenId)) throw new RaceError('NOT_FOUND', `account ${account} has no token ${tokenId}`);
        return ok({ revoked: tokenId });
      },
    },
    // ---- grants: the server decides what a plugin may do, per account ----
    {
      method: 'GET',
      name: '/accounts/:id/grants',
      pattern: new RegExp(`^/accounts/${SEGMENT}/grants$`),
      run: async (ctx) => ok(await call('grants.list', { accountId: ownAccount(ctx) }, ctx.caller)),
    },
    {
      method: 'PUT',
      name: '/accounts/:id/grants',
      pattern: new RegExp(`^/accounts/${SEGMENT}/grants$`),
      run: async (ctx) => {
        const accountId = ownAccount(ctx);
        const body = await ctx.json();
        return ok(await call('grants.grant', { accountId, pluginId: body.pluginId, capability: body.capability }, ctx.caller));
      },
    },
    {
      method: 'DELETE',
      name: '/accounts/:id/grants',
      pattern: new RegExp(`^/accounts/${SEGMENT}/grants$`),
      run: async (ctx) => {
        const accountId = ownAccount(ctx);
        const body = await ctx.json();
        // DELETE bodies are dropped by some proxies: the query string works too.
        const pluginId = ctx.url.searchParams.get('plugin') ?? body.pluginId;
        const capability = ctx.url.searchParams.get('capability') ?? body.capability;
        return ok(await call('grants.revoke', { accountId, pluginId, capability }, ctx.caller));
      },
    },
    // ---- plugins ----
    {
      method: 'GET',
      name: '/plugins',
      pattern: /^\/plugins$/,
      run: async (ctx) => ok(await call('plugins.list', {}, ctx.caller)),
    },
    {
      method: 'GET',
      name: '/plugins/:id',
      pattern: new RegExp(`^/plugins/${SEGMENT}$`),
      run: (ctx) => ok(pluginInfo(services.plugins.plugins.require(ctx.params[0]!, ctx.caller.accountId))),
    },
    {
      method: 'POST',
      name: '/plugins',
      pattern: /^\/plugins$/,
      run: async (ctx) => {
        const body = await ctx.json();
        const code = stringField(body, 'code');
        if (!body.manifest || typeof body.manifest !== 'object') throw new RaceError('BAD_ARGS', 'manifest: expected the built manifest.json object');
        const bundle = checkBundle(body.manifest, code, 'manifest');
        const existed = services.plugins.plugins.get(bundle.manifest.id, ctx.caller.accountId) !== null;
        return ok(installPlugin(services, bundle, ctx.caller.accountId), existed ? 200 : 201);
      },
    },
    {
      method: 'DELETE',
      name: '/plugins/:id',
      pattern: new RegExp(`^/plugins/${SEGMENT}$`),
      run: (ctx) => {
        const id = ctx.params[0]!;
        if (!removePlugin(services, id, ctx.caller.accountId)) throw new RaceError('NOT_FOUND', `plugin "${id}" is not installed`);
        return ok({ removed: id });
      },
    },
    {
      method: 'POST',
      name: '/plugins/:id/invoke/:interface',
      pattern: new RegExp(`^/plugins/${SEGMENT}/invoke/${SEGMENT}$`),
      run: async (ctx) => {
        const plugin = ctx.params[0]!;
        const iface = InterfaceName.safeParse(ctx.params[1]!);
        if (!iface.success) throw new RaceError('NOT_FOUND', `no interface "${ctx.params[1]}" (one of ${InterfaceName.options.join(', ')})`);
        const body = await ctx.json();
        if (!('input' in body)) throw new RaceError('BAD_ARGS', 'input: required — the interface input, e.g. { "input": { "rateHz": 10, "channels": { … }, "params": {} } }');
        const samples = countSamples(body.input);
        if (samples > limits.maxSamples) throw new RaceError('TOO_LARGE', `input holds ${samples} samples; the limit per call is ${limits.maxSamples}`);
        // `hash`: the bundle the caller means (the desktop adapter sends its own), checked by the
        // plugin host against the installed one — same code online and offline, or a 409.
        return ok(await call('plugins.invoke', { plugin, interface: iface.data, input: body.input, runtime: 'v8', now: body.now, seed: body.seed, hash: body.hash }, ctx.caller));
      },
    },
    // ---- telemetry ----
    {
      method: 'POST',
      name: '/attachments',
      pattern: /^\/attachments$/,
      run: async (ctx) => {
        const header = ctx.req.headers['x-file-name'];
        let name = ctx.url.searchParams.get('name');
        if (name === null && typeof header === 'string') {
          try {
            name = decodeURIComponent(header);
          } catch {
            throw new RaceError('BAD_ARGS', 'X-File-Name: a malformed %-escape');
          }
        }
        if (!name || name.includes('/') || name.includes('\\') || name.length > 255) {
          throw new RaceError('BAD_ARGS', 'name: give the file name as ?name=<file> (or an X-File-Name header), without a folder');
        }
        const gate = gateParam(ctx.url.searchParams.get('gate'));
        const bytes = await readBody(ctx.req, limits.uploadBytes);
        if (bytes.length === 0) throw new RaceError('BAD_ARGS', `${name}: the upload is empty (send the file's bytes as the request body)`);
        // the desktop's upload, as this account (it also wakes the job runner)
        const r = (await call('sessions.upload', { fileName: name, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), ...(gate ? { gate } : {}) }, ctx.caller)) as ImportResult;
        if (r.status === 'failed') {
          throw new RaceError('BAD_ARGS', r.error?.message ?? `${name}: could not be imported`, { format: r.format ?? null, offset: r.error?.offset ?? null, line: r.error?.line ?? null });
        }
        const queued = jobs.forSession<Partial<KpiJobPayload>>(r.sessionId!, ctx.caller.accountId).filter((j) => j.kind === KPI_JOB).map(jobView);
        return ok({ ...r, jobs: queued }, r.status === 'imported' ? 201 : 200);
      },
    },
    {
      method: 'GET',
      name: '/jobs/:id',
      pattern: new RegExp(`^/jobs/${SEGMENT}$`),
      run: (ctx) => {
        const id = Number(ctx.params[0]);
        const job = Number.isSafeInteger(id) ? jobs.ofAccount<Partial<KpiJobPayload>>(id, ctx.caller.accountId) : null;
        if (!job) throw new RaceError('NOT_FOUND', `job ${ctx.params[0]} does not exist`);
        return ok(jobView(job));
      },
    },
    {
      method: 'GET',
      name: '/sessions',
      pattern: /^\/sessions$/,
      run: async (ctx) => ok(await call('sessions.list', {}, ctx.caller)),
    },
    {
      method: 'GET',
      name: '/sessions/:id/laps',
      pattern: new RegExp(`^/sessions/${SEGMENT}/laps$`),
      run: async (ctx) => ok(await call('sessions.laps', { sessionId: ctx.params[0]! }, ctx.caller)),
    },
    {
      method: 'GET',
      name: '/sessions/:id/kpis',
      pattern: new RegExp(`^/sessions/${SEGMENT}/kpis$`),
      run: async (ctx) => ok(await call('sessions.kpis', { sessionId: ctx.params[0]! }, ctx.caller)),
    },
    {
      method: 'GET',
      name: '/sessions/:id/jobs',
      pattern: new RegExp(`^/sessions/${SEGMENT}/jobs$`),
      run: async (ctx) => {
        const sessionId = ctx.params[0]!;
        services.sessions.require(sessionId, ctx.caller.accountId);
        return ok(jobs.forSession<Partial<KpiJobPayload>>(sessionId, ctx.caller.accountId).map(jobView));
      },
    },
    {
      method: 'GET',
      name: '/sessions/:id/channels',
      pattern: new RegExp(`^/sessions/${SEGMENT}/channels$`),
      run: async (ctx) => ok(await call('sessions.channels', { sessionId: ctx.params[0]! }, ctx.caller)),
    },
    {
      method: 'GET',
      name: '/sessions/:id/channels/:name',
      pattern: new RegExp(`^/sessions/${SEGMENT}/channels/${SEGMENT}$`),
      run: async (ctx) => {
        const lapText = ctx.url.searchParams.get('lap');
        const lap = lapText === null ? undefined : Number(lapText);
        if (lap !== undefined && !Number.isInteger(lap)) throw new RaceError('BAD_ARGS', `lap: expected a lap number, got "${lapText}"`);
        return ok(await call('sessions.samples', { sessionId: ctx.params[0]!, channel: ctx.params[1]!, ...(lap !== undefined ? { lap } : {}) }, ctx.caller));
      },
    },
  ];

  const rootOf = (path: string) => path.split('/')[1] ?? '';
  const roots = new Set(routes.map((r) => rootOf(r.name)));


  return {
    async handle(req, res, url) {
      if (!roots.has(rootOf(url.pathname))) return null;
      let name = `/${rootOf(url.pathname)}/…`;
      try {
        const token = bearer(req);
        if (!token) throw new RaceError('UNAUTHORIZED', 'missing bearer token: send Authorization: Bearer <token> (make one with `race accounts create <name>`)');
        const caller = services.accounts.authenticate(token);
        if (!caller) throw new RaceError('UNAUTHORIZED', 'unknown or revoked token');
        // per account, not per token: minting more tokens does not buy more requests
        const wait = limiter.take(caller.accountId);
        if (wait !== null) {
          sendError(res, { code: 'RATE_LIMITED', message: `too many requests for this account: retry in ${wait} s` }, { 'retry-after': String(wait) });
          return name;
        }
        let matched = false;
        for (const route of routes) {
          const m = route.pattern.exec(url.pathname);
          if (!m) continue;
          matched = true;
          if (route.method !== req.method) continue;
          name = route.name;
          let parsed: Record<string, unknown> | null = null;
          let params: string[];
          try {
            params = m.slice(1).map((p) => decodeURIComponent(p));
          } catch {
            throw new RaceError('BAD_ARGS', `${url.pathname}: a malformed %-escape in the path`);
          }
          const ctx: RouteContext = {
            req,
            url,
            params,
            caller,
            json: async () => {
              if (parsed) return parsed;
              const raw = await readBody(req, limits.jsonBodyBytes);
              if (raw.length === 0) return (parsed = {});
              let value: unknown;
              try {
                value = decodeJson(raw.toString('utf8'));
              } catch (e) {
                throw new RaceError('BAD_ARGS', `request body is not valid JSON: ${(e as Error).message}`);
              }
              if (!value || typeof value !== 'object' || Array.isArray(value)) throw new RaceError('BAD_ARGS', 'request body: expected a JSON object');
              return (parsed = value as Record<string, unknown>);
            },
          };
          const reply = await route.run(ctx);
          sendJson(res, reply.status, reply.body);
          return name;
        }
        if (matched) throw new RaceError('NOT_FOUND', `${req.method} is not allowed on ${url.pathname}`);
        throw new RaceError('NOT_FOUND', `no route ${req.method} ${url.pathname}`);
      } catch (e) {
        const err = e instanceof RaceError ? e : new RaceError('INTERNAL', (e as Error).message);
        if (err.code === 'INTERNAL') console.error(`[race serve] ${req.method} ${url.pathname}:`, e);
        if (!res.headersSent) sendError(res, err.toBody());
        else res.end();
        return name;
      }
    },
  };
}
