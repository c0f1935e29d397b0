// Debian's Chromium for the browser tests, launched as the UI benchmark launches it.
import { chromiumMissing } from '../../src-main/bench/chromium.ts';

export { CHROMIUM_PATH, launchChromium } from '../../src-main/bench/chromium.ts';

/**
 * Whether the browser tests can run. Without Chromium a developer's `npm test` skips them
 * with the reason; CI installs Chromium first, so there a missing browser is a failure.
 */
export function chromiumAvailability(): { ok: true } | { ok: false; reason: string } {
  const missing = chromiumMissing();
  if (missing === null) return { ok: true };
  const reason = `${missing} to run the browser tests`;
  if (process.env.CI) throw new Error(reason);
  return { ok: false, reason };
}
