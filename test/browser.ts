import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ROOT } from './helpers.js';

/**
 * The browser the page tests drive: Debian's Chromium (`.ci/run` installs
 * it), or the one SWORN_CHROMIUM names. Without one the tests are skipped
 * outside CI, and fail in CI (CI=true), where a missing browser is a fault.
 */
export const CHROMIUM = process.env.SWORN_CHROMIUM ?? '/usr/bin/chromium';
export const hasBrowser = existsSync(CHROMIUM) || process.env.CI === 'true';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set SWORN_CHROMIUM to a Chromium binary`);
  // The flags keep a headless Chromium off the network: only loopback pages are loaded.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}

/** Where the tests' screenshots go (an artifact of the run, not committed): test-results/screenshots/<name>.png. */
export function screenshotPath(name: string): string {
  const dir = join(ROOT, 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
