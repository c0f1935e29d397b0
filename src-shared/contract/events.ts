// Events the Node side pushes to the UI, defined once like the methods: name → payload
// schema. They travel over Server-Sent Events in browser mode (GET /api/events) and over
// one IPC channel per event in the desktop app. Events are notifications only: anything
// the UI must not miss is also readable with a method call (e.g. sessions.list after an
// import), so a dropped event never leaves the UI wrong, only less lively.
import { z } from 'zod';
import { RuntimeMode } from './model.ts';

export const ImportPhase = z.enum(['parsing', 'storing', 'done', 'failed']);
export type ImportPhase = z.infer<typeof ImportPhase>;

export const events = {
  /** Progress of one file of an import that was given a progressId. */
  'import.progress': z.object({
    progressId: z.string(),
    file: z.string(),
    phase: ImportPhase,
    /** 0–1 of the file's bytes parsed. */
    fraction: z.number().min(0).max(1),
  }),
  /** Where plugin calls go changed (from the app menu, another window, the CLI's setMode). */
  'runtime.mode': z.object({ mode: RuntimeMode }),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

export type EventListener<E extends EventName> = (payload: EventPayload<E>) => void;

/** Subscribes to one event; returns the unsubscribe function. */
export type Subscribe = <E extends EventName>(name: E, listener: EventListener<E>) => () => void;

/** Server-Sent Events path of browser mode. */
export const EVENTS_PATH = '/api/events';
