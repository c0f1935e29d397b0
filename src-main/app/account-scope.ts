// Which account a call acts for. One rule for every handler, so the server's per-account
// isolation is not re-decided method by method.
import { RaceError } from '../../src-shared/errors.ts';
import { LOCAL_ACCOUNT } from '../store/plugins.ts';
import type { CallContext } from './types.ts';

/** The account a call works on: the caller's own when it is one; else the named one or the local account. */
export function accountFor(call: CallContext, requested?: string): string {
  if (call.account !== undefined) {
    if (requested !== undefined && requested !== call.account) {
      throw new RaceError('FORBIDDEN', `this token belongs to account ${call.account}; it cannot act for account ${requested}`);
    }
    return call.account;
  }
  return requested ?? LOCAL_ACCOUNT;
}
