// UI benchmarks in Chromium, timed inside the page by the app's own performance marks
// (src-renderer/src/perf.ts) on the real renderer served in browser mode:
//   Session screen   a 40-lap session (100 Hz, KPIs computed): click in the session list →
//                    lap table painted, on a freshly loaded page each time (nothing cached)
//   overlay          3 laps × 4 channels at 100 Hz on the distance axis (with the time
//                    variance plot): samples in hand → every plot drawn; and the whole
//                    change including loading the samples, first (cold) and warm
//   cursor           a pointer move over a plot: from the page starting to handle it to the
//                    cursor on every plot, the readouts and the track-map markers updated;
//                    also from the event's timestamp, and until the next frame starts
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createAppCore } from '../app/core.ts';
import { startHttpServer } from '../http/server.ts';
import { chromiumMissing, launchChromium } from './chromium.ts';
import { median, percentile, type BenchResult } from './measure.ts';
import { syntheticSession } from './synthetic-session.ts';

const RENDERER_DIR = join(import.meta.dirname, '../../out/renderer');
const FIRST_PARTY = join(import.meta.dirname, '../../plugins');

function skipped(reason: string): BenchResult[] {
  return [{ name: 'ui (Chromium)', runtime: 'chromium', value: NaN, unit: 'ms', ratioToNode: null, note: `skipped: ${reason}` }];
}


async function measures(page: Page, name: string): Promise<{ duration: number; detail: unknown }[]> {
  return page.evaluate((n) => performance.getEntriesByName(n, 'measure').map((m) => ({ duration: m.duration, detail: (m as PerformanceMeasure).detail })), name);
}

async function waitForMeasure(page: Page, name: string, count: number): Promise<void> {
  await page.waitForFunction(([n, c]) => performance.getEntriesByName(n as string, 'measure').length >= (c as number), [name, count] as const, { timeout: 30_000 });
}

export async function runUiBenchmarks(options: { quick?: boolean } = {}): Promise<BenchResult[]> {
  const missing = chromiumMissing();
  if (missing) return skipped(missing);
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) return skipped(`the app is not built (${RENDERER_DIR}): run \`npm run build\``);
  const samples = options.quick ? 3 : 7;
  const dir = mkdtempSync(join(tmpdir(), 'race-ui-bench-'));
  const core = createAppCore({ dbPath: join(dir, 'race.db') });
  const browser = await launchChromium();
  try {
    // a 40-lap session at 100 Hz with its KPIs, as an engineer would open it
    const { buildPlugin } = await import('../../plugins/sdk/build.ts');
    const kpis = await buildPlugin(join(FIRST_PARTY, 'lap-kpis'), { write: false });
    core.services.plugins.plugins.install({ manifest: kpis.manifest, code: kpis.code, hash: kpis.hash });
    const s = syntheticSession({ laps: 40, rateHz: 100 });
    const imported = await core.services.telemetry.importBytes('bench.ld', s.ld, {}, (n) => (n === 'bench.ldx' ? s.ldx : null));
    if (imported.status !== 'imported') throw new Error(`bench session: ${imported.error?.message ?? imported.status}`);
    await core.services.kpiWorker.runUntilIdle();
    const token = 'ui-bench-token-0123456789';
    const server = await startHttpServer({ dispatch: core.dispatch, events: core.services.events, token, uiDir: RENDERER_DIR });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      await page.goto(`${server.url}/?token=${token}`);
      const row = page.getByTestId('sessions-table').locator('tbody tr').first();

      // 1. Session screen, on a freshly loaded page each time (one warm-up: the KPI columns
      //    are known to be there, and Chromium has the app's files)
      await row.click();
      await page.getByTestId('kpi-status').getByText('KPIs from').waitFor();
      const paints: number[] = [];
      for (let i = 0; i < samples; i++) {
        await page.reload();
        await row.waitFor();
        await row.click();
        await waitForMeasure(page, 'race:session-painted', 1);
        paints.push((await measures(page, 'race:session-painted'))[0]!.duration);
      }

      // 2. overlay: the best lap + two more, four channels (speed, rpm, throttle, brake)
      const laps = page.getByTestId('lap-table');
      await laps.waitFor();
      const others = laps.locator('tr.lap-row.kind-lap:not(.best)');
      await others.nth(4).getByRole('checkbox').check();
      await others.nth(12).getByRole('checkbox').check();
      await page.keyboard.press('Alt+3');
      await waitForMeasure(page, 'race:overlay-drawn', 1);
      const cold = (await measures(page, 'race:overlay-total'))[0]!;
      // warm: switch the axis back and forth (samples cached, everything else rebuilt and redrawn)
      for (let i = 0; i < samples; i++) {
        await page.keyboard.press('t');
        await waitForMeasure(page, 'race:overlay-drawn', 2 + 2 * i);
        await page.keyboard.press('d');
        await waitForMeasure(page, 'race:overlay-drawn', 3 + 2 * i);
      }
      const drawn = (await measures(page, 'race:overlay-drawn')).filter((m) => (m.detail as { axis: string }).axis === 'distance');
      const totals = (await measures(page, 'race:overlay-total')).filter((m) => (m.detail as { axis: string }).axis === 'distance').slice(1);
      const detail = drawn[0]!.detail as { plots: number; series: number; points: number };

      // 3. cursor: sweep across a plot
      const over = page.getByTestId('plots').locator('.plot').nth(1).locator('.u-over');
      const box = (await over.boundingBox())!;
      const moves = options.quick ? 60 : 200;
      for (let i = 0; i < moves; i++) await page.mouse.move(box.x + 5 + ((box.width - 10) * i) / (moves - 1), box.y + box.height / 2);
      await page.waitForTimeout(100);
      const cursor = (await measures(page, 'race:cursor')).map((m) => m.duration);
      const input = (await measures(page, 'race:cursor-input')).map((m) => m.duration);
      const frame = (await measures(page, 'race:cursor-frame')).map((m) => m.duration);
      const markers = await page.getByTestId('track-map').locator('.map-marker:not([hidden])').count();

      return [
        {
          name: 'ui: Session screen painted (40 laps, KPIs)',
          runtime: 'chromium',
          value: median(paints),
          unit: 'ms',
          ratioToNode: null,
          note: `click → lap table painted, fresh page each time; max ${Math.max(...paints).toFixed(0)} ms over ${paints.length}; budget 300 ms`,
        },
        {
          name: 'ui: overlay 3 laps × 4 channels @ 100 Hz drawn',
          runtime: 'chromium',
          value: median(drawn.map((m) => m.duration)),
          unit: 'ms',
          ratioToNode: null,
          note: `samples in hand → ${detail.plots} plots (${detail.series} series, ${detail.points} points each) drawn; with loading: cold ${cold.duration.toFixed(0)} ms, warm ${median(totals.map((m) => m.duration)).toFixed(0)} ms; budget 50 ms`,
        },
        {
          name: 'ui: cursor move across plots + track map',
          runtime: 'chromium',
          value: median(cursor),
          unit: 'ms',
          ratioToNode: null,
          note: `pointer event handled → ${detail.plots} plots, readouts and ${markers} map markers updated; p95 ${percentile(cursor, 95).toFixed(2)} ms, max ${Math.max(...cursor).toFixed(2)} ms over ${cursor.length} moves; from the event's timestamp (Chromium delivers moves frame-aligned) median ${median(input).toFixed(1)} ms, to the next frame ${median(frame).toFixed(1)} ms; budget 16 ms`,
        },
      ];
    } finally {
      await server.close();
    }
  } finally {
    await browser.close();
    core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
