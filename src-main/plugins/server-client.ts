// The server adapter: invoking plugins on a Race server (`race serve`) over its REST API.
// The desktop app uses it in Online mode, the CLI with `race invoke --runtime server`.
// Calls carry the hash of the bundle the caller has, so the server runs the very same code
// (a plugin missing there, or at another version, is uploaded first) — which is what makes
// online and offline results the same bits.
import { decodeJson, encodeJson } from '../../src-shared/codec.ts';
import { isErrorCode, RaceError } from '../../src-shared/errors.ts';
import type { InterfaceName } from '../../src-shared/plugins/manifest.ts';
import type { PluginBundle } from './service.ts';

export interface ServerTarget {
  url: string;
  token: string;
  fetch?: typeof fetch;
  /** Per request; a server that does not answer in time is unreachable. */
  timeoutMs?: number;
}

export interface RemoteInvokeResult {
  output: unknown;
  logs: string[];
  plugin: string;
  version: string;
  runtime: 'v8';
  durationMs: number;
}

export interface RemoteInvokeOptions {
  /** The bundle the caller runs offline: the server must run the same one (uploaded when it lacks it). */
  bundle?: PluginBundle;
  now?: number;
  seed?: number;
}

export class RaceServerClient {
  readonly url: string;
  private readonly token: string;
  private readonly doFetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(target: ServerTarget) {
    let parsed: URL;
    try {
      parsed = new URL(target.url);
    } catch {
      throw new RaceError('BAD_ARGS', `server URL "${target.url}" is not a URL (e.g. http://127.0.0.1:8787)`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RaceError('BAD_ARGS', `server URL must be http or https, got ${parsed.protocol}`);
    this.url = target.url.replace(/\/+$/, '');
    this.token = target.token;
    this.doFetch = target.fetch ?? fetch;
    this.timeoutMs = target.timeoutMs ?? 30_000;
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await this.doFetch(`${this.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : encodeJson(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (e) {
      const why = (e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : ((e as { cause?: Error }).cause?.message ?? (e as Error).message);
      throw new RaceError('NOT_AVAILABLE', `cannot reach the Race server at ${this.url}: ${why}`);
    }
    let value: unknown;
    try {
      value = text.length ? decodeJson(text) : null;
    } catch {
      throw new RaceError('INTERNAL', `${method} ${path}: the server answered HTTP ${response.status} with a body that is not JSON`);
    }
    if (!response.ok) {
      const err = (value as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
      if (err && isErrorCode(err.code) && typeof err.message === 'string') throw new RaceError(err.code, `server: ${err.message}`, err.details);
      throw new RaceError('INTERNAL', `${method} ${path}: the server answered HTTP ${response.status}`);
    }
    return value as T;
  }

  /** Whether the server answers at all (Auto mode's test); never throws. */
  async reachable(timeoutMs = 1500): Promise<boolean> {
    try {
      const r = await this.doFetch(`${this.url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
      return r.ok;
    } catch {
      return false;
    }
  }

  async uploadPlugin(bundle: PluginBundle): Promise<void> {
    await this.request('POST', '/plugins', { manifest: { ...bundle.manifest, hash: bundle.hash }, code: bundle.code });
  }

  /**
   * Runs one interface of a plugin on the server. With the caller's bundle, the server must
   * run exactly that bundle: when it lacks the plugin or has another version, the bundle is
   * uploaded and the call made again, once.
   */
  async invoke(pluginId: string, iface: InterfaceName, input: unknown, options: RemoteInvokeOptions = {}): Promise<RemoteInvokeResult> {
    const { bundle } = options;
    const path = `/plugins/${encodeURIComponent(pluginId)}/invoke/${iface}`;
    // The plugin's clock is the caller's: a call online sees the same time it would offline.
    const body = { input, now: options.now ?? Date.now(), ...(options.seed !== undefined ? { seed: options.seed } : {}), ...(bundle ? { hash: bundle.hash } : {}) };
    try {
      return await this.request<RemoteInvokeResult>('POST', path, body);
    } catch (e) {
      // another version there (the CONFLICT names it), or none: any other CONFLICT (a disabled
      // plugin) is not cured by an upload
      const installedHash = e instanceof RaceError && e.code === 'CONFLICT' ? (e.details as { installedHash?: unknown } | undefined)?.installedHash : undefined;
      const stale = e instanceof RaceError && ((typeof installedHash === 'string' && installedHash !== bundle?.hash) || (e.code === 'NOT_FOUND' && /is not installed/.test(e.message)));
      if (!bundle || !stale) throw e;
      await this.uploadPlugin(bundle);
      return await this.request<RemoteInvokeResult>('POST', path, body);
    }
  }
}
