// The real desktop app in Electron, driven by Playwright's _electron: where the Electron
// binary exists (a developer machine, a CI image with it) the built app opens its window,
// shows the shell, answers over IPC with a sandboxed renderer. Where the binary was never
// downloaded (this offline build machine) the suite reports itself skipped, with the reason.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { _electron } from 'playwright-core';
// @ts-expect-error a plain ES module without type declarations
import { findElectronBinary } from '../../scripts/electron-binary.mjs';
import { tempDir } from '../support/tmp.ts';

const root = join(import.meta.dirname, '../..');
const binary = findElectronBinary(join(root, 'node_modules/electron')) as { ok: true; path: string } | { ok: false; reason: string };
const skipNote = binary.ok ? '' : ` — skipped: the Electron binary is not on this machine (${binary.reason})`;
if (!binary.ok) console.warn(`electron.test.ts${skipNote}`);

describe.skipIf(!binary.ok)(`the desktop app in Electron${skipNote}`, () => {
  it('opens one hardened window with the shell, answering over IPC', async () => {
    const shots = join(root, 'test-results');
    mkdirSync(shots, { recursive: true });
    const app = await _electron.launch({
      executablePath: (binary as { path: string }).path,
      args: [root, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      env: { ...process.env, RACE_DB: join(tempDir(), 'race.db') },
    });
    try {
      const win = await app.firstWindow();
      await win.getByRole('navigation', { name: 'Main' }).waitFor();
      const version = (await win.evaluate(() => (window as unknown as { race: { app: { version(): Promise<{ electron: string | null }> } } }).race.app.version())) as { electron: string | null };
      expect(version.electron).toMatch(/^\d+\./);
      // the renderer has no Node: sandboxed, context-isolated
      expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await win.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
      expect(app.windows()).toHaveLength(1);
      await win.screenshot({ path: join(shots, 'electron-shell.png') });
    } finally {
      await app.close();
    }
  }, 60_000);
});
