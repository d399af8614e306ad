/**
 * The dashboard in a real browser (playwright-core driving Debian's chromium): log in with the
 * token, send a request that gets blocked because it carries planted values, watch it arrive
 * in the live feed, open its detail, and check that no planted value is anywhere in the page.
 */
import assert from 'node:assert/strict';
import { until } from '../helpers/until.js';
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { request } from 'undici';
import { build } from 'vite';
import { StaticFiles, defaultWebRoot } from '../../src/dashboard/static.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { CHROMIUM, skipWithoutChromium } from '../helpers/chromium.js';
import { MIXED_EVENTS, sealedEvents, seed } from './helpers.js';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

// The planted values: a fake AWS access key and a home path with a distinctive user name.
const AWS_KEY = 'AKIAQX3PLANTEDZKEY27';
/** The policy in force: the built-in one, except that secrets block the request. */
const TEST_POLICY = 'categories:\n  secret: block\n';
const HOME = '/home/zora-plantedname';

describe('dashboard in a browser', { skip: skipWithoutChromium() }, () => {
  /** The whole Airlock as `airlock start` builds it, with its dashboard (and a policy file). */
  let s: AirlockStack;
  let policyFile: string;
  let browser: Browser;
  let shots: string;

  before(async () => {
    // `npm install` builds the front end (prepare); build it here when that did not happen.
    if (!new StaticFiles(defaultWebRoot()).built()) {
      await build({ root: fileURLToPath(new URL('../../web', import.meta.url)), logLevel: 'warn' });
    }
    shots = await mkdtemp(join(tmpdir(), 'airlock-dash-shots-'));
    policyFile = join(shots, 'policy.yaml');
    writeFileSync(policyFile, TEST_POLICY);
    s = await startAirlockStack({}, { policyFile });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ARGS,
      headless: true,
      timeout: 60_000,
    });
  });

  after(async () => {
    await browser?.close();
    await s?.close();
  });

  /** A browser context signed in through the login API, as the form does it. */
  async function signedInContext(): Promise<BrowserContext> {
    const context = await browser.newContext();
    const login = await context.request.post(`${s.airlock.gateway.url}/_airlock/login`, {
      data: { token: s.airlock.dashboard!.token.value },
    });
    assert.equal(login.status(), 204);
    return context;
  }

  /**
   * One request on a connection of its own (`reset`): a kept-alive one could be reused after the
   * gateway restarted, and meet the old process's close ("other side closed") before an answer.
   */
  async function send(content: string): Promise<{ status: number; id: string }> {
    const res = await request(`${s.via.anthropic}/v1/messages`, {
      method: 'POST',
      reset: true,
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-ant-test',
        'anthropic-version': '2023-06-01',
        'user-agent': 'claude-cli/2.1.0 (external, cli)',
      },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        messages: [{ role: 'user', content }],
      }),
    });
    await res.body.arrayBuffer();
    const id = res.headers['x-airlock-request-id'];
    return { status: res.statusCode, id: typeof id === 'string' ? id : '' };
  }

  test('login, a blocked request in the live feed, its detail, and no planted value on any page', async (t) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    // Script errors and CSP violations show up as console errors.
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/401|Unauthorized/.test(msg.text())) problems.push(msg.text());
    });
    // What the page asked of the server, to explain a wait that times out.
    const network: string[] = [];
    const started = Date.now();
    const at = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
    page.on('request', (r) => network.push(`${at()} > ${r.method()} ${r.url()}`));
    page.on('response', (r) => network.push(`${at()} < ${r.status()} ${r.url()}`));
    page.on('requestfailed', (r) => network.push(`${at()} x ${r.url()} ${r.failure()?.errorText}`));
    const explain = async (what: string, wait: Promise<unknown>) => {
      try {
        await wait;
      } catch (err) {
        const status = await page
          .locator('[data-live-status]')
          .getAttribute('data-live-status', { timeout: 1000 })
          .catch(() => 'none');
        throw new Error(
          `${what}: ${(err as Error).message.split('\n')[0]}\n` +
            `url ${page.url()}, live status ${status}, problems ${JSON.stringify(problems)}\n` +
            network.join('\n'),
        );
      }
    };
    const base = `${s.airlock.gateway.url}/_airlock`;

    // Not signed in: the app sends the browser to the login form.
    await page.goto(`${base}/`);
    assert.match(page.url(), /\/_airlock\/login$/);
    await page.fill('input[name=token]', s.airlock.dashboard!.token.value);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);

    // Live feed, connected before the request is sent.
    await page.goto(`${base}/#/live`);
    await explain('the live feed never connected', page.waitForSelector('[data-live-status=live]'));

    const sent = await send(`Deploy from ${HOME}/projects/app with key ${AWS_KEY} please`);
    assert.equal(sent.status, 403);
    assert.equal(s.sim.received.length, 0, 'the blocked request never reached the provider');

    const row = page.locator('tr.d-block').first();
    await row.waitFor();
    assert.match(await row.innerText(), /block/);
    assert.match(await row.innerText(), /anthropic/);
    const html = [await page.content()];

    // Open its detail from the feed.
    await row.locator('a').click();
    await page.waitForSelector('text=Sent by the client vs. what left');
    const detailText = await page.innerText('main');
    assert.match(detailText, /\$\.messages\[0\]\.content/);
    assert.match(detailText, /secret\.aws-access-key/);
    assert.match(detailText, /env\.home-path/);
    // The masked previews the audit log holds are what the page shows.
    await s.airlock.recorder.flush();
    const stored = (await s.airlock.store.query({ decision: 'block' })).events[0];
    assert.ok(stored && stored.findings.length >= 2);
    for (const f of stored.findings) assert.ok(detailText.includes(f.preview), `preview ${f.preview} shown`);
    assert.match(detailText, /nothing left the machine/);
    html.push(await page.content());
    await page.screenshot({ path: join(shots, 'event-detail.png'), fullPage: true });

    // The overview counts it, and the policy page shows the policy in force.
    // The overview reads the store (the recorder writes in batches, the API caches for 2 s).
    await s.airlock.recorder.flush();
    let blocked = '';
    for (let i = 0; i < 40 && blocked !== '1'; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 250));
      await page.goto(`${base}/#/overview`);
      await page.reload();
      blocked = (await page.locator('.stat.t-block .stat-value').innerText()).trim();
    }
    assert.equal(blocked, '1');
    await page.waitForSelector('.chart-box canvas');
    assert.match(await page.innerText('main'), /secret\.aws-access-key/, 'top rules');
    assert.match(await page.innerText('main'), /Top clients \(requests\)\s+claude-code/, 'top clients');
    html.push(await page.content());
    await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true });
    await page.goto(`${base}/#/policy`);
    await page.waitForSelector('pre.policy');
    assert.match(await page.innerText('pre.policy'), /secret: block/, 'the policy in force');
    assert.equal(await page.locator('[data-testid=policy-at-next-start]').count(), 0);
    html.push(await page.content());
    // A reload that changes a setting read at start only: the page says it waits for a restart.
    writeFileSync(policyFile, `${TEST_POLICY}vault: sqlite\n`);
    const note = page.locator('[data-testid=policy-at-next-start]');
    for (let i = 0; i < 40 && (await note.count()) === 0; i++) {
      await new Promise((r) => setTimeout(r, 125));
      await page.reload();
      await page.waitForSelector('pre.policy');
    }
    assert.match(await note.innerText(), /vault in the text below is read at start only/);
    assert.match(await page.innerText('pre.policy'), /vault: sqlite/, 'the new text is in force');
    writeFileSync(policyFile, TEST_POLICY);

    for (const text of html) {
      assert.ok(!text.includes(AWS_KEY), 'raw AWS key on a page');
      assert.ok(!text.includes('QX3PLANTEDZKEY'), 'part of the AWS key on a page');
      assert.ok(!text.includes('zora-plantedname'), 'home path user on a page');
      assert.ok(!text.includes(s.airlock.dashboard!.token.value), 'the token on a page');
    }
    // Nor in the audit log the pages are built from.
    assert.ok(
      !JSON.stringify(stored).includes(AWS_KEY) && !JSON.stringify(stored).includes('zora-plantedname'),
    );
    assert.deepEqual(problems, []);
    t.diagnostic(`screenshots in ${shots}`);
    await context.close();
  });

  test('a pseudonymized request: forwarded with a surrogate, and the detail shows what left in words', async () => {
    const context = await signedInContext();
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const base = `${s.airlock.gateway.url}/_airlock`;

    s.sim.reset();
    const sent = await send(`List the files in ${HOME}/projects/app`);
    assert.equal(sent.status, 200);
    const upstream = s.sim.received.at(-1)?.body.toString('utf8') ?? '';
    assert.ok(upstream.includes('/projects/app') && !upstream.includes('zora-plantedname'), upstream);

    await s.airlock.recorder.flush();
    const event = (await s.airlock.store.query({ decision: 'pseudonymize' })).events[0];
    assert.ok(event);
    await page.goto(`${base}/#/event/${event.id}`);
    await page.waitForSelector('text=Sent by the client vs. what left');
    const text = await page.innerText('main');
    assert.match(text, /forwarded to the provider/);
    assert.match(text, /«surrogate of the same shape»/);
    const html = await page.content();
    assert.ok(!html.includes('zora-plantedname'), 'home path user on the page');
    await context.close();
  });

  test('an upload with a binary file: its detail and its row say a part went out uninspected', async () => {
    const context = await signedInContext();
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const base = `${s.airlock.gateway.url}/_airlock`;
    const pdf = Buffer.concat([
      Buffer.from('%PDF-1.7\n'),
      Buffer.alloc(3000, 0xa7),
      Buffer.from('\n%%EOF\n'),
    ]);
    const form = new FormData();
    form.set('purpose', 'user_data');
    form.set('file', new Blob([pdf], { type: 'application/pdf' }), 'scan-of-zora-plantedname.pdf');
    const res = await fetch(`${s.via.openai}/files`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'user-agent': 'OpenAI/JS 6.1.0' },
      body: form,
    });
    await res.arrayBuffer();
    assert.equal(res.status, 200);
    await s.airlock.recorder.flush();
    const event = (await s.airlock.store.query({ kind: 'request', limit: 20 })).events.find(
      (e) => e.uninspected !== undefined,
    );
    assert.ok(event?.uninspected?.[0]?.name, 'the upload recorded its unread part');

    await page.goto(`${base}/#/event/${event.id}`);
    const card = page.locator('[data-testid=uninspected]');
    await card.waitFor();
    const text = await card.innerText();
    assert.match(text, /Sent uninspected \(1\)/);
    assert.match(text, /left the machine without being inspected/);
    assert.match(text, /application\/pdf/);
    assert.match(text, new RegExp(`${pdf.length.toLocaleString('en')} bytes`));
    assert.ok(text.includes(event.uninspected[0]!.name!), 'the masked file name');
    assert.match(await page.innerText('[data-testid=outcome]'), /1 part uninspected/);
    assert.ok(!(await page.content()).includes('zora-plantedname'), 'the file name is never whole');

    await page.goto(`${base}/#/live?kind=request`);
    const row = page.locator(`tr[data-event-id="${event.id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /1 uninspected/);
    await context.close();
  });

  test('a page change right after the app loaded is not lost', async () => {
    const context = await signedInContext();
    const base = `${s.airlock.gateway.url}/_airlock`;
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    // The hash changes once the app's module has run and drawn its first page, before the
    // browser paints: the moment a hash listener added after the next frame would miss.
    await page.addInitScript(
      "document.addEventListener('DOMContentLoaded', () => { if (location.hash === '') location.hash = '#/policy'; });",
    );
    await page.goto(`${base}/`);
    await page.waitForSelector('pre.policy');
    assert.match(page.url(), /#\/policy$/);
    await context.close();
  });

  test('the overview asks for its data once on landing, before the app has run; other pages not at all', async () => {
    const context = await signedInContext();
    const base = `${s.airlock.gateway.url}/_airlock`;
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    // The app's script is held back until the overview's data has been asked for: only the boot
    // script, which runs before it, can ask; then the app takes that answer (one request).
    const overviewAsks: string[] = [];
    let asked!: () => void;
    const askedEarly = new Promise<void>((resolve) => (asked = resolve));
    page.on('request', (r) => {
      if (!r.url().includes('/api/overview')) return;
      overviewAsks.push(new URL(r.url()).search);
      asked();
    });
    await page.route('**/_airlock/assets/index-*.js', async (route) => {
      await askedEarly;
      await route.continue();
    });
    await page.goto(`${base}/`);
    await page.waitForSelector('.chart-box canvas');
    assert.deepEqual(overviewAsks, ['?range=24h']);
    // Another range is asked for when chosen.
    await page.click('.range button:text("7d")');
    await page.waitForFunction("document.querySelector('.range button.on')?.textContent === '7d'");
    await until(() => overviewAsks.length === 2, 'the 7d request');
    assert.equal(overviewAsks[1], '?range=7d');
    // The hash changed after the boot script asked for the overview, before the app ran: the
    // policy page is shown, and opening the overview later asks again instead of taking that
    // older answer.
    const moved = await context.newPage();
    const movedAsks: string[] = [];
    moved.on('request', (r) => {
      if (r.url().includes('/api/overview')) movedAsks.push(new URL(r.url()).search);
    });
    await moved.addInitScript(
      "document.addEventListener('readystatechange', () => { if (document.readyState === 'interactive') location.hash = '#/policy'; });",
    );
    await moved.goto(`${base}/`);
    await moved.waitForSelector('pre.policy');
    assert.deepEqual(movedAsks, ['?range=24h']);
    await moved.evaluate("location.hash = '#/overview'");
    await moved.waitForSelector('.stat-value');
    assert.deepEqual(movedAsks, ['?range=24h', '?range=24h']);
    // Landing on another page asks for no overview.
    overviewAsks.length = 0;
    const live = await context.newPage();
    live.on('request', (r) => {
      if (r.url().includes('/api/overview')) overviewAsks.push(new URL(r.url()).search);
    });
    await live.goto(`${base}/#/live`);
    await live.waitForSelector('[data-live-status]');
    assert.deepEqual(overviewAsks, []);
    await context.close();
  });

  test('a live feed in a background tab closes its stream, and opens one again when shown', async () => {
    const context = await signedInContext();
    const page = await context.newPage();
    const streams: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/live')) streams.push(r.url());
    });
    // A string, not a function: tsx's name wrappers do not exist in the page.
    const setVisibility = (state: 'hidden' | 'visible') =>
      page.evaluate(
        `Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${state}' });` +
          "document.dispatchEvent(new Event('visibilitychange'));",
      );
    await page.goto(`${s.airlock.gateway.url}/_airlock/#/live`);
    await page.waitForSelector('[data-live-status=live]');
    assert.equal(streams.length, 1);
    // Every event so far (fewer than the hundred the page loads) is listed.
    await s.airlock.recorder.flush();
    const before = (await s.airlock.store.query({ limit: 500 })).events.length;
    await until(async () => (await page.locator('tr.row').count()) === before, 'every event listed');
    await setVisibility('hidden');
    await page.waitForSelector('[data-live-status=paused]');
    // Closed: an event recorded now is not pushed to this tab.
    await send('hello while hidden');
    await s.airlock.recorder.flush();
    await page.waitForTimeout(300);
    assert.equal(await page.locator('tr.row').count(), before);
    await setVisibility('visible');
    await page.waitForSelector('[data-live-status=live]');
    assert.equal(streams.length, 2);
    // Shown again, the page loads the latest events: the one recorded while hidden is there.
    await until(
      async () => (await page.locator('tr.row').count()) === before + 1,
      'the event recorded while hidden listed',
    );
    await context.close();
  });

  test('the live feed keeps its filter in the address, and catches up after its stream dropped', async () => {
    const context = await signedInContext();
    const page = await context.newPage();
    await page.goto(`${s.airlock.gateway.url}/_airlock/#/live`);
    await page.waitForSelector('[data-live-status=live]');
    await page.locator('select').nth(0).selectOption('request');
    assert.match(new URL(page.url()).hash, /^#\/live\?kind=request$/, 'the filter in the address');
    await page.waitForSelector('[data-live-status=live]');
    await s.airlock.recorder.flush();
    const before = (await s.airlock.store.query({ kind: 'request', limit: 500 })).events.length;
    await until(async () => (await page.locator('tr.row').count()) === before, 'every request listed');
    // The gateway restarts: the stream drops, and the page waits 2 s (retry) before it opens
    // another; what is recorded in that wait is pushed to no one. Its reconnection is held until
    // two requests are recorded, and the new process's store writes until they are listed: the
    // recorder writes in batches, so under load the page read the store before they were in it.
    let sent!: () => void;
    const bothSent = new Promise<void>((resolve) => (sent = resolve));
    await page.route('**/_airlock/api/live', async (route) => {
      await bothSent;
      await route.continue();
    });
    await s.restart();
    const store = s.airlock.store;
    const append = store.append.bind(store);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    store.append = async (batch) => {
      await released;
      return append(batch);
    };
    try {
      await send('hello while the feed was away');
      await send('and again');
      sent();
      await page.waitForSelector('[data-live-status=live]', { timeout: 20_000 });
      await until(
        async () => (await page.locator('tr.row').count()) === before + 2,
        'the events recorded while the stream was down listed',
      );
    } finally {
      sent();
      release();
      store.append = append;
    }
    await s.airlock.recorder.flush();
    await page.reload();
    await page.waitForSelector('[data-live-status=live]');
    assert.equal(await page.locator('select').nth(0).inputValue(), 'request', 'the filter after a reload');
    await context.close();
  });

  test("a detail's back link returns to the page it was opened from, its filter kept", async () => {
    // An egress attempt for the egress page's list, in the store as the recorder would write it.
    const now = Date.now();
    const [egress] = await seed(
      s.airlock.store,
      sealedEvents(1, now - 2000, now - 1000, 'seeded-egress', (_, time) => ({ ...MIXED_EVENTS[0]!, time })),
    );
    assert.equal(egress?.kind, 'egress');
    await send('a request to open from the filtered list');
    await s.airlock.recorder.flush();
    const request = (await s.airlock.store.query({ kind: 'request', limit: 1 })).events[0]!;
    const context = await signedInContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const base = `${s.airlock.gateway.url}/_airlock`;
    const hash = () => new URL(page.url()).hash;
    const back = page.locator('[data-testid=back]');

    // From the live feed with a filter chosen on the page (kept in the address by replaceState).
    await page.goto(`${base}/#/live`);
    await page.waitForSelector('[data-live-status=live]');
    await page.locator('select').nth(0).selectOption('request');
    await page.locator(`tr[data-event-id="${request.id}"] a`).click();
    await page.waitForSelector('[data-testid=outcome]');
    assert.equal(await back.getAttribute('href'), '#/live?kind=request');
    assert.match(await back.innerText(), /live feed \(filtered\)/);
    // A reload of the detail still knows where it was opened from.
    await page.reload();
    await page.waitForSelector('[data-testid=outcome]');
    await back.click();
    await page.waitForSelector('[data-live-status]');
    assert.equal(hash(), '#/live?kind=request');
    assert.equal(await page.locator('select').nth(0).inputValue(), 'request', 'the filter is back');

    // From the egress page.
    await page.goto(`${base}/#/egress`);
    await page.locator(`tr[data-event-id="${egress.id}"] a`).click();
    await page.waitForSelector('[data-testid=outcome]');
    await back.click();
    await page.waitForSelector('text=Destinations');
    assert.equal(hash(), '#/egress');

    // Opened directly: the list of its kind.
    const direct = await context.newPage();
    await direct.goto(`${base}/#/event/${egress.id}`);
    await direct.waitForSelector('[data-testid=outcome]');
    assert.equal(await direct.locator('[data-testid=back]').getAttribute('href'), '#/egress');
    await direct.goto(`${base}/#/event/${request.id}`);
    await direct.waitForSelector('[data-testid=outcome]');
    await direct.reload();
    await direct.waitForSelector('[data-testid=outcome]');
    assert.equal(await direct.locator('[data-testid=back]').getAttribute('href'), '#/live');
    await context.close();
  });

  test('a wrong token at the login form: 401 and no dashboard', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${s.airlock.gateway.url}/_airlock/login`);
    await page.fill('input[name=token]', 'not-the-token');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/_airlock/login') && r.request().method() === 'POST'),
      page.click('button[type=submit]'),
    ]);
    assert.equal(response.status(), 401);
    assert.equal(await response.text(), 'unauthorized\n');
    const cookies = await context.cookies();
    assert.equal(cookies.length, 0);
    // And the API stays closed to this browser.
    const api = await page.request.get(`${s.airlock.gateway.url}/_airlock/api/events`);
    assert.equal(api.status(), 401);
    await context.close();
  });
});
