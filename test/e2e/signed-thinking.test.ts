/**
 * The provider signs the model's reasoning (an Anthropic thinking block's `signature`, a
 * Gemini function call's `thoughtSignature`) and
 * refuses a request that sends it back changed: "messages.1.content.0: Invalid `signature` in
 * `thinking` block", on every turn after, so the session is dead. The simulator checks its
 * signatures as the API does. The answer's thinking is restored for the user; coming back, the
 * values the model saw as surrogates must become those surrogates again, and what the model
 * wrote of its own (an address it made up, an invisible character) must be left as it wrote it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI, type Content } from '@google/genai';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';

const PROJECT = '/home/mkowalski/src/billing-api';
const MADE_UP = 'The owner may be bob.miller@contoso-mail.com\u200b; the host build-7.corp.contoso.com.';

describe('a signed thinking block sent back through the gateway', () => {
  let stack: AirlockStack;
  before(async () => {
    stack = await startAirlockStack({});
  });
  after(async () => {
    await stack.close();
  });

  for (const stream of [true, false]) {
    it(`keeps its signature valid (${stream ? 'streamed' : 'JSON'} answer)`, async () => {
      const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: stack.via.anthropic, maxRetries: 0 });
      stack.sim.setScript({
        reply: [
          {
            thinking: {
              fromRequest: '(/home/[^/\\s]+/src/billing-api)',
              template: `Tests live in $1. ${MADE_UP}`,
            },
          },
          {
            toolCall: {
              name: 'Bash',
              args: {
                command: { fromRequest: '(/home/[^/\\s]+/src/billing-api)', template: 'cd $1 && npm test' },
              },
            },
          },
        ],
      });
      const tools = [
        {
          name: 'Bash',
          description: 'Runs a command',
          input_schema: { type: 'object' as const, properties: {} },
        },
      ];
      const ask = { role: 'user' as const, content: `Run the tests of ${PROJECT}` };
      const params = {
        model: 'claude-sonnet-4-6',
        max_tokens: 256,
        tools,
        thinking: { type: 'enabled' as const, budget_tokens: 1024 },
      };
      const first = stream
        ? await client.messages.stream({ ...params, messages: [ask] }).finalMessage()
        : await client.messages.create({ ...params, messages: [ask] });
      const thinking = first.content.find((b) => b.type === 'thinking');
      assert.ok(thinking?.type === 'thinking');
      assert.equal(thinking.thinking, `Tests live in ${PROJECT}. ${MADE_UP}`, 'the user reads the real path');
      const call = first.content.find((b) => b.type === 'tool_use');
      assert.ok(call?.type === 'tool_use');

      stack.sim.setScript({ reply: [{ text: 'All tests pass.' }] });
      const second = await client.messages.create({
        ...params,
        messages: [
          ask,
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '12 passing' }] },
        ],
      });
      assert.equal(second.content[0]?.type === 'text' ? second.content[0].text : '', 'All tests pass.');
      const sent = stack.sim.received.at(-1)?.body.toString() ?? '';
      assert.ok(!sent.includes('mkowalski'), 'the real path did not leave in the thinking');
      assert.ok(
        sent.includes('bob.miller@contoso-mail.com\\u200b') ||
          sent.includes('bob.miller@contoso-mail.com\u200b'),
        'what the model made up went back as it wrote it',
      );
    });
  }

  it('a thinking block that is not signed is inspected as any text', async () => {
    stack.sim.setScript({ reply: [{ text: 'ok' }] });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: stack.via.anthropic, maxRetries: 0 });
    await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 16,
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: [
            {
              type: 'thinking',
              thinking: `Mail bob.miller@contoso-mail.com about ${PROJECT}`,
              signature: '',
            },
            { type: 'text', text: 'hello' },
          ],
        },
        { role: 'user', content: 'go on' },
      ],
    });
    const sent = stack.sim.received.at(-1)?.body.toString() ?? '';
    assert.ok(!sent.includes('bob.miller@contoso-mail.com'), 'the address was pseudonymized');
    assert.ok(!sent.includes('mkowalski'));
  });
  it("keeps a Gemini function call's thought signature valid", async () => {
    const client = new GoogleGenAI({ apiKey: 'gm-test', httpOptions: { baseUrl: stack.via.gemini } });
    stack.sim.setScript({
      reply: [
        {
          toolCall: {
            name: 'run_shell_command',
            args: {
              command: {
                fromRequest: '(/home/[^/\\s]+/src/billing-api)',
                template: 'cd $1 && git log --author=bob.miller@contoso-mail.com',
              },
            },
          },
        },
      ],
    });
    const ask: Content = { role: 'user', parts: [{ text: `Who changed ${PROJECT} last?` }] };
    const first = await client.models.generateContent({ model: 'gemini-3-pro-preview', contents: [ask] });
    const model = first.candidates?.[0]?.content;
    assert.ok(model !== undefined);
    const call = model.parts?.find((p) => p.functionCall !== undefined);
    assert.equal(
      call?.functionCall?.args?.['command'],
      `cd ${PROJECT} && git log --author=bob.miller@contoso-mail.com`,
    );
    assert.ok(call?.thoughtSignature, 'the call came with its signature');

    stack.sim.setScript({ reply: [{ text: 'Bob did.' }] });
    const second = await client.models.generateContent({
      model: 'gemini-3-pro-preview',
      contents: [
        ask,
        model,
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'run_shell_command', response: { output: 'bob' } } }],
        },
      ],
    });
    assert.equal(second.text, 'Bob did.');
    const sent = stack.sim.received.at(-1)?.body.toString() ?? '';
    assert.ok(!sent.includes('mkowalski'), 'the real path did not leave in the call');
    assert.ok(
      sent.includes('--author=bob.miller@contoso-mail.com'),
      'what the model made up went back as it wrote it',
    );
  });
});
