/**
 * The HTML report in a real browser (Debian's chromium through playwright-core): it loads from
 * a file with no network, draws the three charts, lists every finding, and its filters work.
 * A screenshot is left in the test's temp dir. Skipped, with the reason, when chromium is absent
 * (failed instead in CI: test/helpers/chromium.ts).
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import type { ScanReport } from '../../src/scan/types.js';
import { CHROMIUM, skipWithoutChromium } from '../helpers/chromium.js';
import { FIXTURES, scanWithTestEngine, tempDir } from './helpers/run.js';

describe('html report', { skip: skipWithoutChromium() }, () => {
  it('renders charts and a table whose filters work, in chromium', { timeout: 120_000 }, async (t) => {
    const dir = await tempDir(true); // kept: the report and its screenshot are there to look at
    const htmlFile = path.join(dir, 'report.html');
    await scanWithTestEngine([FIXTURES], { format: 'html', output: htmlFile });
    const json = await scanWithTestEngine([FIXTURES], { format: 'json' });
    const report = JSON.parse(json.output) as ScanReport;
    const secrets = report.findings.filter((f) => f.category === 'secret').length;
    const codex = report.findings.filter((f) => f.assistant === 'codex').length;

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(htmlFile).href);
      assert.deepEqual(errors, []);
      assert.deepEqual(requests, [pathToFileURL(htmlFile).href], 'self-contained: no other request');

      for (const id of ['chart-category', 'chart-assistant', 'chart-time']) {
        assert.ok((await page.locator(`#${id} svg rect`).count()) > 0, `${id} has bars`);
      }
      const visible = () => page.locator('#findings tbody tr:not([hidden])').count();
      assert.equal(await visible(), report.findings.length);
      assert.equal(
        await page.textContent('#shown-count'),
        `${report.findings.length} of ${report.findings.length} findings shown`,
      );

      await page.selectOption('#filter-category', 'secret');
      assert.equal(await visible(), secrets);
      assert.ok(secrets > 0 && secrets < report.findings.length);
      const severities = await page
        .locator('#findings tbody tr:not([hidden]) td:nth-child(2)')
        .allTextContents();
      assert.ok(severities.every((c) => c === 'secret'));

      await page.selectOption('#filter-category', '');
      await page.fill('#filter-text', 'codex');
      assert.equal(await visible(), codex);
      await page.selectOption('#filter-assistant', 'claude-code');
      assert.equal(await visible(), 0, 'text "codex" and assistant claude-code: nothing matches both');
      await page.fill('#filter-text', '');
      assert.equal(await visible(), report.findings.filter((f) => f.assistant === 'claude-code').length);

      const shot = path.join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok((await stat(shot)).size > 10_000, `screenshot at ${shot}`);
      t.diagnostic(`report and screenshot: ${htmlFile}, ${shot}`);
    } finally {
      await browser.close();
    }
  });
});
