// One interface, two engines. A PluginInstance is one plugin's bundle loaded into one
// engine context (QuickJS runtime or V8 isolate), kept warm between calls.
import type { InterfaceName } from '../../../src-shared/plugins/manifest.ts';

export type RuntimeKind = 'quickjs' | 'v8';
export const RUNTIME_KINDS: readonly RuntimeKind[] = ['quickjs', 'v8'];

export interface EngineLimits {
  /** Heap a plugin may use, in MiB (QuickJS: its own wasm memory; V8: the isolate heap). */
  memoryMb: number;
}

export interface CallLimits {
  /** Wall-clock budget of one call, host waits (fetch) included. */
  timeMs: number;
  logLines: number;
  logBytes: number;
}

/** What crosses into the guest for one call. */
export interface GuestCall {
  callId: number;
  iface: InterfaceName;
  /** The input packed (transport.ts): JSON, and the places of its typed arrays, which are `buffers`. */
  input: string;
  buffers: ArrayBuffer[];
  /** The buffers are the engine's to keep (fresh copies): it may move them in, detaching them, instead of copying. */
  ownsBuffers?: boolean;
  /** Capabilities and log limits (JSON): the same from call to call, so sent and parsed only when it changes. */
  contextJson: string;
  /** The clock the plugin sees, ms since the epoch. */
  now: number;
  /** Math.random's seed for this call. */
  seed: number;
}

export interface GuestReplyHeader {
  status: 'done' | 'error';
  code?: string;
  error?: { name: string; message: string };
  logs: string[];
}

export interface GuestReply {
  header: GuestReplyHeader;
  /** The value packed (transport.ts), its typed arrays' bytes in `buffers`; null in an error reply. */
  value: string | null;
  buffers: ArrayBuffer[];
}

/**
 * The host side of a call. `call` answers the guest's synchronous host calls (storage) and
 * starts asynchronous ones (fetch), finishing them later through `complete`.
 */
export interface HostBridge {
  call(op: string, payloadJson: string, complete: (opId: number, ok: boolean, payloadJson: string) => void): string;
  /** What another process needs to rebuild this bridge (the out-of-process V8 runtime). */
  describe?(): HostBridgeDescriptor;
  /** The fetch the bridge uses; the out-of-process runtime performs fetches through it. */
  fetchImpl?: typeof fetch;
}

export interface StorageDescriptor {
  dbPath: string;
  accountId: string;
  pluginId: string;
  quota: { maxKeys: number; maxKeyLength: number; maxValueBytes: number; maxTotalBytes: number };
  /** The run of a job whose writes these are (held until the job completes), or null. */
  run: { jobId: number; attempt: number } | null;
}

export interface HostBridgeDescriptor {
  capabilities: ('fetch' | 'storage')[];
  storage: StorageDescriptor | null;
  fetchHosts: string[];
  fetchLimits: { timeoutMs: number; maxResponseBytes: number; maxRequestBytes: number; maxRequestsPerCall: number };
}

/** Failures of the engine rather than of the plugin's code; the instance is discarded. */
export class EngineFailure extends Error {
  readonly code: 'TIMEOUT' | 'MEMORY_LIMIT' | 'ENGINE_ERROR';
  constructor(code: 'TIMEOUT' | 'MEMORY_LIMIT' | 'ENGINE_ERROR', message: string) {
    super(message);
    this.code = code;
    this.name = 'EngineFailure';
  }
}

export interface PluginInstance {
  readonly runtime: RuntimeKind;
  /** Interfaces module.exports provides. */
  readonly exported: readonly InterfaceName[];
  /** False after an engine failure: a broken instance is disposed, never reused. */
  readonly usable: boolean;
  invoke(call: GuestCall, host: HostBridge, limits: CallLimits): Promise<GuestReply>;
  /** Never reuse this instance (its state may be damaged, e.g. after running out of memory). */
  retire(): void;
  dispose(): void;
}

export interface BundleSource {
  /** Content hash of the bundle: the cache key for compiled code. */
  hash: string;
  code: string;
  /** For error messages. */
  pluginId: string;
}

export interface PluginRuntime {
  readonly kind: RuntimeKind;
  load(bundle: BundleSource, limits: EngineLimits, deadlineMs: number): Promise<PluginInstance>;
  /** Releases what the runtime holds beyond its instances (a child process). */
  close?(): void;
}

/** The CommonJS wrapper both engines evaluate the bundle in. */
export function wrapBundle(code: string): string {
  return `(function (module, exports, require) {\n${code}\n})`;
}

/**
 * A reply as the prelude gives it: its text — the header's JSON, then for a value a newline
 * and the value packed — and the ArrayBuffers of the value's typed arrays.
 */
export function parseReply(text: string, buffers: ArrayBuffer[]): GuestReply {
  const newline = text.indexOf('\n');
  return {
    header: JSON.parse(newline < 0 ? text : text.slice(0, newline)) as GuestReplyHeader,
    value: newline < 0 ? null : text.slice(newline + 1),
    buffers,
  };
}
