/**
 * Bodies parsed by parseJsonBytes (Latin-1 reading, remembered tools and system prompt shared
 * between requests, the splice jumping over them and writing over the given-up bytes) leave byte for byte as they did when parsed
 * with JSON.parse(bytes.toString('utf8')): same upstream bytes, headers and findings, request
 * after request, over the captured requests of four assistants and variants that edit inside
 * the remembered values, repeat keys in them, or space them out. The remembered values
 * themselves never change.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveDialect } from '../../src/dialects/index.js';
import { parseJsonBytes } from '../../src/dialects/parse-json.js';
import { createPersistentIdDetector, MemoryIdTracker } from '../../src/detect/tracking.js';
import type { Inspector } from '../../src/gateway/inspector.js';
import { engineForPolicy } from '../../src/policy/engine.js';
import { createPolicyInspector } from '../../src/policy/inspector.js';
import { defaultPolicy } from '../../src/policy/load.js';
import { MemoryVault } from '../../src/redact/vault.js';
import { CAPTURED_CLIS, loadCapture } from '../helpers/captures.js';

const KEY = Buffer.alloc(32, 7);

function inspectorFor(): Inspector {
  const policy = defaultPolicy();
  return createPolicyInspector({
    policy,
    engine: engineForPolicy(policy),
    vault: new MemoryVault(),
    key: KEY,
    tracker: createPersistentIdDetector({ tracker: new MemoryIdTracker(), key: KEY, threshold: 2 }),
  });
}

type Json = Record<string, unknown>;

/** The request bodies to send: each captured one, and variants of those with tools or system. */
function variants(body: Json, planted: Record<string, string>): string[] {
  const out = [JSON.stringify(body)];
  const home = Object.values(planted).find((v) => v.startsWith('/home/')) ?? '/home/alice';
  for (const key of ['tools', 'system', 'instructions', 'systemInstruction']) {
    if (body[key] === undefined) continue;
    // Something to pseudonymize inside the remembered value.
    const edited = JSON.stringify(body[key]).replace(/"(description|text)":"/, `"$1":"see ${home}/src/x.ts `);
    out.push(JSON.stringify(body).replace(JSON.stringify(body[key]), edited));
    // A repeated key inside it: the splice gives up and the body is serialized.
    const repeated = JSON.stringify(body[key]).replace(/\{"/, '{"dup":1,"dup":2,"');
    out.push(JSON.stringify(body).replace(JSON.stringify(body[key]), repeated));
  }
  out.push(JSON.stringify(body, null, 2));
  return out;
}

function sentBytes(result: Awaited<ReturnType<Inspector['inspect']>>, raw: Buffer): string {
  if (result.action !== 'forward') return `block ${result.message}`;
  const body =
    result.bodyBytes ?? (result.body === undefined ? raw : Buffer.from(JSON.stringify(result.body)));
  return [
    body.toString('latin1'),
    JSON.stringify(result.setHeaders ?? {}),
    JSON.stringify(result.removeHeaders ?? []),
    JSON.stringify(result.summary),
  ].join('\n');
}

describe('bodies parsed from bytes leave exactly as before', () => {
  for (const [cli, provider] of Object.entries(CAPTURED_CLIS)) {
    it(`${cli}: same upstream bytes, turn after turn`, async () => {
      const capture = loadCapture(cli);
      const reference = inspectorFor();
      const subject = inspectorFor();
      const texts = capture.requests.flatMap((req) =>
        typeof req.body === 'object' && req.body !== null
          ? variants(req.body as Json, capture.planted).map((text) => ({ req, text }))
          : [],
      );
      let jumped = 0;
      for (let round = 0; round < 3; round++) {
        for (const { req, text } of texts) {
          const raw = Buffer.from(text);
          const [path = '', search = ''] = req.path.split('?');
          const request = (body: unknown, own = false) => ({
            provider,
            dialect: resolveDialect(provider, req.method, path),
            method: req.method,
            path,
            query: new URLSearchParams(search),
            headers: { ...req.headers },
            body,
            // The subject gets its own copy, given up: the splice may write over it.
            raw: own ? Buffer.from(raw) : raw,
            rawOwned: own,
          });
          const want = await reference.inspect(request(JSON.parse(raw.toString('utf8'))));
          const parsed = parseJsonBytes(raw);
          if (
            Object.values(parsed as Json).some(
              (v) => v !== null && typeof v === 'object' && Object.isFrozen(v),
            )
          )
            jumped++;
          const got = await subject.inspect(request(parsed, true));
          assert.equal(sentBytes(got, raw), sentBytes(want, raw), `${cli} ${req.path} round ${round}`);
        }
      }
      assert.ok(jumped > 0, 'some bodies must have remembered values');
      // Nothing changed what the parser remembers.
      for (const { text } of texts) {
        const raw = Buffer.from(text);
        assert.deepEqual(parseJsonBytes(raw), JSON.parse(raw.toString('utf8')));
      }
    });
  }

  it('claude: a growing conversation leaves turn after turn as with JSON.parse', async () => {
    // Each turn resends the earlier ones, byte for byte: the parser takes them from its cache,
    // the dialect keeps their segments, the detectors keep what they found in them. What
    // leaves must be exactly what the uncached path sends: body bytes, headers, findings.
    const capture = loadCapture('claude');
    const req = capture.requests.find(
      (r) => typeof r.body === 'object' && JSON.stringify(r.body).length > 50_000,
    )!;
    const base = req.body as Json;
    const home = Object.values(capture.planted).find((v) => v.startsWith('/home/')) ?? '/home/alice';
    const secret = Object.values(capture.planted).find((v) => /^(sk-|AKIA|ghp_)/.test(v)) ?? 'none';
    const turns: unknown[] = [];
    const said = (k: number): unknown[] => [
      {
        role: 'assistant',
        content: [
          {
            type: 'text',
            text: `Step ${k}: I will read ${home}/src/file-${k}.ts now. ${'Plan. '.repeat(40)}`,
          },
          {
            type: 'tool_use',
            id: `toolu_${k}`,
            name: 'Read',
            input: { file_path: `${home}/src/file-${k}.ts` },
          },
        ],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: `toolu_${k}`,
            content: `export const key${k} = "${secret}"; // ${home}\n${'const x = 1;\n'.repeat(30)}`,
          },
        ],
      },
    ];
    const reference = inspectorFor();
    const subject = inspectorFor();
    let remembered = 0;
    const send = async (messages: unknown[], label: string) => {
      const raw = Buffer.from(JSON.stringify({ ...base, messages }));
      const request = (body: unknown, own: boolean) => ({
        provider: 'anthropic' as const,
        dialect: resolveDialect('anthropic', 'POST', '/v1/messages'),
        method: 'POST',
        path: '/v1/messages',
        query: new URLSearchParams('beta=true'),
        headers: { ...req.headers },
        body,
        raw: own ? Buffer.from(raw) : raw,
        rawOwned: own,
      });
      const want = await reference.inspect(request(JSON.parse(raw.toString('utf8')), false));
      const parsed = parseJsonBytes(raw) as { messages: unknown[] };
      remembered += parsed.messages.filter((m) => Object.isFrozen(m)).length;
      const got = await subject.inspect(request(parsed, true));
      assert.equal(sentBytes(got, raw), sentBytes(want, raw), label);
    };
    const first = base.messages as unknown[];
    for (let k = 0; k < 6; k++) {
      turns.push(...said(k));
      await send([...first, ...turns], `turn ${k}`);
      await send([...first, ...turns], `turn ${k}, again`);
    }
    // Earlier turns dropped (their indices move), and one earlier turn changed.
    await send(turns.slice(4), 'dropped turns');
    const changed = structuredClone(turns);
    (changed[2] as { content: { text?: string }[] }).content[0]!.text = `changed ${home}`;
    await send([...first, ...changed], 'changed turn');
    assert.ok(remembered > 20, 'earlier turns came from the cache');
  });
});
