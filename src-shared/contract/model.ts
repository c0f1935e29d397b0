// Value types shared by the contract: what a session, a lap, a mode look like on the wire.
import { z } from 'zod';

export const RuntimeMode = z.enum(['offline', 'online', 'auto']);
export type RuntimeMode = z.infer<typeof RuntimeMode>;

export const LapKind = z.enum(['lap', 'out', 'in', 'partial']);
export type LapKind = z.infer<typeof LapKind>;

export const SessionSummary = z.object({
  id: z.string(),
  venue: z.string().nullable(),
  vehicle: z.string().nullable(),
  driver: z.string().nullable(),
  /** ISO-8601 start of the recording, as the logger gave it (null when the file has none). */
  startedAt: z.string().nullable(),
  sourceFormat: z.string(),
  /** Timed laps only: out-laps, in-laps and partial segments are not laps. */
  lapCount: z.number().int().nonnegative(),
  bestLapMs: z.number().nullable(),
  importedAt: z.string(),
});
export type SessionSummary = z.infer<typeof SessionSummary>;

export const VersionInfo = z.object({
  app: z.string(),
  node: z.string(),
  /** null outside the desktop app (CLI, server, browser mode). */
  electron: z.string().nullable(),
  chrome: z.string().nullable(),
  platform: z.string(),
  schemaVersion: z.number().int(),
});
export type VersionInfo = z.infer<typeof VersionInfo>;

export const ModeState = z.object({
  mode: RuntimeMode,
  /** The server plugins are invoked on in online mode; null until one is configured. */
  serverUrl: z.string().nullable(),
  /** Whether an API token for that server is stored (the token itself never leaves the main process). */
  signedIn: z.boolean(),
});
export type ModeState = z.infer<typeof ModeState>;

export const RuntimeKind = z.enum(['quickjs', 'v8']);
export type RuntimeKind = z.infer<typeof RuntimeKind>;

export const PluginInfo = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  description: z.string().nullable(),
  interfaces: z.array(z.string()),
  capabilities: z.array(z.object({ name: z.string(), reason: z.string(), hosts: z.array(z.string()).optional() })),
  enabled: z.boolean(),
  hash: z.string(),
  installedAt: z.string(),
  /** The manifest's per-interface metadata (math inputs/outputs, uiCell params…), as JSON. */
  meta: z.record(z.string(), z.unknown()),
});
export type PluginInfo = z.infer<typeof PluginInfo>;

export const Grant = z.object({ pluginId: z.string(), capability: z.string(), grantedAt: z.string() });
export type Grant = z.infer<typeof Grant>;

export const InvokeOutcome = z.object({
  output: z.unknown(),
  logs: z.array(z.string()),
  plugin: z.string(),
  version: z.string(),
  runtime: RuntimeKind,
  durationMs: z.number(),
});
export type InvokeOutcome = z.infer<typeof InvokeOutcome>;

export const GateArgs = z.strictObject({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  headingDeg: z.number().min(0).lt(360).optional(),
  widthM: z.number().positive().max(500).optional(),
});
export type GateArgs = z.infer<typeof GateArgs>;

export const LapInfo = z.object({
  number: z.number().int(),
  startS: z.number(),
  endS: z.number(),
  timeMs: z.number(),
  kind: LapKind,
  /** Against the best timed lap; null for out/in/partial segments. */
  deltaToBestMs: z.number().nullable(),
});
export type LapInfo = z.infer<typeof LapInfo>;

export const ImportResult = z.object({
  file: z.string(),
  status: z.enum(['imported', 'duplicate', 'failed']),
  sessionId: z.string().optional(),
  format: z.string().optional(),
  channels: z.number().int().optional(),
  laps: z.array(z.object({ number: z.number().int(), startS: z.number(), timeS: z.number(), kind: LapKind })).optional(),
  warnings: z.array(z.string()).optional(),
  error: z.object({ message: z.string(), offset: z.number().optional(), line: z.number().optional() }).optional(),
});
export type ImportResult = z.infer<typeof ImportResult>;

export const ChannelSummary = z.object({
  name: z.string(),
  unit: z.string(),
  rateHz: z.number(),
  samples: z.number().int(),
  missing: z.number().int(),
  min: z.number().nullable(),
  max: z.number().nullable(),
});
export type ChannelSummary = z.infer<typeof ChannelSummary>;

export const LapKpi = z.object({ lap: z.number().int(), plugin: z.string(), name: z.string(), value: z.number().nullable(), unit: z.string(), better: z.enum(['higher', 'lower', 'none']) });
export type LapKpi = z.infer<typeof LapKpi>;

export const Account = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });
export type Account = z.infer<typeof Account>;

/** The Race server of online mode. The token never leaves the Node side: only whether one is set. */
export const ServerSettings = z.object({ url: z.string().nullable(), tokenSet: z.boolean() });
export type ServerSettings = z.infer<typeof ServerSettings>;
