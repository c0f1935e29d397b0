// Waiting for an async plugin call to finish, the same way in both engines: the guest's
// settle(callId) resolves the wait, a host-side failure (an async completion that ran past
// the deadline) rejects it, and the deadline timer — cancelled however the call ends, so it
// never outlives the call — rejects it with TIMEOUT and retires the instance. Most calls are
// synchronous and never wait: for them no promise and no timer is made.
import { EngineFailure } from './types.ts';

interface Waiter {
  /** Set once the call has settled (true) or failed on the host side (the error). */
  outcome: true | Error | null;
  resolve: (() => void) | null;
  reject: ((e: Error) => void) | null;
}

export interface SettleWait {
  /** Resolves once the guest settles the call; rejects on a host-side failure or at the deadline. */
  until(deadline: number, onTimeout: () => void): Promise<void>;
  /** The call is over: stop listening and cancel the timer. */
  end(): void;
}

export class SettleWaits {
  private readonly waiting = new Map<number, Waiter>();

  /** Starts listening for `callId` before the guest is entered: it may settle during the entry. */
  begin(callId: number): SettleWait {
    const waiter: Waiter = { outcome: null, resolve: null, reject: null };
    this.waiting.set(callId, waiter);
    let timer: ReturnType<typeof setTimeout> | undefined;
    return {
      until: (deadline, onTimeout) => {
        if (waiter.outcome === true) return Promise.resolve();
        if (waiter.outcome) return Promise.reject(waiter.outcome);
        return new Promise<void>((resolve, reject) => {
          timer = setTimeout(() => {
            onTimeout();
            reject(new EngineFailure('TIMEOUT', 'the plugin did not finish within its time limit'));
          }, Math.max(0, deadline - performance.now()));
          waiter.resolve = () => {
            clearTimeout(timer);
            resolve();
          };
          waiter.reject = (e) => {
            clearTimeout(timer);
            reject(e);
          };
        });
      },
      end: () => {
        clearTimeout(timer);
        this.waiting.delete(callId);
      },
    };
  }

  /** The guest's settle(callId). */
  settle(callId: number): void {
    const waiter = this.waiting.get(callId);
    if (!waiter || waiter.outcome) return;
    waiter.outcome = true;
    waiter.resolve?.();
  }

  /** A failure on the host side of the call in progress. */
  fail(callId: number, e: Error): void {
    const waiter = this.waiting.get(callId);
    if (!waiter || waiter.outcome) return;
    waiter.outcome = e;
    waiter.reject?.(e);
  }
}
