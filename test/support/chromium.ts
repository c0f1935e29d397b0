// Debian's Chromium driven by playwright-core (no browser download is possible here).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether the browser tests can run. Without Chromium a developer's `npm test` skips them
 * with the reason; CI installs Chromium first, so there a missing browser is a failure.
 */
export function chromiumAvailability(): { ok: true } | { ok: false; reason: string } {
  if (existsSync(CHROMIUM_PATH)) return { ok: true };
  const reason = `${CHROMIUM_PATH} not found: install Debian's chromium (apt-get install -y chromium) to run the browser tests`;
  if (process.env.CI) throw new Error(reason);
  return { ok: false, reason };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}
