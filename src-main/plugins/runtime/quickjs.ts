// QuickJS (quickjs-emscripten) — the desktop app's offline runtime.
//
// Each plugin instance gets its own WebAssembly instance of QuickJS with its own
// WebAssembly.Memory whose `maximum` is the plugin's memory budget: the wasm engine itself
// refuses to grow past it, so the bound holds (QuickJS's setMemoryLimit alone does not in
// this build), and disposing the instance gives all of its memory back (a shared heap
// never shrinks). Stack is capped at 256 KiB (a deeper native stack overflows into the
// host), and every entry into the guest runs under an interrupt deadline.
import { readFileSync } from 'node:fs';
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime } from 'quickjs-emscripten';
import RELEASE_SYNC from '@jitl/quickjs-wasmfile-release-sync';
import { quickJsWasmPath } from '../detmath/quickjs-wasm.ts';
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

const PAGE = 65536;
/** Emscripten's initial heap for this build (INITIAL_MEMORY, 16 MiB). */
const INITIAL_PAGES = 256;
const STACK_BYTES = 256 * 1024;

/** The host's stack ran out inside the wasm (see enter()). */
class HostStackOverflow extends Error {}

/** What V8 reports for the same overflow; the service classifies it as STACK_OVERFLOW. */
function stackOverflowReply(): GuestReply {
  return { header: { status: 'error', code: 'PLUGIN_THREW', error: { name: 'RangeError', message: 'Maximum call stack size exceeded' }, logs: [] }, value: null, buffers: [] };
}

/** The prelude replies with its text or [text, ...ArrayBuffers]; anything else means the plugin broke it. */
const malformedReply = () => new EngineFailure('ENGINE_ERROR', 'the guest returned a malformed reply');

let compiled: WebAssembly.Module | null = null;
function quickJsModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(quickJsWasmPath()));
  return compiled;
}

class QuickJsInstance implements PluginInstance {
  readonly runtime = 'quickjs' as const;
  exported: InterfaceName[] = [];
  usable = true;
  private readonly rt: QuickJSRuntime;
  private readonly ctx: QuickJSContext;
  private readonly fns: Record<'invoke' | 'take' | 'resolveOp' | 'load', QuickJSHandle>;
  private deadline = Infinity;
  private interrupted = false;
  private host: HostBridge | null = null;
  private callId = -1;
  /** The context the guest holds (it parsed it from the last call that replied). */
  private sentContextJson: string | null = null;
  private readonly waits = new SettleWaits();
  /**
   * Set when the wasm memory refused to grow (the plugin hit its budget). QuickJS reports
   * running out in several ways — `InternalError: out of memory`, or, when even that error
   * cannot be allocated, a bare `null` thrown at the plugin — so a failed call during which
   * the memory refused to grow is reported as MEMORY_LIMIT, as V8 reports its heap limit.
   */
  memoryRefused = false;
  /** Left in the middle of a call by a host exception: its runtime cannot be freed. */
  private abandoned = false;

  constructor(rt: QuickJSRuntime) {
    this.rt = rt;
    this.ctx = rt.newContext();
    const ctx = this.ctx;
    rt.setMaxStackSize(STACK_BYTES);
    rt.setInterruptHandler(() => {
      if (performance.now() > this.deadline) this.interrupted = true;
      return this.interrupted;
    });

    const boot = ctx.newObject();
    ctx.newString('quickjs').consume((h) => ctx.setProp(boot, 'engine', h));
    ctx
      .newFunction('hostCall', (opH, payloadH) => {
        const op = ctx.getString(opH);
        const payload = ctx.getString(payloadH);
        const reply = this.onHostCall(op, payload);
        return ctx.newString(reply);
      })
      .consume((h) => ctx.setProp(boot, 'hostCall', h));
    ctx
      .newFunction('settle', (idH) => {
        const id = ctx.getNumber(idH);
        this.waits.settle(id);
      })
      .consume((h) => ctx.setProp(boot, 'settle', h));
    ctx.setProp(ctx.global, '__raceBoot', boot);
    boot.dispose();

    const control = this.enter(() => ctx.evalCode(GUEST_PRELUDE, 'race:prelude'));
    this.fns = {
      invoke: ctx.getProp(control, 'invoke'),
      take: ctx.getProp(control, 'take'),
      resolveOp: ctx.getProp(control, 'resolveOp'),
      load: ctx.getProp(control, 'load'),
    };
    control.dispose();
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

  /** Runs guest code under the deadline, then its promise jobs; returns the result handle. */
  private enter(run: () => { error?: QuickJSHandle; value?: QuickJSHandle } & object): QuickJSHandle {
    let result;
    try {
      result = run() as { error?: QuickJSHandle; value?: QuickJSHandle };
    } catch (e) {
      this.usable = false;
      this.abandoned = true;
      // QuickJS checks its own stack (setMaxStackSize) against the wasm shadow stack, but
      // native recursion that keeps little on that stack (JSON.stringify or join of a deeply
      // nested array) can exhaust the host's stack first: the RangeError then comes out of
      // the wasm. The runtime is left mid-call and is discarded; the plugin is told what V8
      // tells it in the same case.
      if (e instanceof RangeError && /Maximum call stack size exceeded/.test(e.message)) throw new HostStackOverflow();
      throw new EngineFailure('ENGINE_ERROR', `QuickJS failed: ${(e as Error).message}`);
    }
    if (result.error) {
      const err = this.ctx.dump(result.error);
      result.error.dispose();
      this.checkInterrupt();
      this.usable = false;
      throw new EngineFailure('ENGINE_ERROR', `guest code failed outside the plugin: ${JSON.stringify(err)}`);
    }
    try {
      this.drainJobs();
    } catch (e) {
      result.value?.dispose(); // a leaked handle would make the runtime impossible to free
      throw e;
    }
    return result.value!;
  }

  private drainJobs(): void {
    // (asked first: most entries leave no job, and running none still costs a round of calls)
    while (this.rt.hasPendingJob()) {
      const jobs = this.rt.executePendingJobs(-1);
      if (jobs.error) {
        jobs.error.dispose();
        break;
      }
    }
    this.checkInterrupt();
  }

  private checkInterrupt(): void {
    if (this.interrupted) {
      this.usable = false;
      throw new EngineFailure('TIMEOUT', 'the plugin ran past its time limit');
    }
  }

  /** Reads (and disposes) a reply: its text, or a list [text, ...ArrayBuffers] (see parseReply). */
  private readReply(handle: QuickJSHandle): GuestReply {
    const ctx = this.ctx;
    try {
      const type = ctx.typeof(handle);
      if (type === 'string') return parseReply(ctx.getString(handle), []);
      if (type !== 'object') throw malformedReply();
      // (not ctx.getLength: its result view goes stale once the wasm memory has grown)
      const length = ctx.getProp(handle, 'length').consume((h) => ctx.getNumber(h));
      if (!(length >= 2)) throw malformedReply();
      const text = ctx.getProp(handle, 0).consume((h) => (ctx.typeof(h) === 'string' ? ctx.getString(h) : null));
      if (text === null) throw malformedReply();
      const buffers: ArrayBuffer[] = [];
      for (let i = 1; i < length; i++) {
        ctx.getProp(handle, i).consume((h) => {
          let view;
          try {
            view = ctx.getArrayBuffer(h);
          } catch {
            throw malformedReply(); // not an ArrayBuffer
          }
          buffers.push(view.value.slice().buffer); // copy out of wasm memory before it can move
          view.dispose();
        });
      }
      return parseReply(text, buffers);
    } catch (e) {
      if (e instanceof EngineFailure) this.usable = false;
      throw e;
    } finally {
      handle.dispose();
    }
  }

  /** A host exception out of the wasm (see enter()) leaves the runtime mid-call. */
  private hostGuard<T>(run: () => T): T {
    try {
      return run();
    } catch (e) {
      this.abandoned = true;
      throw e;
    }
  }

  load(code: string, pluginId: string): void {
    const ctx = this.ctx;
    let factory: QuickJSHandle;
    const evaluated = this.hostGuard(() => ctx.evalCode(wrapBundle(code), `plugin:${pluginId}`));
    if (evaluated.error) {
      const err = ctx.dump(evaluated.error);
      evaluated.error.dispose();
      this.checkInterrupt();
      throw new Error(`the bundle does not evaluate: ${err?.name ?? 'Error'}: ${err?.message ?? String(err)}`);
    }
    factory = evaluated.value;
    const loaded = this.hostGuard(() => ctx.callFunction(this.fns.load, ctx.undefined, factory));
    factory.dispose();
    if (loaded.error) {
      const err = ctx.dump(loaded.error);
      loaded.error.dispose();
      this.checkInterrupt();
      throw new Error(`the bundle threw while loading: ${err?.name ?? 'Error'}: ${err?.message ?? String(err)}`);
    }
    this.drainJobs();
    this.exported = JSON.parse(ctx.getString(loaded.value));
    loaded.value.dispose();
  }

  setDeadline(ms: number): void {
    this.deadline = ms;
    this.interrupted = false;
  }

  private complete(opId: number, ok: boolean, json: string): void {
    if (!this.usable) return;
    const ctx = this.ctx;
    try {
      const args = [ctx.newNumber(opId), ok ? ctx.true : ctx.false, ctx.newString(json)];
      const r = this.enter(() => ctx.callFunction(this.fns.resolveOp, ctx.undefined, ...args));
      r.dispose();
      args[0]!.dispose();
      args[2]!.dispose();
    } catch (e) {
      this.waits.fail(this.callId, e as Error);
    }
  }


  async invoke(call: GuestCall, host: HostBridge, limits: CallLimits): Promise<GuestReply> {
    if (!this.usable) throw new EngineFailure('ENGINE_ERROR', 'instance is no longer usable');
    const ctx = this.ctx;
    this.host = host;
    this.callId = call.callId;
    this.memoryRefused = false;
    this.setDeadline(performance.now() + limits.timeMs);
    // Listen for the guest's settle() before entering: a call whose awaits are all on
    // synchronous host functions settles while the entry's promise jobs run.
    const wait = this.waits.begin(call.callId);
    try {
      // The guest keeps the last context it was sent: an unchanged one is not sent again.
      const contextJson = call.contextJson === this.sentContextJson ? ctx.undefined : ctx.newString(call.contextJson);
      const args = [ctx.newNumber(call.callId), ctx.newString(call.iface), ctx.newString(call.input), contextJson, ctx.newNumber(call.now), ctx.newNumber(call.seed)];
      for (const b of call.buffers) args.push(ctx.newArrayBuffer(b));
      let replyHandle: QuickJSHandle;
      try {
        replyHandle = this.enter(() => ctx.callFunction(this.fns.invoke, ctx.undefined, args));
      } finally {
        for (const a of args) if (a !== ctx.undefined) a.dispose();
      }
      let reply = this.readReply(replyHandle);
      this.sentContextJson = call.contextJson;
      if ((reply.header.status as string) === 'pending') {
        // An async call: wait until the guest settles it, or the deadline passes.
        await wait.until(this.deadline, () => {
          this.usable = false;
        });
        const idH = ctx.newNumber(call.callId);
        try {
          reply = this.readReply(this.enter(() => ctx.callFunction(this.fns.take, ctx.undefined, idH)));
        } finally {
          idH.dispose();
        }
      }
      if (reply.header.status === 'error' && this.memoryRefused) {
        this.usable = false;
        throw new EngineFailure('MEMORY_LIMIT', 'the plugin ran out of its memory budget');
      }
      return reply;
    } catch (e) {
      if (e instanceof HostStackOverflow) return stackOverflowReply();
      if (this.memoryRefused && !(e instanceof EngineFailure && e.code === 'TIMEOUT')) {
        // e.g. the prelude itself could not allocate its reply
        this.usable = false;
        throw new EngineFailure('MEMORY_LIMIT', 'the plugin ran out of its memory budget');
      }
      throw e;
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
    // Freeing a runtime abandoned mid-call only trips QuickJS's leak assertion (an abort
    // message on stderr); its wasm instance and memory go with this object either way.
    if (this.abandoned) return;
    try {
      for (const h of Object.values(this.fns ?? {})) if (h.alive) h.dispose();
      this.ctx.dispose();
      this.rt.dispose();
    } catch {
      // A runtime that overflowed its native stack cannot be freed; its whole wasm
      // instance (and memory) is dropped with this object instead.
    }
  }
}

export class QuickJsRuntime implements PluginRuntime {
  readonly kind = 'quickjs' as const;

  async load(bundle: BundleSource, limits: EngineLimits, deadlineMs: number): Promise<PluginInstance> {
    const maxPages = INITIAL_PAGES + Math.ceil((limits.memoryMb * 1024 * 1024) / PAGE);
    const wasmMemory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: maxPages });
    let instance: QuickJsInstance | null = null;
    // Emscripten grows the heap with `wasmMemory.grow(pages)` and treats a throw as "no more
    // memory": note it, so that the failure the plugin then sees is reported as MEMORY_LIMIT.
    const grow = wasmMemory.grow.bind(wasmMemory);
    wasmMemory.grow = (delta: number) => {
      try {
        return grow(delta);
      } catch (e) {
        if (instance) instance.memoryRefused = true;
        throw e;
      }
    };
    const variant = newVariant(RELEASE_SYNC, { wasmModule: quickJsModule(), wasmMemory });
    const QuickJS = await newQuickJSWASMModuleFromVariant(variant);
    const rt = QuickJS.newRuntime();
    rt.setMemoryLimit(limits.memoryMb * 1024 * 1024);
    instance = new QuickJsInstance(rt);
    instance.setDeadline(performance.now() + deadlineMs);
    try {
      instance.load(bundle.code, bundle.pluginId);
    } catch (e) {
      instance.dispose();
      // Out of memory while loading: MEMORY_LIMIT, as V8 reports it (not "could not be loaded").
      if (!(e instanceof EngineFailure) && (instance.memoryRefused || /out of memory|Array buffer allocation failed/i.test((e as Error).message))) {
        throw new EngineFailure('MEMORY_LIMIT', 'the plugin ran out of its memory budget while loading');
      }
      throw e;
    } finally {
      instance.setDeadline(Infinity);
    }
    return instance;
  }
}
