/**
 * Pacing: with a delay between events the stream reaches the client in many separate pieces,
 * the first ones before the last is written — the property the gateway's no-buffering test
 * builds on. No timing thresholds: only arrival counts and order.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import OpenAI from 'openai';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/index.js';

const TEXT = 'one two three four five six seven eight';

/** Stream a chat completion with node:http and return the body as the pieces the socket delivered. */
function pieces(url: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/v1/chat/completions`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        const got: string[] = [];
        res.setEncoding('utf8');
        res.on('data', (piece: string) => got.push(piece));
        res.on('end', () => resolve(got));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(
      JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: 'count' }] }),
    );
  });
}

describe('simulator: pacing', () => {
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator({ pacingMs: 40, script: { reply: [{ text: TEXT }] } });
  });
  after(() => sim.close());

  it('delivers a paced stream in many pieces, the first long before [DONE]', async () => {
    const got = await pieces(sim.url);
    // 11 events (role, 8 words, finish, [DONE]) paced 40 ms apart: even a busy client that merges
    // some reads sees several separate arrivals.
    assert.ok(got.length >= 4, `expected several separate arrivals, got ${got.length}`);
    assert.ok(!got[0]?.includes('[DONE]'), 'the first piece arrives before the end of the stream');
    assert.ok(got.at(-1)?.includes('data: [DONE]'));
    const joined = got.join('');
    const contents = joined
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map(
        (e) =>
          (JSON.parse(e.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta
            .content ?? '',
      );
    assert.equal(contents.join(''), TEXT, 'pacing changes timing only, not content');
  });

  it(
    'gets deltas to the SDK before the stream ends (a stalled stream never ends)',
    { timeout: 15_000 },
    async () => {
      const own = await startSimulator({
        pacingMs: 10,
        script: { reply: [{ text: TEXT }], stallAfterEvents: 4 },
      });
      try {
        const client = new OpenAI({ apiKey: 'k', baseURL: own.urls.openai, maxRetries: 0 });
        const stream = await client.chat.completions.create({
          model: 'gpt-4.1',
          stream: true,
          messages: [{ role: 'user', content: 'count' }],
        });
        const seen: string[] = [];
        for await (const chunk of stream) {
          const content = chunk.choices[0]?.delta.content;
          if (content) seen.push(content);
          if (seen.length === 3) break; // leaving the loop aborts the request
        }
        assert.deepEqual(seen, ['one ', 'two ', 'three ']);
      } finally {
        await own.close();
      }
    },
  );

  it('close() ends a slow stream that is still being paced', { timeout: 15_000 }, async () => {
    const own = await startSimulator({ pacingMs: 60_000, script: { reply: [{ text: TEXT }] } });
    let firstPiece: (() => void) | undefined;
    const gotFirst = new Promise<void>((resolve) => (firstPiece = resolve));
    const outcome = new Promise<string>((resolve) => {
      const req = http.request(`${own.urls.openai}/chat/completions`, { method: 'POST' }, (res) => {
        res.on('data', () => firstPiece?.());
        res.on('end', () => resolve('end'));
        res.on('error', () => resolve('error'));
        res.on('aborted', () => resolve('aborted'));
      });
      req.on('error', () => resolve('error'));
      req.end(JSON.stringify({ model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: 'x' }] }));
    });
    await gotFirst; // the first event is out; the next one would come a minute later
    await own.close();
    assert.notEqual(await outcome, 'end', 'the client sees the stream cut, not a clean end');
  });

  it('applies setPacing(0) to later requests: the whole stream is then written at once', async () => {
    sim.setPacing(0);
    try {
      const got = await pieces(sim.url);
      assert.ok(got.join('').endsWith('data: [DONE]\n\n'));
      // One write on the server side; on loopback that arrives as one or very few pieces.
      assert.ok(got.length <= 2, `expected the unpaced stream in one piece, got ${got.length}`);
    } finally {
      sim.setPacing(40);
    }
  });
});
