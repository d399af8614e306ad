/**
 * What the pages say, in a real browser (playwright-core driving Debian's chromium), over a
 * store seeded with one event of each outcome: an egress attempt's detail says what the egress
 * policy did, the overview keeps egress attempts out of its requests, times name their zone,
 * the live feed says when it is disconnected, and a link opened while signed out lands where it
 * pointed once signed in.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import type { AuditEvent } from '../../src/audit/types.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { StaticFiles, defaultWebRoot } from '../../src/dashboard/static.js';
import { startGateway, type Gateway } from '../../src/gateway/server.js';
import { CHROMIUM, skipWithoutChromium } from '../helpers/chromium.js';
import { testConfig } from '../helpers/stack.js';
import { mixedEvents, seed, tempDir } from './helpers.js';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'];
/** UTC+08:45 and no daylight saving: a time shown in UTC or in the runner's zone is caught. */
const ZONE = 'Australia/Eucla';
const INSTANCE = 'gw-pages-7f3a';

describe('dashboard pages in a browser', { skip: skipWithoutChromium() }, () => {
  let dir: { dir: string; cleanup: () => Promise<void> };
  let store: SqliteAuditStore;
  let dashboard: Dashboard;
  let gw: Gateway;
  let browser: Browser;
  let events: AuditEvent[];
  let base: string;

  const byOutcome = (kind: string, decision: string) => {
    const e = events.find((x) => x.kind === kind && x.decision === decision);
    assert.ok(e, `${kind} ${decision} seeded`);
    return e;
  };

  async function startDashboardGateway(port = 0): Promise<Gateway> {
    return startGateway({
      config: testConfig({ listen: { host: '127.0.0.1', port } }),
      routes: [dashboard.routes],
    });
  }

  before(async () => {
    if (!new StaticFiles(defaultWebRoot()).built()) {
      await build({ root: fileURLToPath(new URL('../../web', import.meta.url)), logLevel: 'warn' });
    }
    dir = await tempDir();
    store = new SqliteAuditStore({ path: join(dir.dir, 'audit.db') });
    const now = Date.now();
    events = await seed(store, mixedEvents(now - 600_000, now - 1000, INSTANCE));
    dashboard = createDashboard({ store, dataDir: dir.dir, overviewCacheMs: 0, followStoreMs: 0 });
    gw = await startDashboardGateway();
    base = `${gw.url}/_airlock`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ARGS,
      headless: true,
      timeout: 60_000,
    });
  });

  after(async () => {
    await browser?.close();
    await dashboard?.close();
    await gw?.close(500);
    await store?.close();
    await dir?.cleanup();
  });

  async function signedIn(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ timezoneId: ZONE, viewport: { width: 1280, height: 900 } });
    const login = await context.request.post(`${base}/login`, { data: { token: dashboard.token.value } });
    assert.equal(login.status(), 204);
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    return { context, page };
  }

  test('a denied egress attempt: the detail says the egress policy denied it, by which rule, and where', async () => {
    const { context, page } = await signedIn();
    const denied = byOutcome('egress', 'deny');
    await page.goto(`${base}/#/event/${denied.id}`);
    await page.waitForSelector('[data-testid=outcome]');
    const text = await page.innerText('main');
    assert.doesNotMatch(text, /No findings/);
    assert.doesNotMatch(text, /left as it was sent/);
    assert.match(await page.innerText('[data-testid=outcome]'), /deny\s+denied by the egress policy/);
    assert.match(
      await page.innerText('[data-testid=no-findings]'),
      /^Denied by the egress policy, rule built-in @telemetry \(statsig\.anthropic\.com\): the proxy refused the connection to statsig\.anthropic\.com:443 \(status 403\), and nothing was sent there\.$/,
    );
    // The attempt that failed after it was allowed is not called denied, nor a request.
    const failed = byOutcome('egress', 'error');
    await page.goto(`${base}/#/event/${failed.id}`);
    await page.locator('[data-testid=no-findings]', { hasText: failed.egress!.host }).waitFor();
    assert.match(
      await page.innerText('[data-testid=no-findings]'),
      /^Allowed by the egress policy, rule profile default: not listed, but the proxy could not complete the connection to unreachable\.example\.com:443 \(ECONNREFUSED\)\.$/,
    );
    await context.close();
  });

  test('the detail names the gateway instance that wrote the event, and a time with its zone', async () => {
    const { context, page } = await signedIn();
    const blocked = byOutcome('request', 'block');
    await page.goto(`${base}/#/event/${blocked.id}`);
    await page.waitForSelector('dl.facts');
    const facts = await page.$$eval('dl.facts dt', (dts) =>
      Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent ?? ''])),
    );
    assert.equal(facts['Gateway instance'], INSTANCE);
    // The time in the browser's zone (UTC+08:45), to the millisecond, with the offset.
    const at = new Date(Date.parse(blocked.time) + 525 * 60_000).toISOString();
    assert.equal(facts.Time, `${at.slice(0, 10)} ${at.slice(11, 23)} UTC+08:45`);
    // The zone is named once for every page, in the navigation bar.
    assert.equal((await page.innerText('[data-testid=time-zone]')).trim(), `Times in ${ZONE}, UTC+08:45`);
    // A request with no findings that failed does not say it left as it was sent.
    const failed = byOutcome('request', 'error');
    await page.goto(`${base}/#/event/${failed.id}`);
    await page.locator('[data-testid=no-findings]', { hasText: 'failed' }).waitFor();
    assert.equal(
      await page.innerText('[data-testid=no-findings]'),
      'No findings recorded; the request failed (AIRLOCK_UPSTREAM_UNREACHABLE).',
    );
    await context.close();
  });

  test('the overview: requests by decision and the request counts hold no egress attempt', async () => {
    const { context, page } = await signedIn();
    await page.goto(`${base}/#/overview`);
    await page.waitForSelector('.chart-box canvas');
    const chart = page.locator('section.chart', { hasText: 'Requests by decision' });
    const legend = await chart.locator('.u-legend .u-series .u-label').allInnerTexts();
    assert.deepEqual(legend.filter((l) => l !== 'Time').sort(), ['block', 'error', 'forward']);
    const stats = await page.$$eval('.stat', (els) =>
      Object.fromEntries(
        els.map((el) => [
          el.querySelector('.stat-label')?.textContent ?? '',
          el.querySelector('.stat-value')?.textContent ?? '',
        ]),
      ),
    );
    assert.equal(stats.Requests, '3');
    assert.equal(stats['Request errors'], '1');
    assert.equal(stats['Egress attempts'], '3');
    assert.match(await page.innerText('.t-egress'), /1 denied · 1 failed/);
    await context.close();
  });

  test('the egress page: its empty state shows no markup characters', async () => {
    const { context, page } = await signedIn();
    // Every range holds the seeded attempts: the answer of a gateway that saw none stands in.
    await page.route('**/_airlock/api/egress?*', (route) =>
      route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({ range: '24h', destinations: [], recent: [], scanned: 0, truncated: false }),
      }),
    );
    await page.goto(`${base}/#/egress`);
    await page.waitForSelector('text=No egress attempts in this range');
    const card = page.locator('section.card', { hasText: 'No egress attempts' });
    const text = await card.innerText();
    assert.ok(!text.includes('`'), text);
    assert.equal(await card.locator('code').innerText(), 'airlock run');
    await context.close();
  });

  test('a link opened while signed out lands on its page after the sign-in', async () => {
    const context = await browser.newContext({ timezoneId: ZONE });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const denied = byOutcome('egress', 'deny');
    await page.goto(`${base}/#/event/${denied.id}`);
    assert.equal(page.url(), `${base}/login#/event/${denied.id}`);
    await page.fill('input[name=token]', dashboard.token.value);
    await Promise.all([page.waitForURL(`${base}/#/event/${denied.id}`), page.click('button[type=submit]')]);
    await page.waitForSelector('[data-testid=outcome]');
    assert.match(await page.innerText('main'), /statsig\.anthropic\.com:443/);
    // Signed out in the app (the session's cookie gone): its next API call answers 401, and the
    // login form it goes to keeps the page, here a filtered live feed.
    await context.clearCookies();
    await page.goto(`${base}/#/live?kind=egress&decision=deny`);
    await page.waitForURL(`${base}/login#/live?kind=egress&decision=deny`);
    await page.fill('input[name=token]', dashboard.token.value);
    await Promise.all([
      page.waitForURL(`${base}/#/live?kind=egress&decision=deny`),
      page.click('button[type=submit]'),
    ]);
    await page.waitForSelector('tr.row');
    assert.equal(await page.locator('tr.row').count(), 1);
    await context.close();
  });

  test('the live feed says it is disconnected while the gateway is down, and lists events again once back', async () => {
    const { context, page } = await signedIn();
    // A filter no event matches: the list is empty, and must not read as an empty feed.
    await page.goto(`${base}/#/live?client=nobody-at-all`);
    await page.waitForSelector('[data-live-status=live]');
    assert.match(await page.innerText('main'), /No events match this filter yet/);
    assert.equal(await page.locator('[data-testid=live-disconnected]').count(), 0);

    const port = Number(new URL(gw.url).port);
    await gw.close(500);
    await page.waitForSelector('[data-testid=live-disconnected]');
    const text = await page.innerText('main');
    assert.match(text, /Disconnected: the live feed lost its connection to the gateway/);
    assert.match(text, /No events to show: the feed is disconnected from the gateway/);
    assert.doesNotMatch(text, /No events yet|No events match/);
    assert.equal(await page.locator('[data-live-status]').innerText(), 'disconnected, reconnecting…');

    gw = await startDashboardGateway(port);
    await page.waitForSelector('[data-live-status=live]', { timeout: 30_000 });
    assert.equal(await page.locator('[data-testid=live-disconnected]').count(), 0);
    assert.match(await page.innerText('main'), /No events match this filter yet/);
    await context.close();
  });

  test('a live feed opened while the gateway is down says so instead of an empty feed', async () => {
    const { context, page } = await signedIn();
    await page.goto(`${base}/#/live`);
    await page.waitForSelector('[data-live-status=live]');
    await page.waitForSelector('tr.row');
    // The stream and every API call fail from now on, as with the gateway gone.
    await page.route('**/_airlock/api/**', (route) => route.abort('connectionrefused'));
    await page.reload({ waitUntil: 'domcontentloaded' }).catch(() => undefined);
    await page.waitForSelector('[data-testid=live-disconnected]');
    const text = await page.innerText('main');
    assert.doesNotMatch(text, /No events yet/);
    assert.match(text, /No events to show/);
    await context.close();
  });
});
