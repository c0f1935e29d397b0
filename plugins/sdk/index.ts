// The Race plugin SDK: the types a plugin author writes against. A plugin is a module
// whose exports are the interfaces it implements:
//
//   import type { MathHandler } from '../sdk/index.ts';
//   export const math: MathHandler = ({ channels, params }, host) => ({ out: … });
//
// Built by `npx race plugins build <dir>` into one CommonJS bundle that runs unchanged in
// QuickJS (the desktop app, offline) and in V8 isolates (the server) with identical results.
import type { Cell } from '../../src-shared/plugins/interfaces.ts';

export type { Cell } from '../../src-shared/plugins/interfaces.ts';
export type { PluginManifestInput as PluginManifest, InterfaceName, CapabilityName } from '../../src-shared/plugins/manifest.ts';

export interface FetchRequest {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  headers?: Record<string, string>;
  body?: string;
}

export interface FetchResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface PluginStorageApi {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
  list(prefix?: string): Promise<string[]>;
  delete(key: string): Promise<boolean>;
}

/** Built per call from the capabilities the plugin declared AND the account granted. */
export interface PluginHost {
  /** Lines are returned with the result (bounded); formatting is the same in every engine. */
  log(...args: unknown[]): void;
  hasCapability(name: string): boolean;
  /** Present only when `fetch` is declared and granted; only the manifest's hosts are reachable. */
  fetch?(req: FetchRequest | string): Promise<FetchResponse>;
  /** Present only when `storage` is declared and granted; private to this plugin and account. */
  storage?: PluginStorageApi;
}

type Awaitable<T> = T | Promise<T>;
export type Params = Record<string, number | boolean | string>;
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface MathInput {
  /** All channels share this one time base: sample i is at i / rateHz seconds. */
  rateHz: number;
  channels: Record<string, Float64Array>;
  params: Params;
}
/** Output channels: the same length as the inputs. */
export type MathOutput = Record<string, Float64Array>;
export type MathHandler = (input: MathInput, host: PluginHost) => Awaitable<MathOutput>;

export interface Kpi {
  name: string;
  value: number;
  unit: string;
  better: 'higher' | 'lower' | 'none';
}
export interface KpiInput {
  lap: { number: number; timeMs: number };
  rateHz: number;
  channels: Record<string, Float64Array>;
  meta: Record<string, JsonValue>;
}
export type KpiHandler = (input: KpiInput, host: PluginHost) => Awaitable<Kpi[]>;

export interface RunPlanInput {
  session: { id: string; venue?: string | null };
  laps: { timeMs: number; fuelUsed?: number }[];
  target: { stintMinutes?: number; laps?: number; fuelPerLap?: number; tankLitres?: number };
}
export interface RunPlanOutput {
  steps: { label: string; laps: number; fuelLitres: number; notes: string }[];
  summary: string;
}
export type RunPlanHandler = (input: RunPlanInput, host: PluginHost) => Awaitable<RunPlanOutput>;

export interface UiCellInput {
  kpis: Kpi[];
  lap: { number: number; timeMs: number } | null;
  params: Params;
}
export type UiCellHandler = (input: UiCellInput, host: PluginHost) => Awaitable<Cell>;

export interface TransformChannel {
  unit: string;
  rateHz: number;
  samples: Float64Array;
}
export interface TransformInput {
  channels: Record<string, TransformChannel>;
  rateHz: number;
  meta: Record<string, JsonValue>;
}
export interface TransformOutput {
  channels: Record<string, TransformChannel>;
  meta: Record<string, JsonValue>;
}
export type TransformHandler = (input: TransformInput, host: PluginHost) => Awaitable<TransformOutput>;

export interface LiveHookInput {
  frame: { t: number; values: Record<string, number> };
  /** Whatever the previous call returned as state (null on the first frame). */
  state: JsonValue;
}
export interface LiveHookOutput {
  state: JsonValue;
  events: { level: 'info' | 'warn' | 'alert'; message: string }[];
  values?: Record<string, number>;
}
export type LiveHookHandler = (input: LiveHookInput, host: PluginHost) => Awaitable<LiveHookOutput>;
