/**
 * What the simulator records: method, path with query, lower-cased headers, the body bytes as
 * sent (compressed or not) with the decoded JSON beside them, in arrival order; `record: false`
 * and `onRequest` for benchmarks and `airlock simulate --log`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { startSimulator } from '../../src/simulator/index.js';
import type { RecordedRequest, Simulator } from '../../src/simulator/index.js';

const chat = (content: string) => ({ model: 'gpt-4.1', messages: [{ role: 'user', content }] });

describe('simulator: recording', () => {
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator({
      script: { reply: [{ toolCall: { name: 'open', args: { path: { fromRequest: 'open (\\S+)' } } } }] },
    });
  });
  after(() => sim.close());

  it('records compressed bodies as sent and decodes them for JSON and fromRequest', async () => {
    sim.reset();
    const encodings = [
      ['gzip', gzipSync],
      ['br', brotliCompressSync],
    ] as const;
    for (const [encoding, compress] of encodings) {
      const raw = compress(Buffer.from(JSON.stringify(chat(`open /srv/${encoding}/file.txt`))));
      const res = await fetch(`${sim.urls.openai}/chat/completions?trace=1`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Content-Encoding': encoding,
          'X-Custom-Header': 'Yes',
        },
        body: raw,
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        choices: { message: { tool_calls: { function: { arguments: string } }[] } }[];
      };
      const args = JSON.parse(body.choices[0]?.message.tool_calls[0]?.function.arguments ?? '{}') as {
        path: string;
      };
      assert.equal(args.path, `/srv/${encoding}/file.txt`);
      const rec = sim.received.at(-1);
      assert.ok(rec);
      assert.deepEqual(rec.body, raw, 'the recorded body is byte for byte what was sent');
      assert.deepEqual(rec.json, chat(`open /srv/${encoding}/file.txt`));
      assert.equal(rec.path, '/v1/chat/completions?trace=1');
      assert.equal(rec.headers['x-custom-header'], 'Yes');
      assert.equal(rec.headers['content-encoding'], encoding);
    }
    assert.equal(sim.received.length, 2);
    assert.ok((sim.received[0]?.at ?? 0) <= (sim.received[1]?.at ?? 0));
  });

  it('records requests it cannot answer too (bad JSON gets a 400, an unknown path a 404)', async () => {
    sim.reset();
    const bad = await fetch(`${sim.urls.openai}/chat/completions`, {
      method: 'POST',
      body: '{"model": "x", ',
    });
    assert.equal(bad.status, 400);
    const missing = await fetch(`${sim.url}/v2/whatever`, { method: 'DELETE' });
    assert.equal(missing.status, 404);
    assert.deepEqual(
      sim.received.map((r) => [r.method, r.path, r.json]),
      [
        ['POST', '/v1/chat/completions', undefined],
        ['DELETE', '/v2/whatever', undefined],
      ],
    );
  });

  it('with record: false keeps nothing but still calls onRequest', async () => {
    const seen: RecordedRequest[] = [];
    const quiet = await startSimulator({ record: false, onRequest: (r) => seen.push(r) });
    try {
      const res = await fetch(`${quiet.urls.openai}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify(chat('hi')),
      });
      assert.equal(res.status, 200);
      await res.text();
      assert.equal(quiet.received.length, 0);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.path, '/v1/chat/completions');
    } finally {
      await quiet.close();
    }
  });
});
