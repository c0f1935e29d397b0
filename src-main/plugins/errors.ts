// A plugin failure, with the same reason code whichever engine ran it. The engine's own
// message is kept as detail (it differs between engines and is never compared).
import { RaceError } from '../../src-shared/errors.ts';
import type { InterfaceName } from '../../src-shared/plugins/manifest.ts';
import type { RuntimeKind } from './runtime/types.ts';

export const PLUGIN_FAILURES = [
  'PLUGIN_THREW', // the plugin's code threw (or rejected)
  'NO_INTERFACE', // module.exports lacks the interface
  'LOAD_FAILED', // the bundle did not evaluate
  'OUTPUT_INVALID', // the output does not match the interface
  'OUTPUT_UNSERIALIZABLE', // functions, cycles, unsupported types in the output
  'TIMEOUT',
  'MEMORY_LIMIT',
  'STACK_OVERFLOW',
  'ENGINE_ERROR',
] as const;
export type PluginFailure = (typeof PLUGIN_FAILURES)[number];

export interface PluginErrorDetails {
  reason: PluginFailure;
  plugin: string;
  interface: InterfaceName;
  runtime: RuntimeKind;
  /** The engine's own words: not stable across engines. */
  detail?: string;
  field?: string;
  logs?: string[];
}

export class PluginError extends RaceError {
  readonly reason: PluginFailure;
  override readonly details: PluginErrorDetails;
  constructor(message: string, details: PluginErrorDetails) {
    super('PLUGIN_FAILED', message, details);
    this.name = 'PluginError';
    this.reason = details.reason;
    this.details = details;
  }
}

export class PluginOutputError extends PluginError {
  constructor(plugin: string, iface: InterfaceName, runtime: RuntimeKind, field: string, problem: string, logs: string[]) {
    super(`plugin ${plugin}, ${iface}: invalid output at ${field || '(root)'} — ${problem}`, { reason: 'OUTPUT_INVALID', plugin, interface: iface, runtime, field, detail: problem, logs });
    this.name = 'PluginOutputError';
  }
}
