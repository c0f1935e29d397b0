// What a handler is: the Node-side implementation of one contract method.
import type { MethodName, MethodResult, ParsedArgs } from '../../src-shared/contract/index.ts';

/** Who is calling, through which transport. Later issues add the account for grants. */
export interface CallContext {
  transport: 'ipc' | 'http' | 'cli' | 'internal';
}

export type Handler<M extends MethodName> = (
  args: ParsedArgs<M>,
  call: CallContext,
) => MethodResult<M> | Promise<MethodResult<M>>;

/** Exactly one handler per contract method: TypeScript rejects a missing or extra one. */
export type HandlerTable = { [M in MethodName]: Handler<M> };

/** A per-domain slice of the table (Actual Budget's loot-core style). */
export type HandlerSlice<M extends MethodName> = { [K in M]: Handler<K> };
