// The window comes back where the engineer left it: position, size and maximised state,
// kept in the settings table. A saved position on a screen that is no longer attached (the
// laptop without the pit-wall monitor) is dropped, so the window never opens off-screen.
import type { SettingsStore } from '../store/settings.ts';

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

const KEY = 'window.main';
export const DEFAULT_WINDOW: WindowState = { width: 1440, height: 900, maximized: false };
export const MIN_SIZE = { width: 960, height: 600 };

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The state to open with: the saved one when it is sane and visible on one of `displays`. */
export function restoreWindowState(settings: SettingsStore, displays: Area[]): WindowState {
  const saved = settings.get<Partial<WindowState> | null>(KEY, null);
  if (!saved || !isNum(saved.width) || !isNum(saved.height)) return DEFAULT_WINDOW;
  const state: WindowState = {
    width: Math.max(MIN_SIZE.width, Math.round(saved.width)),
    height: Math.max(MIN_SIZE.height, Math.round(saved.height)),
    maximized: saved.maximized === true,
  };
  if (isNum(saved.x) && isNum(saved.y)) {
    // visible when the title bar's middle lies on some display
    const cx = saved.x + state.width / 2;
    const cy = saved.y + 16;
    if (displays.some((d) => cx >= d.x && cx < d.x + d.width && cy >= d.y && cy < d.y + d.height)) {
      state.x = Math.round(saved.x);
      state.y = Math.round(saved.y);
    }
  }
  return state;
}

export function saveWindowState(settings: SettingsStore, bounds: Area, maximized: boolean): void {
  settings.set(KEY, { ...bounds, maximized });
}
