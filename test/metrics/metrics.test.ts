/** /metrics: the Prometheus text format, and the series a real gateway exchange produces. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Exchange } from '../../src/gateway/exchange.js';
import type { Inspector } from '../../src/gateway/inspector.js';
import { createMetrics, exchangeDecision, type Metrics } from '../../src/metrics/index.js';
import { Counter, Histogram, Registry } from '../../src/metrics/registry.js';
import { REFUSED_REASONS } from '../../src/gateway/refused.js';
import { httpAnswer } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

/** `name{labels} value` lines as a map, so assertions name the exact series. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1).replace('+Inf', 'Infinity')));
  }
  return out;
}

describe('text format', () => {
  test('counters escape label values and render HELP and TYPE once', () => {
    const r = new Registry();
    const c = r.register(new Counter('x_total', 'Help with \\ and\nnewline.', ['a']));
    c.inc({ a: 'q"uo\\te\nline' }, 2);
    c.inc({ a: 'q"uo\\te\nline' });
    assert.equal(
      r.render(),
      '# HELP x_total Help with \\\\ and\\nnewline.\n# TYPE x_total counter\n' +
        'x_total{a="q\\"uo\\\\te\\nline"} 3\n',
    );
    assert.throws(() => c.inc({ a: 'b' }, -1), /only go up/);
  });

  test('histogram buckets are cumulative, with +Inf, sum and count', () => {
    const h = new Histogram('lat_seconds', 'Latency.', ['p'], [0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3]) h.observe({ p: 'x' }, v);
    const s = samples(h.render());
    assert.equal(s.get('lat_seconds_bucket{p="x",le="0.1"}'), 2);
    assert.equal(s.get('lat_seconds_bucket{p="x",le="1"}'), 3);
    assert.equal(s.get('lat_seconds_bucket{p="x",le="+Inf"}'), 4);
    assert.equal(s.get('lat_seconds_sum{p="x"}'), 3.65);
    assert.equal(s.get('lat_seconds_count{p="x"}'), 4);
  });

  test('past 2000 label combinations, new ones fold into "other" (bounded memory)', () => {
    const c = new Counter('many_total', 'h', ['k']);
    for (let i = 0; i < 2100; i++) c.inc({ k: `v${i}` });
    const s = samples(c.render());
    assert.equal(s.size, 2001);
    assert.equal(s.get('many_total{k="other"}'), 100);
    assert.equal(s.get('many_total{k="v0"}'), 1);
  });

  test('invalid names and non-increasing buckets are refused', () => {
    assert.throws(() => new Counter('bad-name', 'h', []), /invalid metric name/);
    assert.throws(() => new Counter('ok', 'h', ['le']), /invalid label name/);
    assert.throws(() => new Histogram('h', 'h', [], [1, 1]), /buckets must increase/);
  });
});

describe('exchanges', () => {
  const base: Exchange = {
    id: 'x',
    startedAt: 0,
    provider: 'openai',
    dialect: 'openai-chat',
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    decision: 'forward',
    bytesIn: 10,
    bytesOut: 20,
    latencyMs: 30,
    inspectMs: 0.5,
    upstreamMs: 25,
    aborted: false,
    forwarded: true,
    summary: { findings: [], mode: 'enforce' },
  };

  test('a forwarded request with rewritten values counts as pseudonymize; upstream errors by code', () => {
    const m = createMetrics({ auditQueueDepth: () => 7 });
    const finding = {
      finding: {
        ruleId: 'home',
        category: 'environment' as const,
        severity: 'medium' as const,
        kind: 'home-path' as const,
        input: 0,
        path: [],
        role: 'user' as const,
        start: 0,
        end: 1,
      },
      action: 'pseudonymize' as const,
      valueHash: 'h',
      preview: '/h…e',
    };
    m.observe({ ...base, summary: { findings: [finding, finding], mode: 'enforce' } });
    m.observe({
      ...base,
      status: 502,
      decision: 'error',
      errorCode: 'AIRLOCK_UPSTREAM_UNREACHABLE',
      upstreamMs: undefined,
    });
    const s = samples(m.render());
    assert.equal(
      s.get(
        'airlock_requests_total{provider="openai",dialect="openai-chat",status="200",decision="pseudonymize"}',
      ),
      1,
    );
    assert.equal(
      s.get('airlock_requests_total{provider="openai",dialect="openai-chat",status="502",decision="error"}'),
      1,
    );
    assert.equal(s.get('airlock_findings_total{category="environment",action="pseudonymize"}'), 2);
    assert.equal(
      s.get('airlock_upstream_errors_total{provider="openai",code="AIRLOCK_UPSTREAM_UNREACHABLE"}'),
      1,
    );
    assert.equal(s.get('airlock_upstream_duration_seconds_count{provider="openai"}'), 1);
    assert.equal(s.get('airlock_request_duration_seconds_count{provider="openai"}'), 2);
    assert.equal(s.get('airlock_request_bytes_total{provider="openai"}'), 20);
    assert.equal(s.get('airlock_audit_queue_depth'), 7);
  });

  test('in monitor mode the decision is what happened (forward); the findings hold what enforce would do', () => {
    const found = (kind: 'private-key' | 'home-path', action: 'block' | 'pseudonymize') => ({
      finding: {
        ruleId: kind,
        category: kind === 'private-key' ? ('secret' as const) : ('environment' as const),
        severity: 'high' as const,
        kind,
        input: 0,
        path: [],
        role: 'user' as const,
        start: 0,
        end: 1,
      },
      action,
      valueHash: 'h',
      preview: 'p',
    });
    const key = found('private-key', 'block');
    const home = found('home-path', 'pseudonymize');
    const monitored = (findings: (typeof key)[]) =>
      exchangeDecision({ ...base, summary: { findings, mode: 'monitor' } });
    assert.equal(monitored([key]), 'forward');
    assert.equal(monitored([key, home]), 'forward');
    assert.equal(monitored([home]), 'forward');
    assert.equal(monitored([]), 'forward');
    assert.equal(
      exchangeDecision({ ...base, summary: { findings: [home], mode: 'enforce' } }),
      'pseudonymize',
    );
    // Enforce blocked that request itself; the exchange says so.
    assert.equal(
      exchangeDecision({
        ...base,
        status: 403,
        decision: 'block',
        summary: { findings: [key, home], mode: 'enforce' },
      }),
      'block',
    );

    const m = createMetrics();
    m.observe({ ...base, summary: { findings: [key], mode: 'monitor' } });
    const s = samples(m.render());
    assert.equal(
      s.get(
        'airlock_requests_total{provider="openai",dialect="openai-chat",status="200",decision="forward"}',
      ),
      1,
    );
  });

  test('every reason a request is refused before routing is a series from the start, at 0', () => {
    const s = samples(createMetrics().render());
    for (const reason of REFUSED_REASONS)
      assert.equal(s.get(`airlock_refused_requests_total{reason="${reason}"}`), 0, reason);
  });

  test('no audit recorder: no queue depth series at all', () => {
    assert.doesNotMatch(createMetrics().render(), /audit_queue_depth/);
  });
});

describe('served by the gateway', () => {
  let stack: Stack;
  let metrics: Metrics;
  const blocker: Inspector = {
    inspect: (req) => {
      const text = JSON.stringify(req.body);
      if (!text.includes('AKIA')) return { action: 'forward', summary: { findings: [], mode: 'enforce' } };
      return {
        action: 'block',
        message: 'aws key',
        summary: {
          mode: 'enforce',
          findings: [
            {
              finding: {
                ruleId: 'aws-access-key',
                category: 'secret',
                severity: 'critical',
                kind: 'aws-access-key',
                input: 0,
                path: ['messages', 0, 'content'],
                role: 'user',
                start: 0,
                end: 20,
              },
              action: 'block',
              valueHash: 'h',
              preview: 'AK…LE',
            },
          ],
        },
      };
    },
  };

  before(async () => {
    metrics = createMetrics();
    stack = await startStack(
      {},
      {
        inspector: blocker,
        routes: [metrics.route],
        onExchange: (ex) => metrics.observe(ex),
        onRefused: (reason) => metrics.observeRefused(reason),
      },
    );
  });
  after(() => stack.close());

  async function send(content: string): Promise<number> {
    const res = await fetch(`${stack.via.anthropic}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 8,
        messages: [{ role: 'user', content }],
      }),
    });
    await res.arrayBuffer();
    return res.status;
  }

  /** onExchange fires when the response closes, which can trail the client's read by a tick. */
  async function scrapeUntil(key: string, want: number): Promise<Map<string, number>> {
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${stack.gw.url}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      const s = samples(await res.text());
      if (s.get(key) === want) return s;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`${key} never reached ${want}`);
  }

  test('a forwarded and a blocked request show up with their decision, finding and latencies', async () => {
    assert.equal(await send('hello'), 200);
    assert.equal(await send('key AKIAIOSFODNN7EXAMPLE'), 403);
    const key =
      'airlock_requests_total{provider="anthropic",dialect="anthropic-messages",status="403",decision="block"}';
    const s = await scrapeUntil(key, 1);
    assert.equal(
      s.get(
        'airlock_requests_total{provider="anthropic",dialect="anthropic-messages",status="200",decision="forward"}',
      ),
      1,
    );
    assert.equal(s.get('airlock_findings_total{category="secret",action="block"}'), 1);
    assert.equal(s.get('airlock_inspect_duration_seconds_count{provider="anthropic"}'), 2);
    assert.equal(s.get('airlock_upstream_duration_seconds_count{provider="anthropic"}'), 1);
  });

  test('only GET and HEAD', async () => {
    const res = await fetch(`${stack.gw.url}/metrics`, { method: 'POST' });
    assert.equal(res.status, 405);
  });

  test('requests refused before routing are counted by reason, none as provider requests', async () => {
    const { host, port } = stack.gw;
    const scrape = async () => samples(await (await fetch(`${stack.gw.url}/metrics`)).text());
    const before = await scrape();
    const ask = (method: string, path: string, headers: Record<string, string> = {}) =>
      httpAnswer({ host, port, method, path, headers }, {}, (req) =>
        req.end(method === 'POST' ? '{}' : undefined),
      );
    assert.equal((await ask('GET', '/metrics', { host: `evil.example:${port}` })).status, 403);
    assert.equal((await ask('GET', '/anthropic/v1/models', { host: `evil.example:${port}` })).status, 403);
    const fromPage = { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' };
    assert.equal((await ask('POST', '/anthropic/v1/messages', fromPage)).status, 403);
    assert.equal((await ask('GET', '/v1/messages')).status, 404);
    assert.equal((await ask('POST', '/metrics')).status, 405);
    assert.equal((await ask('GET', '/anthropic/v1/models', { 'x-big': 'a'.repeat(70_000) })).status, 431);
    const malformed = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, host);
      let raw = '';
      socket.on('data', (c: Buffer) => (raw += c.toString('latin1')));
      socket.on('end', () => resolve(raw));
      socket.on('error', reject);
      socket.write('NOT HTTP AT ALL\r\n\r\n');
    });
    assert.match(malformed, /^HTTP\/1\.1 400 /);
    const provider = [...before].filter(([k]) => k.startsWith('airlock_requests_total'));
    const s = await scrape();
    const series = (reason: string) => `airlock_refused_requests_total{reason="${reason}"}`;
    // Counted since the scrape before (another test here POSTs to /metrics as well).
    const refused = (reason: string) => s.get(series(reason))! - before.get(series(reason))!;
    assert.deepEqual(
      REFUSED_REASONS.map((r) => [r, refused(r)]),
      [
        ['foreign_host', 2],
        ['cross_site', 1],
        ['unknown_route', 1],
        ['method_not_allowed', 1],
        ['headers_too_large', 1],
        ['headers_timeout', 0],
        ['bad_http', 1],
        ['connections_full', 0],
      ],
    );
    // Not provider requests: nothing of them in the exchange counters.
    assert.deepEqual(
      [...s].filter(([k]) => k.startsWith('airlock_requests_total')),
      provider,
    );
  });
});
