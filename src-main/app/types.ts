// What a handler is: the Node-side implementation of one contract method.
import type { MethodName, MethodResult, ParsedArgs } from '../../src-shared/contract/index.ts';

/**
 * Who is calling, through which transport. `account` is set when the caller proved it is
 * one account (an API token on the server): it then reaches that account's plugins,
 * sessions and grants only. Without it the caller is the operator of this machine (the
 * desktop app, the CLI, browser mode), who works as the local account unless a call names
 * another.
 */
export interface CallContext {
  transport: 'ipc' | 'http' | 'cli' | 'internal';
  account?: string;
}

export type Handler<M extends MethodName> = (
  args: ParsedArgs<M>,
  call: CallContext,
) => MethodResult<M> | Promise<MethodResult<M>>;

/** Exactly one handler per contract method: TypeScript rejects a missing or extra one. */
export type HandlerTable = { [M in MethodName]: Handler<M> };

/** A per-domain slice of the table (Actual Budget's loot-core style). */
export type HandlerSlice<M extends MethodName> = { [K in M]: Handler<K> };
