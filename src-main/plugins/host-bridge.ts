// The host side of `host.storage` and `host.fetch` for one call. Storage is synchronous
// (better-sqlite3), so it costs a couple of microseconds per call in either engine; fetch
// is asynchronous and finishes through `complete`. Both exist only when granted — the
// guest has no `host.fetch` otherwise — and this side checks again regardless.
import type { CapabilityName } from '../../src-shared/plugins/manifest.ts';
import type { PluginStorage } from '../store/plugins.ts';
import type { HostBridge } from './runtime/types.ts';

export interface FetchLimits {
  timeoutMs: number;
  maxResponseBytes: number;
  maxRequestBytes: number;
  maxRequestsPerCall: number;
}

export const DEFAULT_FETCH_LIMITS: FetchLimits = { timeoutMs: 5000, maxResponseBytes: 1024 * 1024, maxRequestBytes: 256 * 1024, maxRequestsPerCall: 16 };

/** `api.example.com` (any port), `*.example.com` (sub-domains), `127.0.0.1:8080` (that port only). */
export function hostAllowed(url: URL, allowed: readonly string[]): boolean {
  const hostname = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    const colon = p.lastIndexOf(':');
    const [name, wantPort] = colon > 0 && /^\d+$/.test(p.slice(colon + 1)) ? [p.slice(0, colon), p.slice(colon + 1)] : [p, null];
    if (wantPort !== null && wantPort !== port) return false;
    if (name.startsWith('*.')) return hostname.endsWith(name.slice(1)) && hostname.length > name.length - 1;
    return hostname === name;
  });
}

export interface HostBridgeOptions {
  capabilities: readonly CapabilityName[];
  storage: PluginStorage | null;
  fetchHosts: readonly string[];
  fetchLimits?: FetchLimits;
  fetchImpl?: typeof fetch;
}

const ok = (value: unknown) => JSON.stringify({ ok: true, value: value ?? null });
const fail = (error: string) => JSON.stringify({ ok: false, error });

async function readLimited(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw new Error(`response of ${declared} bytes exceeds the ${limit}-byte limit`);
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`response exceeds the ${limit}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The reason a plugin is given when a fetch fails: a stable phrase, never the network
 * stack's own words — those vary from one attempt to the next ("other side closed" for a
 * stale keep-alive socket, then "ECONNREFUSED"), and a plugin that reports them would give
 * different outputs for the same input.
 */
export function fetchFailure(e: Error, limits: FetchLimits): string {
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${limits.timeoutMs} ms`;
  const text = `${e.message} ${(e.cause as Error | undefined)?.message ?? ''} ${(e.cause as { code?: string } | undefined)?.code ?? ''}`;
  if (/exceeds the \d+-byte limit/.test(e.message)) return e.message;
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/i.test(text)) return 'network unavailable — the host name could not be resolved';
  if (/certificate|TLS|SSL/i.test(text)) return 'secure connection failed';
  // refused, reset, or a pooled connection found closed: to a plugin, all "no server there now"
  return 'connection refused or lost';
}

export function createHostBridge(options: HostBridgeOptions): HostBridge {
  const limits = options.fetchLimits ?? DEFAULT_FETCH_LIMITS;
  const doFetch = options.fetchImpl ?? fetch;
  let requests = 0;
  const has = (c: CapabilityName) => options.capabilities.includes(c);

  return {
    fetchImpl: doFetch,
    describe: () => ({
      capabilities: [...options.capabilities],
      storage: options.storage ? options.storage.descriptor() : null,
      fetchHosts: [...options.fetchHosts],
      fetchLimits: limits,
    }),
    call(op, payloadJson, complete) {
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(payloadJson);
      } catch {
        return fail('malformed host call');
      }
      if (op.startsWith('storage.')) {
        const storage = options.storage;
        if (!has('storage') || !storage) return fail('storage is not granted to this plugin');
        try {
          switch (op) {
            case 'storage.get':
              return ok(storage.get(String(payload.key)));
            case 'storage.put':
              storage.put(String(payload.key), String(payload.value));
              return ok(null);
            case 'storage.list':
              return ok(storage.list(String(payload.prefix ?? '')));
            case 'storage.delete':
              return ok(storage.delete(String(payload.key)));
            default:
              return fail(`unknown storage operation ${op}`);
          }
        } catch (e) {
          return fail((e as Error).message);
        }
      }
      if (op === 'fetch') {
        if (!has('fetch')) return fail('fetch is not granted to this plugin');
        const opId = Number(payload.op);
        const req = (payload.request ?? {}) as { url: string; method: string; headers: Record<string, string>; body: string | null };
        let url: URL;
        try {
          url = new URL(req.url);
        } catch {
          return fail(`fetch: "${req.url}" is not a URL`);
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`fetch: only http and https URLs, not ${url.protocol}`);
        if (!hostAllowed(url, options.fetchHosts)) return fail(`fetch: ${url.host} is not in the plugin's allowed hosts (${options.fetchHosts.join(', ')})`);
        if (++requests > limits.maxRequestsPerCall) return fail(`fetch: at most ${limits.maxRequestsPerCall} requests per call`);
        const method = String(req.method || 'GET').toUpperCase();
        if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'].includes(method)) return fail(`fetch: method ${method} is not allowed`);
        if (req.body !== null && Buffer.byteLength(req.body) > limits.maxRequestBytes) return fail(`fetch: request body over ${limits.maxRequestBytes} bytes`);
        doFetch(url, {
          method,
          headers: req.headers,
          body: req.body ?? undefined,
          redirect: 'manual',
          signal: AbortSignal.timeout(limits.timeoutMs),
        })
          .then(async (res) => {
            const body = await readLimited(res, limits.maxResponseBytes);
            const headers: Record<string, string> = {};
            res.headers.forEach((v, k) => (headers[k] = v));
            complete(opId, true, JSON.stringify({ status: res.status, headers, body }));
          })
          .catch((e: Error) => {
            complete(opId, false, JSON.stringify(`fetch ${url.host}: ${fetchFailure(e, limits)}`));
          });
        return ok(null);
      }
      return fail(`unknown host operation ${op}`);
    },
  };
}
