// The one place a contract call is checked and run, whatever the transport: the method
// must exist, the arguments must match the contract (a clear error naming the method and
// the field otherwise), and the handler's result must match too (else it is our bug).
import { contract, isMethodName } from '../../src-shared/contract/index.ts';
import { RaceError, type Envelope } from '../../src-shared/errors.ts';
import type { z } from 'zod';
import type { CallContext, HandlerTable } from './types.ts';

export type Dispatch = (method: string, args: unknown, call: CallContext) => Promise<Envelope>;

export function describeIssues(issues: readonly z.core.$ZodIssue[]): { text: string; details: { path: string; message: string }[] } {
  const details = issues.map((i) => ({ path: i.path.map(String).join('.') || '(arguments)', message: i.message }));
  return { text: details.map((d) => `${d.path}: ${d.message}`).join('; '), details };
}

export function createDispatch(handlers: HandlerTable, onInternalError: (e: unknown, method: string) => void = logInternal): Dispatch {
  return async (method, args, call) => {
    try {
      if (!isMethodName(method)) {
        throw new RaceError('UNKNOWN_METHOD', `unknown method ${JSON.stringify(method)}`);
      }
      const spec = contract[method];
      const parsed = spec.args.safeParse(args === undefined ? {} : args);
      if (!parsed.success) {
        const { text, details } = describeIssues(parsed.error.issues);
        throw new RaceError('BAD_ARGS', `${method}: invalid arguments — ${text}`, details);
      }
      const handler = handlers[method] as (a: unknown, c: CallContext) => unknown;
      const value = await handler(parsed.data, call);
      const checked = spec.result.safeParse(value);
      if (!checked.success) {
        const { text } = describeIssues(checked.error.issues);
        throw new Error(`${method} returned a result outside the contract — ${text}`);
      }
      return { ok: true, value: checked.data };
    } catch (e) {
      if (e instanceof RaceError) return { ok: false, error: e.toBody() };
      onInternalError(e, method);
      return { ok: false, error: { code: 'INTERNAL', message: `${method} failed: ${(e as Error)?.message ?? String(e)}` } };
    }
  };
}

function logInternal(e: unknown, method: string): void {
  console.error(`[race] internal error in ${method}:`, e);
}
