/**
 * The simulator answers the official @google/genai SDK (pointed at it with
 * `httpOptions: { baseUrl }`) as the Gemini API would: generateContent, streamGenerateContent
 * over SSE, the JSON-array stream without `alt=sse`, countTokens, function calls and models.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GoogleGenAI } from '@google/genai';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/index.js';
import { asV1beta } from '../helpers/gemini-version.js';

const PLANTED_USER = 'j.doe-4711';

describe('simulator: Gemini with @google/genai', () => {
  let sim: Simulator;
  let ai: GoogleGenAI;

  before(async () => {
    sim = await startSimulator();
    ai = new GoogleGenAI({ apiKey: 'gemini-test-key', httpOptions: { baseUrl: sim.urls.gemini } });
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.reset();
    sim.setScript({ reply: [{ text: 'Hello from the Airlock simulator.' }] });
  });

  it('answers generateContent with text and usage metadata', async () => {
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    assert.equal(response.text, 'Hello from the Airlock simulator.');
    assert.equal(response.candidates?.[0]?.finishReason, 'STOP');
    assert.ok((response.usageMetadata?.totalTokenCount ?? 0) > 0);
    const rec = sim.received[0];
    assert.equal(asV1beta(rec?.path ?? ''), '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(rec?.headers['x-goog-api-key'], 'gemini-test-key');
  });

  it('streams over SSE in several chunks that the SDK yields one by one', async () => {
    sim.setScript({ reply: [{ text: 'alpha beta gamma delta' }] });
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-pro', contents: 'go' });
    const texts: string[] = [];
    for await (const chunk of stream) texts.push(chunk.text ?? '');
    assert.deepEqual(texts, ['alpha ', 'beta ', 'gamma ', 'delta']);
    assert.equal(
      asV1beta(sim.received[0]?.path ?? ''),
      '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse',
    );
  });

  it('returns a function call whose args repeat a value from the request', async () => {
    sim.setScript({
      reply: [
        { text: 'Looking up the user.' },
        {
          toolCall: {
            name: 'lookup_user',
            args: { login: { fromRequest: 'user "([^"]+)"' }, verbose: true },
          },
        },
      ],
    });
    const config = {
      tools: [{ functionDeclarations: [{ name: 'lookup_user', description: 'Find a user' }] }],
    };
    const contents = `Who is user "${PLANTED_USER}"?`;
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents, config });
    assert.deepEqual(response.functionCalls, [
      { name: 'lookup_user', args: { login: PLANTED_USER, verbose: true } },
    ]);

    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents, config });
    const calls = [];
    for await (const chunk of stream) calls.push(...(chunk.functionCalls ?? []));
    assert.deepEqual(calls, [{ name: 'lookup_user', args: { login: PLANTED_USER, verbose: true } }]);
  });

  it('sends thinking as parts marked thought: true, which the SDK keeps out of .text', async () => {
    sim.setScript({ reply: [{ thinking: 'Considering it.' }, { text: 'Result.' }] });
    const response = await ai.models.generateContent({ model: 'gemini-2.5-pro', contents: 'q' });
    assert.equal(response.text, 'Result.');
    assert.deepEqual(response.candidates?.[0]?.content?.parts, [
      { text: 'Considering it.', thought: true },
      { text: 'Result.' },
    ]);
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-pro', contents: 'q' });
    const thoughts: string[] = [];
    for await (const chunk of stream) {
      for (const part of chunk.candidates?.[0]?.content?.parts ?? [])
        if (part.thought) thoughts.push(part.text ?? '');
    }
    assert.deepEqual(thoughts, ['Considering ', 'it.']);
  });

  it('streams a JSON array element by element without alt=sse', async () => {
    sim.setScript({ reply: [{ text: 'one two three' }] });
    const res = await fetch(`${sim.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'count' }] }] }),
    });
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const chunks = JSON.parse(await res.text()) as {
      candidates: { content: { parts: { text: string }[] } }[];
    }[];
    assert.deepEqual(
      chunks.map((c) => c.candidates[0]?.content.parts[0]?.text),
      ['one ', 'two ', 'three'],
    );
  });

  it('counts tokens, lists models and picks the reply by history', async () => {
    const count = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'y'.repeat(800) });
    assert.ok((count.totalTokens ?? 0) >= 200);
    const pager = await ai.models.list();
    const names: string[] = [];
    for await (const model of pager) names.push(model.name ?? '');
    assert.ok(names.includes('models/gemini-2.5-flash'));

    sim.setScript({
      turns: [{ reply: [{ text: 'first turn' }] }, { reply: [{ text: 'second turn' }] }],
      turnBy: 'history',
    });
    const again = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    assert.equal(again.text, 'first turn');
    const later = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [
        { role: 'user', parts: [{ text: 'hi' }] },
        { role: 'model', parts: [{ text: 'first turn' }] },
        { role: 'user', parts: [{ text: 'and?' }] },
      ],
    });
    assert.equal(later.text, 'second turn');
    const repeated = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi again' });
    assert.equal(repeated.text, 'first turn', 'history, not arrival order, picks the turn');
  });
});
