// The server's V8 runtime, supervised: isolates run in a child process (v8-child.ts), so
// a plugin that takes V8 down takes down only that process. Every call also has a hard
// deadline here — the call's own limit plus a grace period — after which the child is
// killed: an isolate stuck in a native operation cannot outlive its budget. A dead child
// fails its calls in flight (MEMORY_LIMIT after a V8 abort) and is replaced on next use.
// Messages are JSON; buffers travel as shared-file.ts describes.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { InterfaceName } from '../../../src-shared/plugins/manifest.ts';
import { packBuffers, SHARED_MIN_BYTES, SharedFile, unpackBuffers, type WireBuffer } from './shared-file.ts';
import {
  EngineFailure,
  type BundleSource,
  type CallLimits,
  type EngineLimits,
  type GuestCall,
  type GuestReply,
  type HostBridge,
  type PluginInstance,
  type PluginRuntime,
} from './types.ts';

const CHILD = fileURLToPath(new URL('./v8-child.ts', import.meta.url));
/** Beyond a call's own time limit, before the process is killed. */
const GRACE_MS = 1500;

interface Pending {
  /** Runs on the reply as it arrives (before anything else can happen to the process). */
  decode?: (value: any) => unknown;
  resolve: (value: any) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  fetchImpl?: typeof fetch;
  fetchTimeoutMs?: number;
}

class Child {
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  dead = false;
  private nextReq = 1;
  private readonly pending = new Map<number, Pending>();
  readonly instances = new Set<ProcessInstance>();
  /** Large buffers travel through this file (shared-file.ts); null where it cannot be made. */
  readonly shared: SharedFile | null;
  private stderrTail = '';

  constructor() {
    let shared: SharedFile | null = null;
    try {
      shared = new SharedFile();
    } catch {
      // no shared file: every buffer travels in its message
    }
    this.shared = shared;
    // the child finds the shared file as its fd 4
    this.proc = fork(CHILD, shared ? ['--shared-fd', '4'] : [], {
      execArgv: ['--no-node-snapshot'],
      serialization: 'json', // buffers: see shared-file.ts
      stdio: ['ignore', 'ignore', 'pipe', 'ipc', ...(shared ? [shared.fd] : [])],
    });
    shared?.unlink();
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4000);
    });
    this.ready = new Promise((resolve, reject) => {
      this.proc.once('message', () => resolve());
      this.proc.once('error', reject);
      this.proc.once('exit', () => reject(new EngineFailure('ENGINE_ERROR', `the V8 plugin process did not start: ${this.stderrTail.trim().split('\n').pop() ?? ''}`)));
    });
    this.proc.on('message', (msg: any) => this.onMessage(msg));
    this.proc.on('exit', (code, signal) => this.onExit(code, signal));
    this.idle();
  }

  /** The IPC channel keeps the parent alive only while calls are in flight. */
  private idle(): void {
    if (this.pending.size === 0) {
      this.proc.unref();
      (this.proc as unknown as { channel?: { unref(): void } }).channel?.unref();
    }
  }

  private busy(): void {
    this.proc.ref();
    (this.proc as unknown as { channel?: { ref(): void } }).channel?.ref();
  }

  request<T>(msg: Record<string, unknown>, hardDeadlineMs: number, options: { fetchImpl?: typeof fetch; fetchTimeoutMs?: number; decode?: (value: any) => T } = {}): Promise<T> {
    if (this.dead) return Promise.reject(new EngineFailure('ENGINE_ERROR', 'the V8 plugin process has exited'));
    const req = this.nextReq++;
    this.busy();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Stuck past every limit: only killing the process stops it.
        this.pending.delete(req);
        reject(new EngineFailure('TIMEOUT', 'the plugin ran past its time limit (its V8 process was restarted)'));
        this.kill();
      }, hardDeadlineMs);
      this.pending.set(req, { resolve, reject, timer, ...options });
      this.proc.send({ ...msg, req });
    }).finally(() => {
      const p = this.pending.get(req);
      if (p) clearTimeout(p.timer);
      this.pending.delete(req);
      this.idle();
    });
  }

  send(msg: Record<string, unknown>): void {
    if (!this.dead && this.proc.connected) this.proc.send(msg);
  }

  private onMessage(msg: any): void {
    if (msg.type === 'reply') {
      const p = this.pending.get(msg.req);
      if (!p) return;
      if (msg.ok) {
        try {
          p.resolve(p.decode ? p.decode(msg.value) : msg.value);
        } catch (e) {
          p.reject(new EngineFailure('ENGINE_ERROR', `unreadable reply from the V8 plugin process: ${(e as Error).message}`));
        }
      } else {
        const e = msg.error.engine ? new EngineFailure(msg.error.engine, msg.error.message) : new Error(msg.error.message);
        (e as Error & { usable?: boolean }).usable = msg.usable;
        p.reject(e);
      }
    } else if (msg.type === 'fetch') {
      void this.performFetch(msg);
    }
  }

  private async performFetch(msg: any): Promise<void> {
    const p = this.pending.get(msg.req);
    const doFetch = p?.fetchImpl ?? fetch;
    try {
      const res = await doFetch(msg.url, { method: msg.method, headers: msg.headers, body: msg.body ?? undefined, redirect: 'manual', signal: AbortSignal.timeout(p?.fetchTimeoutMs ?? 5000) });
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => (headers[k] = v));
      const body = await res.text();
      this.send({ type: 'fetchResult', fetchId: msg.fetchId, ok: true, status: res.status, headers, body });
    } catch (e) {
      const err = e as Error;
      this.send({ type: 'fetchResult', fetchId: msg.fetchId, ok: false, name: err.name, error: err.message, cause: (err.cause as Error | undefined)?.message });
    }
  }

  /** Kills the process now; everything it held is dead from this moment on. */
  kill(): void {
    if (this.dead) return;
    this.proc.kill('SIGKILL');
    this.fail(new EngineFailure('ENGINE_ERROR', 'the V8 plugin process was stopped'));
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.dead) return;
    const aborted = signal === 'SIGABRT' || code === 134 || /out of memory|heap limit/i.test(this.stderrTail);
    this.fail(
      aborted
        ? new EngineFailure('MEMORY_LIMIT', "the plugin exhausted V8's memory; its runtime process was restarted")
        : new EngineFailure('ENGINE_ERROR', `the V8 plugin process exited (${signal ?? `code ${code}`})`),
    );
  }

  private fail(failure: EngineFailure): void {
    this.dead = true;
    this.shared?.close();
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(failure);
    }
    this.pending.clear();
    for (const i of this.instances) i.usable = false;
  }
}

let nextInstance = 1;

function largeBytes(buffers: readonly ArrayBuffer[]): number {
  let n = 0;
  for (const b of buffers) if (b.byteLength >= SHARED_MIN_BYTES) n += b.byteLength;
  return n;
}

class ProcessInstance implements PluginInstance {
  readonly runtime = 'v8' as const;
  exported: InterfaceName[] = [];
  usable = true;
  readonly id = nextInstance++;
  private readonly child: Child;
  /** Bytes of large buffers in the last reply: room kept for the next one in the shared file. */
  private replyBytes = 0;

  constructor(child: Child) {
    this.child = child;
    child.instances.add(this);
  }

  async invoke(call: GuestCall, host: HostBridge, limits: CallLimits): Promise<GuestReply> {
    if (!this.usable || this.child.dead) throw new EngineFailure('ENGINE_ERROR', 'instance is no longer usable');
    if (!host.describe) throw new EngineFailure('ENGINE_ERROR', 'this host bridge cannot be described to the V8 process');
    const descriptor = host.describe();
    const { shared } = this.child;
    // One region of the shared file for this call: its large inputs, then its reply's.
    const want = Math.max(largeBytes(call.buffers), this.replyBytes);
    const region = shared && want > 0 ? shared.acquire(want) : null;
    try {
      const buffers = packBuffers(shared?.fd ?? null, region, call.buffers);
      const r = await this.child.request<{ reply: GuestReply; usable: boolean }>(
        { type: 'invoke', id: this.id, call: { ...call, buffers }, limits, host: descriptor, region },
        limits.timeMs + GRACE_MS,
        {
          fetchImpl: host.fetchImpl,
          fetchTimeoutMs: descriptor.fetchLimits.timeoutMs,
          decode: (value: { reply: Omit<GuestReply, 'buffers'> & { buffers: WireBuffer[] }; usable: boolean }) => ({
            reply: { ...value.reply, buffers: unpackBuffers(shared?.fd ?? null, value.reply.buffers) },
            usable: value.usable,
          }),
        },
      );
      this.replyBytes = largeBytes(r.reply.buffers);
      if (!r.usable) this.usable = false;
      return r.reply;
    } catch (e) {
      if ((e as { usable?: boolean }).usable === false || e instanceof EngineFailure) this.usable = false;
      throw e;
    } finally {
      if (region) shared!.release(region);
    }
  }

  retire(): void {
    this.usable = false;
    this.child.send({ type: 'retire', id: this.id });
  }

  dispose(): void {
    this.usable = false;
    this.child.instances.delete(this);
    this.child.send({ type: 'dispose', id: this.id });
  }
}

export class V8ProcessRuntime implements PluginRuntime {
  readonly kind = 'v8' as const;
  private child: Child | null = null;

  private async live(): Promise<Child> {
    if (!this.child || this.child.dead) this.child = new Child();
    await this.child.ready;
    return this.child;
  }

  async load(bundle: BundleSource, limits: EngineLimits, deadlineMs: number): Promise<PluginInstance> {
    const child = await this.live();
    const instance = new ProcessInstance(child);
    try {
      const { exported } = await child.request<{ exported: InterfaceName[] }>({ type: 'load', id: instance.id, bundle, limits, deadlineMs }, deadlineMs + GRACE_MS);
      instance.exported = exported;
      return instance;
    } catch (e) {
      instance.dispose();
      throw e;
    }
  }

  close(): void {
    this.child?.kill();
    this.child = null;
  }
}
