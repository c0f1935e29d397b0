// The Node side's one event bus: handlers emit contract events (src-shared/contract/events.ts),
// transports forward them — the HTTP server as Server-Sent Events, Electron main over IPC.
// A payload is checked against the contract before anyone sees it, like a method's result.
import { events, type EventName, type EventPayload } from '../../src-shared/contract/index.ts';

export type AnyEventListener = (name: EventName, payload: unknown) => void;

export class EventBus {
  private readonly listeners = new Set<AnyEventListener>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    const checked = events[name].safeParse(payload);
    if (!checked.success) throw new Error(`event ${name} outside the contract: ${checked.error.message}`);
    for (const l of [...this.listeners]) {
      try {
        l(name, checked.data);
      } catch (e) {
        // one broken subscriber (a closed stream) must not stop the others or the emitter
        console.error(`[race] event listener failed on ${name}:`, e);
      }
    }
  }

  subscribe(listener: AnyEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

}
