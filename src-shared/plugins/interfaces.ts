// What each of the six plugin interfaces takes and returns. Outputs are validated at the
// boundary: a plugin's bad output is reported with the failing field, never passed on.
import { z } from 'zod';
import type { InterfaceName } from './manifest.ts';

/** Any IEEE number, NaN and ±Infinity included (a KPI over no data may be NaN). */
const num = z.custom<number>((v) => typeof v === 'number', 'expected a number');
const finite = z.number();
const f64 = z.instanceof(Float64Array, { message: 'expected a Float64Array' });
const json: z.ZodType<unknown> = z.lazy(() => z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(json), z.record(z.string(), json)]));
const channelName = z.string().min(1).max(128);

export const ChannelSet = z.record(channelName, f64);
export const Params = z.record(z.string(), z.union([num, z.boolean(), z.string()]));

export const MathInput = z.object({ rateHz: finite.positive(), channels: ChannelSet, params: Params });
export const MathOutput = z.record(channelName, f64);

export const LapRef = z.object({ number: z.number().int(), timeMs: num });
export const KpiInput = z.object({ lap: LapRef, rateHz: finite.positive(), channels: ChannelSet, meta: z.record(z.string(), json) });
export const Kpi = z.strictObject({ name: z.string().min(1).max(128), value: num, unit: z.string().max(32), better: z.enum(['higher', 'lower', 'none']) });
export const KpiOutput = z.array(Kpi).max(1000);

export const RunPlanInput = z.object({
  session: z.object({ id: z.string(), venue: z.string().nullable().optional() }).passthrough(),
  laps: z.array(z.object({ timeMs: num, fuelUsed: num.optional() })),
  target: z.object({ stintMinutes: finite.positive().optional(), laps: z.number().int().positive().optional(), fuelPerLap: finite.nonnegative().optional(), tankLitres: finite.positive().optional() }),
});
export const RunPlanOutput = z.strictObject({
  steps: z.array(z.strictObject({ label: z.string().max(200), laps: z.number().int().nonnegative(), fuelLitres: num, notes: z.string().max(2000) })).max(1000),
  summary: z.string().max(4000),
});

export type Cell =
  | { type: 'stat'; label: string; value: number | string; unit?: string; tone?: Tone }
  | { type: 'table'; columns: string[]; rows: (string | number | null)[][] }
  | { type: 'sparkline'; label?: string; values: number[] | Float64Array }
  | { type: 'gauge'; label: string; value: number; min: number; max: number; unit?: string }
  | { type: 'text'; text: string; tone?: Tone }
  | { type: 'stack'; direction?: 'row' | 'column'; children: Cell[] };
type Tone = 'normal' | 'good' | 'warn' | 'bad';
const tone = z.enum(['normal', 'good', 'warn', 'bad']);

export const CellSchema: z.ZodType<Cell> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('stat'), label: z.string().max(200), value: z.union([num, z.string().max(200)]), unit: z.string().max(32).optional(), tone: tone.optional() }),
    z.strictObject({ type: z.literal('table'), columns: z.array(z.string().max(200)).max(50), rows: z.array(z.array(z.union([z.string().max(500), num, z.null()])).max(50)).max(2000) }),
    z.strictObject({ type: z.literal('sparkline'), label: z.string().max(200).optional(), values: z.union([z.array(num).max(100_000), f64]) }),
    z.strictObject({ type: z.literal('gauge'), label: z.string().max(200), value: num, min: finite, max: finite, unit: z.string().max(32).optional() }),
    z.strictObject({ type: z.literal('text'), text: z.string().max(10_000), tone: tone.optional() }),
    z.strictObject({ type: z.literal('stack'), direction: z.enum(['row', 'column']).optional(), children: z.array(CellSchema).max(200) }),
  ]),
);

export const UiCellInput = z.object({ kpis: z.array(Kpi), lap: LapRef.nullable(), params: Params });
export const UiCellOutput = CellSchema;

export const TransformChannel = z.object({ unit: z.string().max(32), rateHz: finite.positive(), samples: f64 });
export const TransformInput = z.object({ channels: z.record(channelName, TransformChannel), rateHz: finite.positive(), meta: z.record(z.string(), json) });
export const TransformOutput = z.strictObject({ channels: z.record(channelName, TransformChannel), meta: z.record(z.string(), json) });

export const LiveFrame = z.object({ t: num, values: z.record(z.string(), num) });
export const LiveHookInput = z.object({ frame: LiveFrame, state: json });
export const LiveHookOutput = z.strictObject({
  state: json,
  events: z.array(z.strictObject({ level: z.enum(['info', 'warn', 'alert']), message: z.string().max(500) })).max(100),
  values: z.record(z.string(), num).optional(),
});

export const INTERFACE_SCHEMAS = {
  math: { input: MathInput, output: MathOutput },
  kpiProcessor: { input: KpiInput, output: KpiOutput },
  runPlan: { input: RunPlanInput, output: RunPlanOutput },
  uiCell: { input: UiCellInput, output: UiCellOutput },
  transform: { input: TransformInput, output: TransformOutput },
  liveHook: { input: LiveHookInput, output: LiveHookOutput },
} as const satisfies Record<InterfaceName, { input: z.ZodType; output: z.ZodType }>;

export type InterfaceInput<I extends InterfaceName> = z.input<(typeof INTERFACE_SCHEMAS)[I]['input']>;
export type InterfaceOutput<I extends InterfaceName> = z.output<(typeof INTERFACE_SCHEMAS)[I]['output']>;
