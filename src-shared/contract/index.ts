// The API between the renderer and the Node side, defined once. Every transport — Electron
// IPC (preload), HTTP (browser mode, tests) and the CLI — is generated from this table:
// method names, argument and result schemas, and a one-line summary for help texts.
//
// A method takes one argument object (or none) and returns one value, so the same call
// maps 1:1 onto an IPC invoke, an HTTP POST body and CLI flags.
import { z } from 'zod';
import { Account, ChannelSummary, GateArgs, Grant, ImportResult, InvokeOutcome, LapInfo, LapKpi, ModeState, PluginInfo, RuntimeKind, RuntimeMode, ServerSettings, SessionSummary, VersionInfo } from './model.ts';
import { CapabilityName, InterfaceName } from '../plugins/manifest.ts';
import type { Subscribe } from './events.ts';

export * from './model.ts';
export * from './events.ts';

interface MethodSpec<A extends z.ZodType, R extends z.ZodType> {
  summary: string;
  args: A;
  result: R;
}

function method<A extends z.ZodType, R extends z.ZodType>(spec: MethodSpec<A, R>): MethodSpec<A, R> {
  return spec;
}

const noArgs = z.strictObject({});

/** Names the import in 'import.progress' events (chosen by the caller, e.g. a random id). */
const progressId = z.string().min(1).max(100);

const UploadedFile = z.strictObject({
  fileName: z.string().min(1).max(255),
  // any Uint8Array (a Node Buffer too), whatever its buffer: the codec carries it as bytes
  bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected the file bytes (a Uint8Array)'),
});

export const contract = {
  'app.version': method({
    summary: 'Versions of Race, Node, Electron and the store schema',
    args: noArgs,
    result: VersionInfo,
  }),
  'runtime.getMode': method({
    summary: 'Where plugin calls go: offline (local QuickJS), online (server) or auto',
    args: noArgs,
    result: ModeState,
  }),
  'runtime.setMode': method({
    summary: 'Switch plugin calls between offline, online and auto',
    args: z.strictObject({ mode: RuntimeMode }),
    result: ModeState,
  }),
  'sessions.list': method({
    summary: 'Imported sessions, newest first',
    args: noArgs,
    result: z.array(SessionSummary),
  }),
  'sessions.import': method({
    summary: 'Import logger files (format detected from the content); one result per file',
    args: z.strictObject({ paths: z.array(z.string().min(1)).min(1).max(1000), gate: GateArgs.optional(), progressId: progressId.optional() }),
    result: z.array(ImportResult),
  }),
  'sessions.upload': method({
    summary: 'Import one logger file given as bytes (browser mode, drag and drop), with files beside it such as a .ldx',
    args: z.strictObject({
      ...UploadedFile.shape,
      /** Files that sit beside it on the logger's disk (MoTeC .ldx beacons for a .ld). */
      siblings: z.array(UploadedFile).max(8).optional(),
      gate: GateArgs.optional(),
      progressId: progressId.optional(),
    }),
    result: ImportResult,
  }),
  'sessions.delete': method({
    summary: 'Delete a session with its laps, channels, KPIs and original file',
    args: z.strictObject({ sessionId: z.string().min(1) }),
    result: z.object({ deleted: z.boolean() }),
  }),
  'sessions.laps': method({
    summary: 'Laps of a session: time, kind (lap/out/in/partial), delta to the best lap',
    args: z.strictObject({ sessionId: z.string().min(1) }),
    result: z.array(LapInfo),
  }),
  'sessions.kpis': method({
    summary: 'KPIs per lap, and how many KPI jobs are still pending',
    args: z.strictObject({ sessionId: z.string().min(1) }),
    result: z.object({ pending: z.number().int(), failed: z.array(z.object({ plugin: z.string(), error: z.string() })), kpis: z.array(LapKpi) }),
  }),
  'sessions.channels': method({
    summary: 'Channels of a session with units, rates and ranges',
    args: z.strictObject({ sessionId: z.string().min(1) }),
    result: z.array(ChannelSummary),
  }),
  'sessions.samples': method({
    summary: 'The samples of one channel, for the whole session or one lap',
    args: z.strictObject({ sessionId: z.string().min(1), channel: z.string().min(1), lap: z.number().int().optional() }),
    result: z.object({ name: z.string(), unit: z.string(), rateHz: z.number(), startS: z.number(), samples: z.instanceof(Float64Array) }),
  }),
  'sessions.math': method({
    summary: 'A math channel from a plugin over a session or one lap, computed on demand and cached',
    args: z.strictObject({
      sessionId: z.string().min(1),
      plugin: z.string().min(1),
      lap: z.number().int().optional(),
      params: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])).optional(),
    }),
    result: z.object({
      plugin: z.string(),
      version: z.string(),
      cached: z.boolean(),
      rateHz: z.number(),
      startS: z.number(),
      channels: z.array(z.object({ name: z.string(), unit: z.string(), samples: z.instanceof(Float64Array) })),
    }),
  }),
  'sessions.resplit': method({
    summary: 'Re-split a session with a start/finish gate; its KPI jobs are queued again',
    args: z.strictObject({ sessionId: z.string().min(1), gate: GateArgs }),
    result: z.array(LapInfo),
  }),
  'plugins.list': method({
    summary: 'Installed plugins with the capabilities they ask for and why',
    args: noArgs,
    result: z.array(PluginInfo),
  }),
  'plugins.install': method({
    summary: 'Install (or update) a built plugin folder',
    args: z.strictObject({ path: z.string().min(1) }),
    result: PluginInfo,
  }),
  'plugins.remove': method({
    summary: 'Uninstall a plugin (its grants and stored data stay until the account is deleted)',
    args: z.strictObject({ id: z.string().min(1) }),
    result: z.object({ removed: z.boolean() }),
  }),
  'plugins.invoke': method({
    summary: 'Run one interface of a plugin; runtime defaults to the current mode',
    args: z.strictObject({
      plugin: z.string().min(1),
      interface: InterfaceName,
      input: z.unknown(),
      runtime: RuntimeKind.optional(),
      accountId: z.string().min(1).optional(),
      /** The clock the plugin sees (ms since epoch) and Math.random's seed: pinned, a call replays exactly. */
      now: z.number().finite().optional(),
      seed: z.number().int().min(0).max(0xffffffff).optional(),
      /** The bundle (sha256) the caller means: another installed version is a CONFLICT, not a silent swap. */
      hash: z.string().regex(/^[0-9a-f]{64}$/, 'a bundle sha256 (64 hex digits)').optional(),
    }),
    result: InvokeOutcome,
  }),
  'grants.list': method({
    summary: 'Capabilities an account has granted to plugins',
    args: z.strictObject({ accountId: z.string().min(1).optional() }),
    result: z.array(Grant),
  }),
  'grants.grant': method({
    summary: 'Grant a plugin a capability it asks for (fetch, storage)',
    args: z.strictObject({ accountId: z.string().min(1).optional(), pluginId: z.string().min(1), capability: CapabilityName }),
    result: z.array(Grant),
  }),
  'grants.revoke': method({
    summary: 'Take a capability back from a plugin; effective on its next call',
    args: z.strictObject({ accountId: z.string().min(1).optional(), pluginId: z.string().min(1), capability: CapabilityName }),
    result: z.array(Grant),
  }),
  'accounts.list': method({
    summary: 'Local accounts (grants and plugin storage belong to an account)',
    args: noArgs,
    result: z.array(Account),
  }),
  'accounts.create': method({
    summary: 'Add a local account',
    args: z.strictObject({ name: z.string().trim().min(1).max(80) }),
    result: Account,
  }),
  'settings.getServer': method({
    summary: 'The Race server for online mode, and whether a sign-in token is set (never the token)',
    args: noArgs,
    result: ServerSettings,
  }),
  'settings.setServer': method({
    summary: 'Set the Race server URL (null: none) and optionally sign in with a token (null: sign out)',
    args: z.strictObject({
      url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).max(2000).nullable(), // any host: a LAN IP or localhost is a team server too
      token: z.string().min(1).max(4096).nullable().optional(),
    }),
    result: ServerSettings,
  }),
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type MethodArgs<M extends MethodName> = z.input<Contract[M]['args']>;
export type ParsedArgs<M extends MethodName> = z.output<Contract[M]['args']>;
export type MethodResult<M extends MethodName> = z.output<Contract[M]['result']>;

export const methodNames = Object.keys(contract) as MethodName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(contract, name);
}

// ---- The typed, namespaced API object: race.sessions.list(), race.runtime.setMode({ mode }) ----

type Namespace<M extends string> = M extends `${infer N}.${string}` ? N : never;
type Member<M extends string, N extends string> = M extends `${N}.${infer F}` ? F : never;

/** Methods whose argument object has no required field can be called with no argument. */
type CallArgs<M extends MethodName> = {} extends MethodArgs<M> ? [args?: MethodArgs<M>] : [args: MethodArgs<M>];

export type RaceApi = {
  readonly [N in Namespace<MethodName>]: {
    readonly [M in MethodName as Member<M, N>]: (...args: CallArgs<M>) => Promise<MethodResult<M>>;
  };
};

/** What the renderer holds: the methods, plus the contract's events (race.on(name, listener)). */
export type RaceBridge = RaceApi & { readonly on: Subscribe };

/** Any transport: send one call, get its value back or throw a RaceError. */
export type Transport = (method: MethodName, args: unknown) => Promise<unknown>;

/**
 * Builds the API object from the contract over one transport. Plain nested objects of
 * functions, so Electron's contextBridge can copy it into the renderer's world.
 */
export function buildApi(transport: Transport): RaceApi {
  const api: Record<string, Record<string, (args?: unknown) => Promise<unknown>>> = {};
  for (const name of methodNames) {
    const dot = name.indexOf('.');
    const ns = name.slice(0, dot);
    const member = name.slice(dot + 1);
    (api[ns] ??= {})[member] = (args?: unknown) => transport(name, args ?? {});
  }
  return api as unknown as RaceApi;
}
