// Invoking a plugin: the one path every caller takes (the app offline, the server, the
// CLI, KPI jobs, the parity suite). Input checked against the interface, channels put on
// one time base, the host built from declared ∩ granted capabilities, the warm instance
// run in the chosen engine, the output decoded (NaNs canonical) and checked.
import { RaceError } from '../../src-shared/errors.ts';
import { INTERFACE_SCHEMAS } from '../../src-shared/plugins/interfaces.ts';
import type { CapabilityName, InterfaceName, PluginManifest } from '../../src-shared/plugins/manifest.ts';
import { describeIssues } from '../app/dispatch.ts';
import type { Db } from '../store/database.ts';
import { ChangeStamp } from '../store/change-stamp.ts';
import { GrantStore, PluginStorage, PluginStore, type InstalledPlugin, type JobRun, type StorageQuota } from '../store/plugins.ts';
import { PluginError, PluginOutputError, type PluginFailure } from './errors.ts';
import { createHostBridge, type FetchLimits } from './host-bridge.ts';
import { InstancePool } from './pool.ts';
import { toCommonTimeBase, type RatedChannel } from './resample.ts';
import { packValue, unpackValue } from './transport.ts';
import { QuickJsRuntime } from './runtime/quickjs.ts';
import { EngineFailure, type CallLimits, type EngineLimits, type GuestReply, type PluginRuntime, type RuntimeKind } from './runtime/types.ts';

export interface PluginBundle {
  manifest: PluginManifest;
  code: string;
  hash: string;
}

export interface InvokeRequest {
  iface: InterfaceName;
  input: unknown;
  runtime: RuntimeKind;
  accountId: string;
  /** The clock the plugin sees (Date.now(), new Date()); default: the host's now. */
  now?: number;
  /** Math.random's seed for this call. */
  seed?: number;
  /** invoke(): the bundle the caller means; another installed version is a CONFLICT. */
  expectHash?: string;
  limits?: Partial<CallLimits>;
  /** The run of a job this call is part of: its storage writes are held until the job completes. */
  jobRun?: JobRun;
}

export interface InvokeResult {
  output: unknown;
  logs: string[];
  plugin: string;
  version: string;
  runtime: RuntimeKind;
  durationMs: number;
}

export interface PluginServiceOptions {
  db: Db;
  engineLimits?: Partial<EngineLimits>;
  callLimits?: Partial<CallLimits>;
  poolSize?: number;
  storageQuota?: StorageQuota;
  fetchLimits?: FetchLimits;
  fetchImpl?: typeof fetch;
  runtimes?: Partial<Record<RuntimeKind, PluginRuntime>>;
}

export const DEFAULT_ENGINE_LIMITS: EngineLimits = { memoryMb: 128 };
export const DEFAULT_CALL_LIMITS: CallLimits = { timeMs: 5000, logLines: 200, logBytes: 64 * 1024 };
const LOAD_DEADLINE_MS = 5000;
const DEFAULT_SEED = 0x5eed;

/** JSON callers (CLI files, HTTP) send channels as number arrays; null stands for a missing sample. */
function toF64(v: unknown): unknown {
  return Array.isArray(v) && v.every((x) => x === null || typeof x === 'number') ? Float64Array.from(v, (x) => (x === null ? NaN : x)) : v;
}

function coerceChannelArrays(iface: InterfaceName, raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || !('channels' in raw)) return raw;
  const r = raw as { channels: Record<string, unknown> };
  if (!r.channels || typeof r.channels !== 'object') return raw;
  const channels: Record<string, unknown> = {};
  for (const [name, c] of Object.entries(r.channels)) {
    if (iface === 'transform' && c && typeof c === 'object' && 'samples' in c) channels[name] = { ...(c as object), samples: toF64((c as { samples: unknown }).samples) };
    else if (c && typeof c === 'object' && !Array.isArray(c) && 'samples' in c) channels[name] = { ...(c as object), samples: toF64((c as { samples: unknown }).samples) };
    else channels[name] = toF64(c);
  }
  return { ...r, channels };
}

function classify(header: GuestReply['header']): PluginFailure {
  const code = header.code as PluginFailure;
  if (code !== 'PLUGIN_THREW') return code;
  const message = header.error?.message ?? '';
  // The same failure in either engine: QuickJS throws "out of memory" where V8 fails an
  // ArrayBuffer allocation; V8's "Maximum call stack size exceeded" is QuickJS's "stack overflow".
  if (/^out of memory$|Array buffer allocation failed/i.test(message)) return 'MEMORY_LIMIT';
  if (/Maximum call stack size exceeded|^stack overflow$/i.test(message)) return 'STACK_OVERFLOW';
  return 'PLUGIN_THREW';
}

const REASON_TEXT: Record<PluginFailure, string> = {
  PLUGIN_THREW: 'threw an error',
  NO_INTERFACE: 'does not implement this interface',
  LOAD_FAILED: 'could not be loaded',
  OUTPUT_INVALID: 'returned an invalid output',
  OUTPUT_UNSERIALIZABLE: 'returned an output that cannot leave the sandbox',
  TIMEOUT: 'ran past its time limit',
  MEMORY_LIMIT: 'ran out of its memory budget',
  STACK_OVERFLOW: 'recursed too deeply',
  ENGINE_ERROR: 'crashed its engine',
};

export class PluginService {
  readonly plugins: PluginStore;
  readonly grants: GrantStore;
  private readonly db: Db;
  private readonly options: PluginServiceOptions;
  private readonly pool: InstancePool;
  private readonly runtimes: Partial<Record<RuntimeKind, PluginRuntime>>;
  private nextCallId = 1;
  // Installed plugins and grants as last read, kept while the database is unchanged: a warm
  // call reads neither table (and parses no manifest). Any write, from here or elsewhere,
  // empties both.
  private readonly changes: ChangeStamp;
  private cachedAt: number | string | null = null;
  private readonly installed = new Map<string, InstalledPlugin>();
  private readonly granted = new Map<string, ReadonlySet<CapabilityName>>();

  constructor(options: PluginServiceOptions) {
    this.options = options;
    this.db = options.db;
    this.plugins = new PluginStore(options.db);
    this.grants = new GrantStore(options.db);
    this.changes = new ChangeStamp(options.db);
    this.pool = new InstancePool(options.poolSize ?? 32);
    this.runtimes = { ...options.runtimes };
  }

  /** Empties the caches if the database changed since they were filled. */
  private refreshCaches(): void {
    const stamp = this.changes.read();
    if (stamp === this.cachedAt) return;
    this.cachedAt = stamp;
    this.installed.clear();
    this.granted.clear();
  }

  private async runtime(kind: RuntimeKind): Promise<PluginRuntime> {
    let rt = this.runtimes[kind];
    if (!rt) {
      // V8 (isolated-vm) is loaded only when asked for: the Electron main process never does.
      rt = kind === 'quickjs' ? new QuickJsRuntime() : new (await import('./runtime/v8-process.ts')).V8ProcessRuntime();
      this.runtimes[kind] = rt;
    }
    return rt;
  }

  /** Declared ∩ granted (the caches already refreshed). */
  private declaredAndGranted(manifest: PluginManifest, accountId: string): CapabilityName[] {
    if (manifest.capabilities.length === 0) return [];
    const key = `${accountId}\u0000${manifest.id}`;
    let granted = this.granted.get(key);
    if (!granted) {
      granted = new Set(this.grants.granted(accountId, manifest.id));
      this.granted.set(key, granted);
    }
    return manifest.capabilities.map((c) => c.name).filter((c) => granted.has(c));
  }

  async invoke(pluginId: string, request: InvokeRequest): Promise<InvokeResult> {
    const started = performance.now();
    return this.run(this.runnable(pluginId, request.accountId, request.expectHash), request, started);
  }

  /**
   * The installed plugin a call would run: enabled, and the bundle the caller means when it
   * names one (another installed version is a CONFLICT that names it).
   */
  runnable(pluginId: string, accountId: string, expectHash?: string): InstalledPlugin {
    this.refreshCaches();
    // installed plugins belong to accounts: the cache is keyed by both
    const key = `${accountId}\u0000${pluginId}`;
    let plugin = this.installed.get(key);
    if (!plugin) {
      plugin = this.plugins.require(pluginId, accountId);
      this.installed.set(key, plugin);
    }
    if (!plugin.enabled) throw new RaceError('CONFLICT', `plugin "${pluginId}" is disabled`);
    if (expectHash !== undefined && expectHash !== plugin.hash) {
      throw new RaceError('CONFLICT', `plugin ${pluginId} here is ${plugin.version} (bundle ${plugin.hash.slice(0, 12)}…), not the bundle ${expectHash.slice(0, 12)}… the caller has`, { installedHash: plugin.hash });
    }
    return plugin;
  }

  async invokeBundle(bundle: PluginBundle, request: InvokeRequest): Promise<InvokeResult> {
    const started = performance.now();
    this.refreshCaches();
    return this.run(bundle, request, started);
  }

  /** One call, the caches already refreshed. */
  private async run(bundle: PluginBundle, request: InvokeRequest, started: number): Promise<InvokeResult> {
    const { manifest } = bundle;
    const { iface, runtime } = request;
    if (!manifest.interfaces.includes(iface)) {
      throw new RaceError('BAD_ARGS', `plugin ${manifest.id} does not declare the ${iface} interface (it declares ${manifest.interfaces.join(', ')})`);
    }
    const input = this.prepareInput(manifest, iface, request.input);
    const limits: CallLimits = { ...DEFAULT_CALL_LIMITS, ...this.options.callLimits, ...request.limits };
    const engineLimits: EngineLimits = { ...DEFAULT_ENGINE_LIMITS, ...this.options.engineLimits };
    const capabilities = this.declaredAndGranted(manifest, request.accountId);
    const fetchCap = manifest.capabilities.find((c) => c.name === 'fetch');
    const host = createHostBridge({
      capabilities,
      storage: capabilities.includes('storage') ? new PluginStorage(this.db, request.accountId, manifest.id, this.options.storageQuota, request.jobRun ?? null) : null,
      fetchHosts: fetchCap && fetchCap.name === 'fetch' ? fetchCap.hosts : [],
      fetchLimits: this.options.fetchLimits,
      fetchImpl: this.options.fetchImpl,
    });
    const buffers: ArrayBuffer[] = [];
    const packed = packValue(input, buffers);
    const contextJson = JSON.stringify({ capabilities, limits: { logLines: limits.logLines, logBytes: limits.logBytes } });
    const now = request.now ?? Date.now();
    const seed = request.seed ?? DEFAULT_SEED;
    const fail = (reason: PluginFailure, detail: string | undefined, logs?: string[]) =>
      new PluginError(`plugin ${manifest.id}, ${iface} (${runtime}): ${REASON_TEXT[reason]}${detail ? ` — ${detail}` : ''}`, {
        reason,
        plugin: manifest.id,
        interface: iface,
        runtime,
        detail,
        logs,
      });

    const engine = await this.runtime(runtime);
    const key = `${runtime}|${bundle.hash}|${request.accountId}`;
    let reply: GuestReply;
    try {
      reply = await this.pool.run(
        key,
        () =>
          engine.load({ hash: bundle.hash, code: bundle.code, pluginId: manifest.id }, engineLimits, LOAD_DEADLINE_MS).catch((e) => {
            if (e instanceof EngineFailure) throw e;
            throw fail('LOAD_FAILED', (e as Error).message);
          }),
        async (instance) => {
          const r = await instance.invoke({ callId: this.nextCallId++, iface, input: packed, buffers, contextJson, now, seed }, host, limits);
          if (r.header.status === 'error' && classify(r.header) === 'MEMORY_LIMIT') instance.retire();
          return r;
        },
      );
    } catch (e) {
      if (e instanceof PluginError) throw e;
      if (e instanceof EngineFailure) throw fail(e.code, e.message);
      throw fail('ENGINE_ERROR', (e as Error).message);
    }

    const { header } = reply;
    if (header.status === 'error') {
      const reason = classify(header);
      const detail = header.error ? `${header.error.name}: ${header.error.message}` : undefined;
      throw fail(reason, detail, header.logs);
    }
    let output: unknown;
    try {
      output = unpackValue(reply.value ?? 'null', reply.buffers);
    } catch (e) {
      throw fail('OUTPUT_UNSERIALIZABLE', (e as Error).message, header.logs);
    }
    output = this.checkOutput(manifest, iface, runtime, input, output, header.logs);
    return { output, logs: header.logs, plugin: manifest.id, version: manifest.version, runtime, durationMs: performance.now() - started };
  }

  /** Validates the input; math and KPI channels given at their own rates go on one time base. */
  private prepareInput(manifest: PluginManifest, iface: InterfaceName, raw: unknown): unknown {
    let input = coerceChannelArrays(iface, raw);
    if ((iface === 'math' || iface === 'kpiProcessor') && input && typeof input === 'object' && 'channels' in input) {
      const r = input as { channels: Record<string, Float64Array | RatedChannel>; rateHz?: number };
      const meta = iface === 'math' ? manifest.meta.math : manifest.meta.kpiProcessor;
      const wanted = meta?.inputs.map((i) => i.name) ?? [];
      const missing = wanted.filter((n) => !(n in (r.channels ?? {})));
      if (missing.length) throw new RaceError('BAD_ARGS', `plugin ${manifest.id} needs the channel${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
      // The plugin sees the channels it declared, and only those.
      const names = wanted.length ? wanted : Object.keys(r.channels ?? {});
      const rated = names.some((n) => !(r.channels[n] instanceof Float64Array));
      if (rated) {
        const chosen: Record<string, RatedChannel> = {};
        for (const name of names) {
          const c = r.channels[name]!;
          if (c instanceof Float64Array) {
            if (!(typeof r.rateHz === 'number' && r.rateHz > 0)) throw new RaceError('BAD_ARGS', `channel ${name} is a bare array: give its rate as { rateHz, samples } or a top-level rateHz`);
            chosen[name] = { rateHz: r.rateHz, samples: c };
          } else chosen[name] = c;
        }
        const common = toCommonTimeBase(chosen, meta?.rateHz);
        input = { ...(input as object), rateHz: common.rateHz, channels: common.channels };
      } else if (wanted.length) {
        const only: Record<string, Float64Array> = {};
        for (const n of names) only[n] = r.channels[n] as Float64Array;
        input = { ...(input as object), channels: only };
      }
    }
    // Declared parameters the caller left out get their manifest defaults (math, uiCell).
    if ((iface === 'math' || iface === 'uiCell') && input && typeof input === 'object') {
      const specs = iface === 'math' ? manifest.meta.math?.params : manifest.meta.uiCell?.params;
      const defaults: Record<string, unknown> = {};
      for (const p of specs ?? []) defaults[p.name] = p.default;
      input = { ...(input as object), params: { ...defaults, ...((input as { params?: object }).params ?? {}) } };
    }
    const parsed = INTERFACE_SCHEMAS[iface].input.safeParse(input);
    if (!parsed.success) throw new RaceError('BAD_ARGS', `${iface} input: ${describeIssues(parsed.error.issues).text}`);
    return input;
  }

  private checkOutput(manifest: PluginManifest, iface: InterfaceName, runtime: RuntimeKind, input: unknown, output: unknown, logs: string[]): unknown {
    const parsed = INTERFACE_SCHEMAS[iface].output.safeParse(output);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new PluginOutputError(manifest.id, iface, runtime, issue.path.map(String).join('.'), issue.message, logs);
    }
    if (iface === 'math') {
      const channels = output as Record<string, Float64Array>;
      const declared = manifest.meta.math?.outputs.map((o) => o.name) ?? [];
      for (const name of Object.keys(channels)) {
        if (!declared.includes(name)) throw new PluginOutputError(manifest.id, iface, runtime, name, `not a declared output (declared: ${declared.join(', ')})`, logs);
      }
      for (const name of declared) if (!(name in channels)) throw new PluginOutputError(manifest.id, iface, runtime, name, 'declared output missing', logs);
      const length = Object.values((input as { channels: Record<string, Float64Array> }).channels)[0]?.length ?? 0;
      for (const [name, ch] of Object.entries(channels)) {
        if (ch.length !== length) throw new PluginOutputError(manifest.id, iface, runtime, name, `${ch.length} samples, expected ${length} (one per input sample)`, logs);
      }
    }
    return output;
  }

  /** Forget an account's warm instances of a plugin (after reinstall or removal there). */
  forget(hash: string, accountId: string): void {
    this.pool.forgetBundle(hash, accountId);
  }

  close(): void {
    this.pool.clear();
    for (const rt of Object.values(this.runtimes)) rt?.close?.();
  }
}
