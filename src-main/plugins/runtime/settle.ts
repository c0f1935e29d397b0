// Waiting for an async plugin call to finish, the same way in both engines: the guest's
// settle(callId) resolves the wait, a host-side failure (an async completion that ran past
// the deadline) rejects it, and the deadline timer — cancelled however the call ends, so it
// never outlives the call — rejects it with TIMEOUT and retires the instance.
import { EngineFailure } from './types.ts';

export class SettleWaits {
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  /** Starts waiting for `callId` before the guest is entered: it may settle during the entry. */
  begin(callId: number, deadline: number, onTimeout: () => void): { promise: Promise<void>; end: () => void } {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const promise = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        onTimeout();
        reject(new EngineFailure('TIMEOUT', 'the plugin did not finish within its time limit'));
      }, Math.max(0, deadline - performance.now()));
      this.waiting.set(callId, {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
    promise.catch(() => {}); // observed by the caller only when the call is async
    return {
      promise,
      end: () => {
        clearTimeout(timer);
        this.waiting.delete(callId);
      },
    };
  }

  /** The guest's settle(callId). */
  settle(callId: number): void {
    this.waiting.get(callId)?.resolve();
  }

  /** A failure on the host side of the call in progress. */
  fail(callId: number, e: Error): void {
    this.waiting.get(callId)?.reject(e);
  }
}
