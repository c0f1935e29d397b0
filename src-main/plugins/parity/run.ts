// The parity check: the same inputs through QuickJS and V8, the results compared byte for
// byte (outputs, log lines) — or both failing with the same reason code. Used by
// `race parity` and by the property-based test suite.
import fc from 'fast-check';
import { encodeJson } from '../../../src-shared/codec.ts';
import type { InterfaceName } from '../../../src-shared/plugins/manifest.ts';
import { PluginError } from '../errors.ts';
import type { InvokeResult, PluginBundle, PluginService } from '../service.ts';
import { inputFor, liveFrames } from './arbitraries.ts';

export interface Outcome {
  ok: boolean;
  /** Byte-exact text of what the plugin produced: output + logs, or the failure reason. */
  text: string;
}

/** Outputs through the binary-safe codec: every bit of every float, NaNs canonical. */
export function outcomeOf(result: InvokeResult | PluginError): Outcome {
  if (result instanceof PluginError) return { ok: false, text: `failed: ${result.reason}` };
  return { ok: true, text: encodeJson({ output: result.output, logs: result.logs }) };
}

export interface Mismatch {
  plugin: string;
  interface: InterfaceName;
  input: unknown;
  quickjs: string;
  v8: string;
}

const PARITY_NOW = Date.UTC(2026, 0, 1);

async function attempt(service: PluginService, bundle: PluginBundle, iface: InterfaceName, input: unknown, runtime: 'quickjs' | 'v8', accountId: string): Promise<Outcome> {
  try {
    return outcomeOf(await service.invokeBundle(bundle, { iface, input, runtime, accountId, now: PARITY_NOW, seed: 1 }));
  } catch (e) {
    if (e instanceof PluginError) return outcomeOf(e);
    throw e;
  }
}

/** One comparison; for liveHook `input` is a frame sequence and state is threaded. */
export async function compareOnce(service: PluginService, bundle: PluginBundle, iface: InterfaceName, input: unknown, accountId = 'local'): Promise<Mismatch | null> {
  if (iface === 'liveHook') {
    let qState: unknown = null;
    let vState: unknown = null;
    const frames = input as { t: number; values: Record<string, number> }[];
    for (const frame of frames) {
      const q = await attempt(service, bundle, iface, { frame, state: qState }, 'quickjs', accountId);
      const v = await attempt(service, bundle, iface, { frame, state: vState }, 'v8', accountId);
      if (q.text !== v.text) return { plugin: bundle.manifest.id, interface: iface, input: { frame, state: qState }, quickjs: q.text, v8: v.text };
      if (!q.ok) return null;
      qState = (JSON.parse(q.text) as { output: { state: unknown } }).output.state;
      vState = qState;
    }
    return null;
  }
  const q = await attempt(service, bundle, iface, input, 'quickjs', accountId);
  const v = await attempt(service, bundle, iface, input, 'v8', accountId);
  return q.text === v.text ? null : { plugin: bundle.manifest.id, interface: iface, input, quickjs: q.text, v8: v.text };
}

export function arbitraryFor(bundle: PluginBundle, iface: InterfaceName): fc.Arbitrary<unknown> {
  return iface === 'liveHook' ? liveFrames() : inputFor(bundle.manifest, iface);
}

export interface ParityReport {
  cases: number;
  plugins: string[];
  mismatches: Mismatch[];
}

/** `cases` generated inputs per plugin and interface, reproducible from `seed`. */
export async function runParity(service: PluginService, bundles: PluginBundle[], cases: number, seed = 42): Promise<ParityReport> {
  const mismatches: Mismatch[] = [];
  let total = 0;
  for (const bundle of bundles) {
    for (const iface of bundle.manifest.interfaces) {
      const inputs = fc.sample(arbitraryFor(bundle, iface), { numRuns: cases, seed });
      for (const input of inputs) {
        total++;
        const m = await compareOnce(service, bundle, iface, input);
        if (m) mismatches.push(m);
      }
    }
  }
  return { cases: total, plugins: bundles.map((b) => b.manifest.id), mismatches };
}
