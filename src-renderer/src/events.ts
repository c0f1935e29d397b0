// Contract events in browser mode: one EventSource on GET /api/events for the page, opened
// on the first subscription, each event's data decoded by the same codec as RPC replies.
import { EVENTS_PATH, type EventName, type Subscribe } from '../../src-shared/contract/index.ts';
import { decodeJson } from '../../src-shared/codec.ts';

type Listener = (payload: unknown) => void;

export function createSseSubscribe(baseUrl: string): Subscribe {
  const listeners = new Map<EventName, Set<Listener>>();
  let source: EventSource | null = null;

  const attach = (name: EventName) => {
    source?.addEventListener(name, (e) => {
      let payload: unknown;
      try {
        payload = decodeJson((e as MessageEvent<string>).data);
      } catch {
        return; // not ours to crash on: events are hints, the data is re-read by calls
      }
      for (const l of [...(listeners.get(name) ?? [])]) l(payload);
    });
  };

  return (name, listener) => {
    if (!source) source = new EventSource(baseUrl.replace(/\/+$/, '') + EVENTS_PATH, { withCredentials: true });
    let set = listeners.get(name);
    if (!set) {
      listeners.set(name, (set = new Set()));
      attach(name);
    }
    const l = listener as Listener;
    set.add(l);
    return () => {
      set.delete(l);
    };
  };
}
