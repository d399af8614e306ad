/**
 * Debian's Chromium for the browser tests (playwright-core downloads no browser). Without it a
 * developer's run skips those tests with the reason; CI sets AIRLOCK_REQUIRE_BROWSER=1
 * (`.ci/run`), where a missing browser must fail them instead of passing them by skipping.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.AIRLOCK_CHROMIUM ?? '/usr/bin/chromium';

/** The `skip` option of a browser test: false, or why it cannot run here. */
export function skipWithoutChromium(): false | string {
  if (existsSync(CHROMIUM) || process.env.AIRLOCK_REQUIRE_BROWSER === '1') return false;
  return `needs Chromium at ${CHROMIUM} (apt-get install -y chromium, or set AIRLOCK_CHROMIUM)`;
}
