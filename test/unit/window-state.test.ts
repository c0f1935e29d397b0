import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/store/database.ts';
import { SettingsStore } from '../../src-main/store/settings.ts';
import { DEFAULT_WINDOW, restoreWindowState, saveWindowState } from '../../src-main/electron/window-state.ts';
import { tempDir } from '../support/tmp.ts';

const laptop = { x: 0, y: 0, width: 1920, height: 1080 };
const pitWall = { x: 1920, y: 0, width: 2560, height: 1440 };

describe('window state', () => {
  const settings = new SettingsStore(openDatabase(join(tempDir(), 'w.db')));

  it('opens at the default size the first time', () => {
    expect(restoreWindowState(settings, [laptop])).toEqual(DEFAULT_WINDOW);
  });

  it('comes back where it was, maximised or not', () => {
    saveWindowState(settings, { x: 2100, y: 40, width: 1600, height: 1000 }, true);
    expect(restoreWindowState(settings, [laptop, pitWall])).toEqual({ x: 2100, y: 40, width: 1600, height: 1000, maximized: true });
  });

  it('drops a position on a screen that is gone, keeping the size', () => {
    expect(restoreWindowState(settings, [laptop])).toEqual({ width: 1600, height: 1000, maximized: true });
  });

  it('never opens below the minimum size, and ignores a damaged record', () => {
    saveWindowState(settings, { x: 10, y: 10, width: 200, height: 100 }, false);
    expect(restoreWindowState(settings, [laptop])).toEqual({ x: 10, y: 10, width: 960, height: 600, maximized: false });
    settings.set('window.main', { width: 'wide' });
    expect(restoreWindowState(settings, [laptop])).toEqual(DEFAULT_WINDOW);
  });
});
