// A plugin's manifest: who it is, what it implements, what it asks for and why.
import { z } from 'zod';

export const PLUGIN_API_VERSION = 1;

export const INTERFACE_NAMES = ['math', 'kpiProcessor', 'runPlan', 'uiCell', 'transform', 'liveHook'] as const;
export const InterfaceName = z.enum(INTERFACE_NAMES);
export type InterfaceName = z.infer<typeof InterfaceName>;

export const CAPABILITY_NAMES = ['fetch', 'storage'] as const;
export const CapabilityName = z.enum(CAPABILITY_NAMES);
export type CapabilityName = z.infer<typeof CapabilityName>;

const hostName = z
  .string()
  .regex(/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/i, 'a host name like api.example.com, *.example.com or 127.0.0.1:8080');

export const CapabilityRequest = z.discriminatedUnion('name', [
  z.strictObject({ name: z.literal('fetch'), reason: z.string().min(3), hosts: z.array(hostName).min(1) }),
  z.strictObject({ name: z.literal('storage'), reason: z.string().min(3) }),
]);
export type CapabilityRequest = z.infer<typeof CapabilityRequest>;

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - (max 64), not starting with a digit');

export const ParamSpec = z.strictObject({
  name: identifier,
  type: z.enum(['number', 'integer', 'boolean', 'string']),
  default: z.union([z.number(), z.boolean(), z.string()]),
  description: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});
export type ParamSpec = z.infer<typeof ParamSpec>;

export const MathMeta = z.strictObject({
  inputs: z.array(z.strictObject({ name: z.string().min(1), unit: z.string().optional() })).min(1),
  outputs: z.array(z.strictObject({ name: identifier, unit: z.string() })).min(1),
  params: z.array(ParamSpec).default([]),
  /** The common rate inputs are resampled to; default: the fastest input. */
  rateHz: z.number().positive().max(100_000).optional(),
});

export const KpiMeta = z.strictObject({
  inputs: z.array(z.strictObject({ name: z.string().min(1), unit: z.string().optional() })).default([]),
  kpis: z.array(z.strictObject({ name: z.string().min(1), unit: z.string(), better: z.enum(['higher', 'lower', 'none']) })).min(1),
  rateHz: z.number().positive().max(100_000).optional(),
});

export const TransformMeta = z.strictObject({
  /** Lower runs first when several transforms are enabled. */
  order: z.number().int().default(100),
  description: z.string().optional(),
});

const GenericMeta = z.strictObject({ params: z.array(ParamSpec).default([]), description: z.string().optional() });

export const PluginManifest = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and dashes'),
  name: z.string().min(1).max(80),
  version: z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'semver, e.g. 1.2.0'),
  apiVersion: z.literal(PLUGIN_API_VERSION),
  description: z.string().max(500).optional(),
  interfaces: z.array(InterfaceName).min(1),
  capabilities: z.array(CapabilityRequest).default([]),
  meta: z
    .strictObject({
      math: MathMeta.optional(),
      kpiProcessor: KpiMeta.optional(),
      runPlan: GenericMeta.optional(),
      uiCell: GenericMeta.optional(),
      transform: TransformMeta.optional(),
      liveHook: GenericMeta.optional(),
    })
    .default({}),
}).superRefine((m, ctx) => {
  for (const iface of ['math', 'kpiProcessor'] as const) {
    if (m.interfaces.includes(iface) && !m.meta[iface]) {
      ctx.addIssue({ code: 'custom', path: ['meta', iface], message: `required because the plugin implements ${iface}` });
    }
  }
  const names = m.capabilities.map((c) => c.name);
  if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['capabilities'], message: 'each capability at most once' });
});
export type PluginManifest = z.infer<typeof PluginManifest>;
export type PluginManifestInput = z.input<typeof PluginManifest>;
