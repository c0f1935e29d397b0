// The analysis UI end to end, in headless Chromium against browser mode (the real server,
// database, importer, KPI jobs and plugins): import a logger file through the page, see
// the laps and their KPIs, overlay two laps, toggle a math channel, move the cursor and see
// the track-map marker follow, grant and revoke a capability and see the plugin change its
// answer, replay a session through a live hook, sign in to a server, delete the session.
// A screenshot of every screen goes to test-results/ui-*.png.
//
// The logger file is the real Harry's LapTimer VBO from ../shared/telemetry-samples when it
// is there; otherwise a generated MoTeC .ld + .ldx (with GPS), and the test says so.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { syntheticSession } from '../../src-main/bench/synthetic-session.ts';
import { chromiumAvailability, launchChromium } from '../support/chromium.ts';
import { tempDir } from '../support/tmp.ts';
import { startUiApp, UI_DIR, type UiApp } from '../support/ui-app.ts';
import { createAppCore } from '../../src-main/app/core.ts';
import { startRaceServer } from '../../src-main/http/race-server.ts';

const root = join(import.meta.dirname, '../..');
const shots = join(root, 'test-results');
const REAL_SAMPLE = join(root, '../shared/telemetry-samples/vbo/sampleHarrysLapTimer.vbo');
const availability = chromiumAvailability();
if (!availability.ok) console.warn(`skipping browser tests: ${availability.reason}`);

interface Upload {
  files: { name: string; mimeType: string; buffer: Buffer }[];
  laps: number;
  label: string;
}

function loggerFile(): Upload {
  if (existsSync(REAL_SAMPLE)) {
    return { files: [{ name: 'sampleHarrysLapTimer.vbo', mimeType: 'text/plain', buffer: readFileSync(REAL_SAMPLE) }], laps: 12, label: 'real sample' };
  }
  console.warn(`SKIPPING the real sample in the UI test: ${REAL_SAMPLE} not found (../shared/telemetry-samples is not in this checkout); using a generated MoTeC .ld + .ldx instead.`);
  const s = syntheticSession({ laps: 6, rateHz: 50 });
  return {
    files: [
      { name: 'generated.ld', mimeType: 'application/octet-stream', buffer: Buffer.from(s.ld) },
      { name: 'generated.ldx', mimeType: 'application/xml', buffer: Buffer.from(s.ldx) },
    ],
    laps: 6,
    label: 'generated file',
  };
}

describe.skipIf(!availability.ok)('analysis screens in Chromium (browser mode)', () => {
  const dir = tempDir();
  const upload = loggerFile();
  let app: UiApp;
  let browser: Browser;
  let page: Page;
  let weather: Server;
  let weatherUrl: string;
  const problems: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(shots, `ui-${name}.png`) });
  const nav = (label: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: label, exact: true });

  beforeAll(async () => {
    expect(existsSync(join(UI_DIR, 'index.html')), 'run `npm test` (it builds first) or `npm run build`').toBe(true);
    mkdirSync(shots, { recursive: true });
    app = await startUiApp(dir, { plugins: ['lap-kpis', 'rolling-avg-rpm', 'distance', 'kpi-card', 'fuel-plan', 'weather', 'shift-light'] });
    // the track's weather station, on this machine (the weather plugin may only fetch from loopback)
    weather = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ trackTempC: 44, rainProbability: 0.1 })));
    await new Promise<void>((r) => weather.listen(0, '127.0.0.1', r));
    weatherUrl = `http://127.0.0.1:${(weather.address() as AddressInfo).port}/weather`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
    });
    await page.goto(app.loginUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => weather?.close(r));
    await app?.close();
  });

  it(`imports a logger file through the page with progress (${upload.label})`, async () => {
    await page.getByTestId('sessions-empty').waitFor();
    await page.getByTestId('import-input').setInputFiles(upload.files);
    await page.getByTestId('import-panel').getByText('Import finished').waitFor({ timeout: 60_000 });
    const row = page.getByTestId('import-row');
    await expect(row.count()).resolves.toBe(1); // the .ldx travelled with its .ld
    await expect(row.textContent()).resolves.toMatch(new RegExp(`${upload.laps} laps`));
    await expect(page.getByRole('progressbar', { name: 'Import progress' }).getAttribute('aria-valuenow')).resolves.toBe('100');
    const table = page.getByTestId('sessions-table');
    await expect(table.locator('tbody tr').count()).resolves.toBe(1);
    await expect(table.locator('tbody tr').textContent()).resolves.toContain(String(upload.laps));
    await shot('sessions');
  });

  it('opens the session: laps with out/in laps marked, the best lap highlighted, KPIs as the jobs finish', async () => {
    await page.getByTestId('sessions-table').locator('tbody tr').first().click();
    const laps = page.getByTestId('lap-table');
    await laps.waitFor();
    await expect(laps.locator('tr.lap-row.kind-lap').count()).resolves.toBe(upload.laps);
    await expect(laps.locator('tr.kind-out').getByText('OUT').count()).resolves.toBe(1);
    const best = laps.locator('tr.best');
    await expect(best.count()).resolves.toBe(1);
    await expect(best.getByText('BEST').isVisible()).resolves.toBe(true);
    await expect(best.locator('td.delta').textContent()).resolves.toBe('±0.000');
    // KPI jobs run in the background; the table fills in when they finish
    await page.getByTestId('kpi-status').getByText('KPIs from lap-kpis').waitFor({ timeout: 60_000 });
    const headers = await laps.locator('thead th').allTextContents();
    const column = headers.findIndex((h) => h.startsWith('max speed'));
    expect(column, headers.join(' | ')).toBeGreaterThan(0);
    const maxSpeed = Number(await best.locator('td').nth(column).textContent());
    expect(maxSpeed).toBeGreaterThan(80);
    expect(maxSpeed).toBeLessThan(400);
    await shot('session');
  });

  it('overlays two laps on the channel plots, with the time variance between them', async () => {
    const laps = page.getByTestId('lap-table');
    const other = laps.locator('tr.lap-row.kind-lap:not(.best)').first();
    const otherLap = Number(await other.getAttribute('data-lap'));
    await other.getByRole('checkbox').check();
    await page.keyboard.press('Alt+3');
    await page.getByRole('heading', { name: 'Channels' }).waitFor();
    const plots = page.getByTestId('plots');
    await plots.locator('.plot[data-testid^="plot-log-"]').first().waitFor();
    const logged = plots.locator('.plot[data-testid^="plot-log-"]');
    expect(await logged.count()).toBeGreaterThanOrEqual(2); // speed and rpm at least
    for (const series of await logged.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.series))) expect(series).toBe('2');
    await expect(plots.getByTestId('plot-variance').getAttribute('data-series')).resolves.toBe('1');
    await expect(page.getByTestId(`lap-chip-${otherLap}`).isVisible()).resolves.toBe(true);
    await shot('channels');
  });

  it('offers math channels from plugins beside the logged ones, and plots them for both laps', async () => {
    const plots = page.getByTestId('plots');
    const mathBox = page.getByRole('checkbox', { name: 'rpm_avg (math)' });
    await mathBox.check();
    const plot = plots.getByTestId('plot-math-rolling-avg-rpm-rpm_avg');
    await plot.waitFor();
    await expect(plot.getAttribute('data-series')).resolves.toBe('2');
    await expect(plot.locator('.plot-error').count()).resolves.toBe(0);
    await mathBox.uncheck();
    await plot.waitFor({ state: 'detached' });
  });

  it('moves the track-map markers with the cursor on the plots', async () => {
    const over = page.getByTestId('plots').locator('.plot').nth(1).locator('.u-over');
    const box = (await over.boundingBox())!;
    const marker = page.getByTestId('track-map').locator('.map-marker').first();
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await expect.poll(() => marker.isVisible()).toBe(true);
    const first = await marker.evaluate((e) => (e as HTMLElement).style.transform);
    const readout = await page.getByTestId('cursor-x').textContent();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await expect.poll(() => marker.evaluate((e) => (e as HTMLElement).style.transform)).not.toBe(first);
    expect(await page.getByTestId('cursor-x').textContent()).not.toBe(readout);
    expect(first).toMatch(/^translate\(\d+(\.\d+)?px, \d+(\.\d+)?px\)$/);
    await shot('channels-cursor');
  });

  it('zooms with the keyboard, drag-select and wheel, and resets', async () => {
    const plots = page.getByTestId('plots');
    const span = async () => {
      const [a, b] = await plots.evaluate((e) => [Number((e as HTMLElement).dataset.xmin), Number((e as HTMLElement).dataset.xmax)]);
      return b! - a!;
    };
    const full = await span();
    expect(full).toBeGreaterThan(100);
    await page.keyboard.press('+');
    await expect.poll(span).toBeCloseTo(full / 2, 0);
    await page.keyboard.press('0');
    await expect.poll(span).toBe(full);
    // drag across the middle fifth of a plot
    const over = plots.locator('.plot').nth(1).locator('.u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + 20);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + 20, { steps: 5 });
    await page.mouse.up();
    await expect.poll(span).toBeLessThan(full * 0.3);
    await page.getByRole('button', { name: 'Reset zoom' }).click();
    await expect.poll(span).toBe(full);
    await page.mouse.move(box.x + box.width * 0.5, box.y + 20);
    await page.mouse.wheel(0, -100);
    await expect.poll(span).toBeLessThan(full);
    await page.keyboard.press('0');
    await expect.poll(span).toBe(full);
  });

  it('renders uiCell plugins on the dashboard from their declarative trees', async () => {
    await nav('Dashboard').click();
    const cards = page.locator('.dash-card');
    await expect.poll(() => cards.count()).toBe(2);
    await cards.first().locator('.cell-stat').first().waitFor();
    expect(await cards.first().locator('.cell-table tbody tr').count()).toBeGreaterThan(2);
    await shot('dashboard');
  });

  it('changes a plugin’s answer when a capability is granted and then revoked', async () => {
    const summary = page.getByTestId('plan-summary');
    const openPlan = async () => {
      await nav('Run plan').click();
      await page.getByRole('combobox', { name: 'Planner plugin' }).selectOption('weather');
    };
    await openPlan();
    await page.locator('input[name="weatherUrl"]').fill(weatherUrl);
    await expect.poll(() => summary.textContent(), { timeout: 15_000 }).toMatch(/weather unavailable: fetch is not granted/);

    await nav('Plugins').click();
    const fetchSwitch = page.getByRole('switch', { name: 'fetch for Weather-aware plan' });
    await expect(fetchSwitch.getAttribute('aria-checked')).resolves.toBe('false');
    await fetchSwitch.click();
    await expect.poll(() => fetchSwitch.getAttribute('aria-checked')).toBe('true');
    await shot('plugins');

    await openPlan();
    await expect.poll(() => summary.textContent(), { timeout: 15_000 }).toMatch(/hot track \(44 °C\)/);
    await shot('run-plan');

    await nav('Plugins').click();
    await fetchSwitch.click();
    await expect.poll(() => fetchSwitch.getAttribute('aria-checked')).toBe('false');
    await openPlan();
    await expect.poll(() => summary.textContent(), { timeout: 15_000 }).toMatch(/weather unavailable: fetch is not granted/);
  });

  it('replays the session frame by frame through a live hook, events shown as they fire', async () => {
    await nav('Live').click();
    // the hook's configuration goes in as its first state
    await page.getByRole('textbox', { name: 'Initial state (JSON)' }).fill('{"config":{"lightStartRpm":3000,"shiftRpm":4500,"overRevRpm":5500}}');
    await page.getByRole('radio', { name: 'Max' }).click();
    await page.getByRole('button', { name: 'Start replay' }).click();
    const events = page.getByTestId('live-events');
    await events.locator('.live-event').first().waitFor({ timeout: 60_000 });
    await expect(events.textContent()).resolves.toMatch(/shift: \d+ rpm|over-rev: \d+ rpm/);
    await page.waitForTimeout(300); // let a few more frames in, for the screenshot
    await shot('live');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Start replay' }).waitFor();
  });

  it('stores the server URL and sign-in, and never hands the token back', async () => {
    await nav('Accounts').click();
    await expect.poll(() => page.getByTestId('accounts-table').textContent()).toContain('Local');
    await page.locator('input[name="serverUrl"]').fill('https://race.example.team');
    await page.locator('input[name="token"]').fill('secret-token-xyz');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('server-status').textContent()).toMatch(/race\.example\.team.*signed in/);
    const r = await app.core.dispatch('settings.getServer', {}, { transport: 'http' });
    expect(r).toEqual({ ok: true, value: { url: 'https://race.example.team', tokenSet: true } });
    expect(await page.content()).not.toContain('secret-token-xyz');
    expect(await page.locator('input[name="token"]').inputValue()).toBe(''); // the field is cleared, not just the markup
    await shot('accounts');
  });

  it('switches Offline / Online against a local race serve: the same plan, computed there and here', async () => {
    const team = createAppCore({ dbPath: join(dir, 'team-server.db') });
    const account = team.services.accounts.create('Pit crew');
    const server = await startRaceServer({ app: team, port: 0, operatorToken: 'op', runJobs: false });
    try {
      await nav('Accounts').click();
      await page.locator('input[name="serverUrl"]').fill(server.url);
      await page.locator('input[name="token"]').fill(account.token.token);
      await page.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => page.getByTestId('server-status').textContent()).toMatch(/signed in/);

      const provenance = page.getByTestId('plan-provenance');
      const summary = page.getByTestId('plan-summary');
      const plan = async () => {
        await nav('Run plan').click();
        await page.getByRole('combobox', { name: 'Planner plugin' }).selectOption('fuel-plan');
      };
      await page.getByRole('radiogroup', { name: 'Plugin runtime' }).getByRole('radio', { name: 'Online' }).click();
      await plan();
      await expect.poll(() => provenance.textContent(), { timeout: 15_000 }).toMatch(/Race server \(V8\)/);
      const online = await summary.textContent();
      await shot('online');
      // the server now holds the very bundle this computer runs
      const local = app.core.services.plugins.plugins.get('fuel-plan')!;
      expect(team.services.plugins.plugins.get('fuel-plan', account.id)?.hash).toBe(local.hash);

      await page.getByRole('radiogroup', { name: 'Plugin runtime' }).getByRole('radio', { name: 'Offline' }).click();
      await nav('Sessions').click();
      await plan();
      await expect.poll(() => provenance.textContent(), { timeout: 15_000 }).toMatch(/this computer \(QuickJS\)/);
      expect(await summary.textContent()).toBe(online);
    } finally {
      await server.shutdown();
      team.close();
    }
  });

  it('deletes a session after confirmation', async () => {
    await nav('Sessions').click();
    const rows = page.getByTestId('sessions-table').locator('tbody tr');
    await rows.first().getByRole('button', { name: /^Delete session/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await shot('sessions-delete');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(rows.count()).resolves.toBe(1);
    await rows.first().getByRole('button', { name: /^Delete session/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete session' }).click();
    await page.getByTestId('sessions-empty').waitFor();
    const list = await app.core.dispatch('sessions.list', {}, { transport: 'internal' });
    expect(list).toEqual({ ok: true, value: [] });
  });

  it('ran without page errors, console errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
