// V8 isolates (isolated-vm) — the server's runtime. Node's own V8, in a separate heap
// with a memory limit, a timeout on every entry, and no host object inside: the guest
// gets two host functions (hostCall, settle) through the prelude and nothing else — never
// the ivm module. Entries are synchronous (applySync), so a host call costs ~2 µs instead
// of a thread hop. Compiled bundles are cached per content hash (V8 code cache).
import { createRequire } from 'node:module';
import type IvmModule from 'isolated-vm';
import { quickJsLibmModule } from '../detmath/libm.ts';
import { GUEST_PRELUDE } from '../guest/prelude.ts';
import {
  EngineFailure,
  parseReply,
  wrapBundle,
  type BundleSource,
  type CallLimits,
  type EngineLimits,
  type GuestCall,
  type GuestReply,
  type HostBridge,
  type PluginInstance,
  type PluginRuntime,
} from './types.ts';
import { SettleWaits } from './settle.ts';
import type { InterfaceName } from '../../../src-shared/plugins/manifest.ts';

const nodeRequire = createRequire(import.meta.url);
// Loaded on first use: the Electron main process (another ABI) never needs it.
let ivmModule: typeof IvmModule | null = null;
function ivm(): typeof IvmModule {
  ivmModule ??= nodeRequire('isolated-vm') as typeof IvmModule;
  return ivmModule;
}

const codeCache = new Map<string, IvmModule.ExternalCopy<ArrayBuffer>>();
const CODE_CACHE_MAX = 256;

/** Out of memory while loading (ArrayBuffers past the budget): MEMORY_LIMIT, in the words QuickJS's runtime also matches. */
const OUT_OF_MEMORY = /out of memory|Array buffer allocation failed/i;
const outOfMemoryAtLoad = () => new EngineFailure('MEMORY_LIMIT', 'the plugin ran out of its memory budget while loading');

/** A reply as the prelude builds it: its text, or a list [text, ...ArrayBuffers]. */
function replyParts(reply: unknown): { text: string; buffers: ArrayBuffer[] } | null {
  if (typeof reply === 'string') return { text: reply, buffers: [] };
  if (!Array.isArray(reply) || reply.length < 2 || typeof reply[0] !== 'string') return null;
  for (let i = 1; i < reply.length; i++) if (!(reply[i] instanceof ArrayBuffer)) return null;
  return { text: reply[0], buffers: reply.slice(1) };
}

class V8Instance implements PluginInstance {
  readonly runtime = 'v8' as const;
  exported: InterfaceName[] = [];
  usable = true;
  private readonly isolate: IvmModule.Isolate;
  private readonly context: IvmModule.Context;
  private fns!: Record<'invoke' | 'take' | 'resolveOp' | 'load', IvmModule.Reference<(...a: unknown[]) => unknown>>;
  private host: HostBridge | null = null;
  private callId = -1;
  /** The context the guest holds (it parsed it from the last call that replied). */
  private sentContextJson: string | null = null;
  private deadline = Infinity;
  private readonly waits = new SettleWaits();

  constructor(limits: EngineLimits) {
    const I = ivm();
    this.isolate = new I.Isolate({ memoryLimit: Math.max(8, limits.memoryMb) });
    this.context = this.isolate.createContextSync();
  }

  private remaining(): number {
    const ms = Math.floor(this.deadline - performance.now());
    if (ms <= 0) {
      this.usable = false;
      throw new EngineFailure('TIMEOUT', 'the plugin ran past its time limit');
    }
    return Math.min(ms, 2 ** 31 - 1);
  }

  private guard<T>(run: () => T): T {
    try {
      return run();
    } catch (e) {
      if (e instanceof EngineFailure) throw e;
      this.usable = false;
      throw this.limitHit(e) ?? new EngineFailure('ENGINE_ERROR', (e as Error)?.message ?? String(e));
    }
  }

  /**
   * TIMEOUT or MEMORY_LIMIT if that is what ended an entry into the isolate. Decided from the
   * isolate's state, not from the error's words: a guest exception that escapes the prelude
   * (its protocol broken by the plugin) can say anything, "Script execution timed out." too.
   * isolated-vm disposes an isolate that hits its memory limit, and times out an entry only
   * at its deadline.
   */
  private limitHit(e: unknown): EngineFailure | null {
    const message = (e as Error)?.message ?? String(e);
    if (this.isolate.isDisposed) return new EngineFailure('MEMORY_LIMIT', 'the plugin ran out of its memory budget');
    if (/timed out/i.test(message) && performance.now() >= this.deadline - 5) return new EngineFailure('TIMEOUT', 'the plugin ran past its time limit');
    return null;
  }

  private reply(value: unknown): GuestReply {
    const parts = replyParts(value);
    if (!parts) {
      this.usable = false;
      throw new EngineFailure('ENGINE_ERROR', 'the guest returned a malformed reply');
    }
    return parseReply(parts.text, parts.buffers);
  }

  boot(bundle: BundleSource): void {
    const I = ivm();
    const jail = this.context.global;
    jail.setSync('__raceHostCall', new I.Callback((op: string, payload: string) => this.onHostCall(op, payload)));
    jail.setSync('__raceSettle', new I.Callback((id: number) => this.waits.settle(id)));
    const libm = quickJsLibmModule();
    jail.setSync('__raceLibm', new I.ExternalCopy(libm.slice().buffer).copyInto({ release: true }));
    this.context.evalSync(
      "globalThis.__raceBoot = { engine: 'v8', hostCall: __raceHostCall, settle: __raceSettle, libm: __raceLibm };" +
        'delete globalThis.__raceHostCall; delete globalThis.__raceSettle; delete globalThis.__raceLibm;',
    );
    const control = this.isolate.compileScriptSync(GUEST_PRELUDE, { filename: 'race:prelude' }).runSync(this.context, { reference: true, timeout: this.remaining() });
    this.fns = {
      invoke: control.getSync('invoke', { reference: true }),
      take: control.getSync('take', { reference: true }),
      resolveOp: control.getSync('resolveOp', { reference: true }),
      load: control.getSync('load', { reference: true }),
    } as never;
    control.release();

    const cachedData = codeCache.get(bundle.hash);
    const script = this.isolate.compileScriptSync(wrapBundle(bundle.code), {
      filename: `plugin:${bundle.pluginId}`,
      ...(cachedData ? { cachedData } : { produceCachedData: true }),
    }) as IvmModule.Script & { cachedData?: IvmModule.ExternalCopy<ArrayBuffer> };
    if (!cachedData && script.cachedData) {
      if (codeCache.size >= CODE_CACHE_MAX) codeCache.delete(codeCache.keys().next().value!);
      codeCache.set(bundle.hash, script.cachedData);
    }
    let factory: IvmModule.Reference;
    try {
      factory = script.runSync(this.context, { reference: true, timeout: this.remaining() });
    } catch (e) {
      const hit = this.limitHit(e);
      if (hit) throw hit;
      if (OUT_OF_MEMORY.test((e as Error).message)) throw outOfMemoryAtLoad();
      throw new Error(`the bundle does not evaluate: ${(e as Error).message}`);
    }
    let names: string;
    try {
      names = this.fns.load.applySync(undefined, [factory.derefInto()], { result: { copy: true }, timeout: this.remaining() }) as string;
    } catch (e) {
      const hit = this.limitHit(e);
      if (hit) throw hit;
      if (OUT_OF_MEMORY.test((e as Error).message)) throw outOfMemoryAtLoad();
      throw new Error(`the bundle threw while loading: ${(e as Error).message}`);
    } finally {
      factory.release();
    }
    this.exported = JSON.parse(names);
  }

  setDeadline(ms: number): void {
    this.deadline = ms;
  }

  private onHostCall(op: string, payload: string): string {
    if (!this.host) return JSON.stringify({ ok: false, error: 'no call in progress' });
    const callId = this.callId;
    // An async host operation (fetch) that finishes after its call has ended is dropped:
    // delivering it would run guest code outside any call, with no deadline.
    return this.host.call(op, payload, (opId, ok, json) => {
      if (this.callId === callId) this.complete(opId, ok, json);
    });
  }

  private complete(opId: number, ok: boolean, json: string): void {
    if (!this.usable) return;
    try {
      this.guard(() => this.fns.resolveOp.applySync(undefined, [opId, ok, json], { timeout: this.remaining() }));
    } catch (e) {
      this.waits.fail(this.callId, e as Error);
    }
  }

  async invoke(call: GuestCall, host: HostBridge, limits: CallLimits): Promise<GuestReply> {
    if (!this.usable) throw new EngineFailure('ENGINE_ERROR', 'instance is no longer usable');
    this.host = host;
    this.callId = call.callId;
    this.deadline = performance.now() + limits.timeMs;
    // Listen for the guest's settle() before entering: a call whose awaits are all on
    // synchronous host functions settles within the entry (microtasks run before it returns).
    const wait = this.waits.begin(call.callId);
    try {
      // The guest keeps the last context it was sent: an unchanged one is not sent again.
      const contextJson = call.contextJson === this.sentContextJson ? undefined : call.contextJson;
      // Strings and numbers cross as they are; each buffer is copied in, or — when the call
      // owns it — moved in without a copy (and detached here).
      const I = ivm();
      const buffers = call.buffers.map((b) => (call.ownsBuffers ? new I.ExternalCopy(b, { transferOut: true }).copyInto({ release: true, transferIn: true }) : new I.ExternalCopy(b).copyInto({ release: true })));
      const first = this.guard(() =>
        this.fns.invoke.applySync(undefined, [call.callId, call.iface, call.input, contextJson, call.now, call.seed, ...buffers], {
          result: { copy: true },
          timeout: this.remaining(),
        }),
      );
      let reply = this.reply(first);
      this.sentContextJson = call.contextJson;
      if ((reply.header.status as string) !== 'pending') return reply;
      await wait.until(this.deadline, () => {
        this.usable = false;
      });
      reply = this.reply(this.guard(() => this.fns.take.applySync(undefined, [call.callId], { result: { copy: true }, timeout: this.remaining() })));
      return reply;
    } finally {
      // The timer must not outlive the call: left running it would mark this (healthy,
      // warm) instance unusable timeMs later, failing the plugin's next call.
      wait.end();
      this.host = null;
      this.callId = -1;
      this.deadline = Infinity;
    }
  }

  retire(): void {
    this.usable = false;
  }

  dispose(): void {
    this.usable = false;
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}

export class V8Runtime implements PluginRuntime {
  readonly kind = 'v8' as const;

  async load(bundle: BundleSource, limits: EngineLimits, deadlineMs: number): Promise<PluginInstance> {
    const instance = new V8Instance(limits);
    instance.setDeadline(performance.now() + deadlineMs);
    try {
      instance.boot(bundle);
    } catch (e) {
      instance.dispose();
      throw e;
    } finally {
      instance.setDeadline(Infinity);
    }
    return instance;
  }
}
