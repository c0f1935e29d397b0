// The built renderer (out/renderer) in headless Debian Chromium, served in browser mode by
// the real HTTP server over a real database: the shell, its data from window.race's
// stand-in (the contract over HTTP), navigation and the runtime mode switch.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createAppCore } from '../../src-main/app/core.ts';
import { startHttpServer, type RunningServer } from '../../src-main/http/server.ts';
import { chromiumAvailability, launchChromium } from '../support/chromium.ts';
import { tempDir } from '../support/tmp.ts';

const root = join(import.meta.dirname, '../..');
const uiDir = join(root, 'out/renderer');
const shots = join(root, 'test-results');
const availability = chromiumAvailability();
if (!availability.ok) console.warn(`skipping browser tests: ${availability.reason}`);

describe.skipIf(!availability.ok)('app shell in Chromium (browser mode)', () => {
  const core = createAppCore({ dbPath: join(tempDir(), 'race.db') });
  const token = 'e2e-token-abcdefghijklmnop';
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    expect(existsSync(join(uiDir, 'index.html')), 'run `npm test` (it builds first) or `npm run build`').toBe(true);
    mkdirSync(shots, { recursive: true });
    const db = core.services.db;
    db.prepare(`INSERT INTO sessions (id, venue, vehicle, driver, started_at, device, source_format, imported_at)
                VALUES ('s1', 'Spa-Francorchamps', 'Porsche 911 GT3 R', 'A. Driver', '2024-05-01T10:00:00Z', null, 'motec-ld', '2024-05-02T08:00:00Z')`).run();
    const lap = db.prepare(`INSERT INTO laps (session_id, number, start_s, end_s, time_ms, kind) VALUES ('s1', ?, ?, ?, ?, ?)`);
    lap.run(0, 0, 150, 150000, 'out');
    lap.run(1, 150, 288.5, 138500, 'lap');
    lap.run(2, 288.5, 425.1, 136600, 'lap');
    server = await startHttpServer({ dispatch: core.dispatch, events: core.services.events, token, uiDir });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
    });
    await page.goto(`${server.url}/?token=${token}`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    core.close();
  });

  it('renders the shell with navigation and the version from the Node side', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const label of ['Sessions', 'Session', 'Channels', 'Dashboard', 'Run plan', 'Live', 'Plugins', 'Accounts']) {
      await expect(nav.getByRole('button', { name: label, exact: true }).isVisible()).resolves.toBe(true);
    }
    await page.getByTestId('version').getByText(/^v\d+\.\d+\.\d+ · browser mode$/).waitFor();
    expect(page.url()).toBe(`${server.url}/`); // the token left the address bar
  });

  it('lists sessions from the store with the best lap', async () => {
    const table = page.getByTestId('sessions-table');
    await table.waitFor();
    const row = table.getByRole('row', { name: /Spa-Francorchamps/ });
    await expect(row.textContent()).resolves.toMatch(/2024-05-01 10:00.*Porsche 911 GT3 R.*A\. Driver.*2.*2:16\.600/);
    await page.screenshot({ path: join(shots, 'shell-sessions.png') });
  });

  it('switches the runtime mode, and the choice is stored', async () => {
    const online = page.getByRole('radio', { name: 'Online' });
    await online.click();
    await expect.poll(() => online.getAttribute('aria-checked')).toBe('true');
    expect(await core.dispatch('runtime.getMode', {}, { transport: 'internal' })).toMatchObject({ ok: true, value: { mode: 'online' } });
    await page.reload();
    await expect.poll(() => page.getByRole('radio', { name: 'Online' }).getAttribute('aria-checked')).toBe('true');
  });

  it('navigates by click and by Alt+number', async () => {
    await page.getByRole('button', { name: 'Plugins' }).click();
    await page.getByRole('heading', { name: 'Plugins & grants' }).waitFor();
    await page.screenshot({ path: join(shots, 'shell-plugins.png') });
    await page.keyboard.press('Alt+6');
    await page.getByRole('heading', { name: 'Live' }).waitFor();
    await page.getByText('No session open').first().waitFor(); // session screens say what to do first
    await page.keyboard.press('Alt+1');
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
  });

  it('ran without page errors, console errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
