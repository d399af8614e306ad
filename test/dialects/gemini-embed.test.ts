import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gemini } from '../../src/dialects/gemini.js';
import { geminiCaches } from '../../src/dialects/gemini-caches.js';
import { geminiEmbed } from '../../src/dialects/gemini-embed.js';
import { checkAnswerRoundTrip, checkOddShapes, checkRoundTrip, loadFixture } from './helpers.js';

const paths = (segs: { path: readonly (string | number)[] }[]) => segs.map((s) => s.path.join('.'));
const q = new URLSearchParams();

const EMBED = JSON.stringify({
  model: 'models/text-embedding-004',
  content: { parts: [{ text: 'Working directory: /home/alice/acme-api' }, { text: 'owner alice' }] },
  taskType: 'RETRIEVAL_DOCUMENT',
  title: 'Notes of alice',
});
const BATCH = JSON.stringify({
  requests: [
    { model: 'models/gemini-embedding-001', content: { role: 'user', parts: [{ text: 'alice one' }] } },
    {
      model: 'models/gemini-embedding-001',
      content: { parts: [{ text: 'alice two' }] },
      title: 'alice doc',
      outputDimensionality: 64,
    },
  ],
});

describe('gemini-embed requests', () => {
  it('round-trips :embedContent', () => {
    const segs = checkRoundTrip(geminiEmbed, EMBED);
    assert.deepEqual(paths(segs), ['title', 'content.parts.0.text', 'content.parts.1.text']);
    assert.ok(segs.every((s) => s.role === 'user'));
  });

  it('round-trips :batchEmbedContents', () => {
    const segs = checkRoundTrip(geminiEmbed, BATCH);
    assert.deepEqual(paths(segs), [
      'requests.0.content.parts.0.text',
      'requests.1.title',
      'requests.1.content.parts.0.text',
    ]);
  });

  it('never throws on odd shapes', () => {
    checkOddShapes(geminiEmbed, EMBED);
    checkOddShapes(geminiEmbed, BATCH);
  });

  it('reads the model from the path, never streams, and has no answer text', () => {
    assert.equal(
      geminiEmbed.model({}, '/v1beta/models/text-embedding-004:embedContent'),
      'text-embedding-004',
    );
    assert.equal(
      geminiEmbed.model({}, '/v1beta/models/gemini-embedding-001%3AbatchEmbedContents'),
      'gemini-embedding-001',
    );
    assert.equal(geminiEmbed.streaming({}, '/v1beta/models/m:embedContent', q), false);
    assert.deepEqual(geminiEmbed.answerFields({ embedding: { values: [0.1, -0.2] } }), []);
    assert.deepEqual(geminiEmbed.answerFields({ embeddings: [{ values: [0.1] }, { values: [0.2] }] }), []);
  });
});

const cli: unknown = JSON.parse(loadFixture('gemini-cli.json'));
const CACHE = JSON.stringify({
  ...(cli as object),
  model: 'models/gemini-2.5-flash',
  displayName: 'acme-api of alice',
  ttl: '3600s',
});

describe('gemini-caches requests', () => {
  it('lists systemInstruction, contents and tools as generateContent does, and the display name', () => {
    const segs = checkRoundTrip(geminiCaches, CACHE);
    const generate = gemini.segments(cli);
    assert.deepEqual(segs.slice(0, -1), generate);
    assert.deepEqual(segs.at(-1), { path: ['displayName'], role: 'metadata', text: 'acme-api of alice' });
  });

  it('never throws on odd shapes', () => {
    checkOddShapes(geminiCaches, CACHE);
  });

  it('reads the model from the body and restores the display name echoed back', () => {
    const body: unknown = JSON.parse(CACHE);
    assert.equal(geminiCaches.model(body, '/v1beta/cachedContents'), 'gemini-2.5-flash');
    assert.equal(geminiCaches.model({ model: 'gemini-2.5-pro' }, '/v1beta/cachedContents'), 'gemini-2.5-pro');
    assert.equal(geminiCaches.model({}, '/v1beta/cachedContents'), undefined);
    assert.equal(geminiCaches.streaming(body, '/v1beta/cachedContents', q), false);
    const created = {
      name: 'cachedContents/abc123',
      model: 'models/gemini-2.5-flash',
      createTime: '2025-01-01T00:00:00Z',
      updateTime: '2025-01-01T00:00:00Z',
      expireTime: '2025-01-01T01:00:00Z',
      displayName: 'acme-api of user',
      usageMetadata: { totalTokenCount: 4096 },
    };
    checkAnswerRoundTrip(geminiCaches, created);
    const fields = geminiCaches.answerFields(created);
    assert.deepEqual(
      fields.map((f) => [f.channel, f.whole, f.text]),
      [['displayName', true, 'acme-api of user']],
    );
    fields[0]?.set('acme-api of alice');
    assert.equal(created.displayName, 'acme-api of alice');
  });
});
