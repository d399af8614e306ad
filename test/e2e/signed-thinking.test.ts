/**
 * The provider signs the model's reasoning (an Anthropic thinking block's `signature`, a
 * Gemini function call's `thoughtSignature`) and
 * refuses a request that sends it back changed: "messages.1.content.0: Invalid `signature` in
 * `thinking` block", on every turn after, so the session is dead. The simulator checks its
 * signatures as the API does. An Anthropic thinking block is left as the provider signed it both
 * ways: the answer's thinking keeps the surrogates the model wrote, and the request's thinking
 * goes back unedited, so that a conversation begun without Airlock, or continued without it,
 * keeps working. A Gemini call's arguments are restored (the tool needs the real path) and turned
 * back into the surrogates coming back; what the model wrote of its own is left as it wrote it.
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
      assert.match(thinking.thinking, /^Tests live in \/home\/[^/\s]+\/src\/[^/\s]+\. /);
      assert.ok(!thinking.thinking.includes('mkowalski'), 'the thinking keeps what the provider signed');
      const call = first.content.find((b) => b.type === 'tool_use');
      assert.ok(call?.type === 'tool_use');
      assert.deepEqual(call.input, { command: `cd ${PROJECT} && npm test` }, 'the tool call is restored');

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

  it('keeps the surrogates of earlier turns, which its thinking names, turn after turn', async () => {
    // Prompt caching needs every turn to send the conversation so far byte for byte as before.
    stack.sim.setScript({
      reply: [
        {
          thinking: {
            fromRequest: '(/home/[^/\\s]+/src/billing-api)',
            template: 'Tests live in $1; the owner is bob.miller@contoso-mail.com.',
          },
        },
        { text: 'I will run them.' },
      ],
    });
    const params = {
      model: 'claude-sonnet-4-6',
      max_tokens: 256,
      thinking: { type: 'enabled' as const, budget_tokens: 1024 },
    };
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: stack.via.anthropic, maxRetries: 0 });
    const ask = { role: 'user' as const, content: `Run the tests of ${PROJECT} in ${PROJECT}/test` };
    const first = await client.messages.create({ ...params, messages: [ask] });
    const upstream = (): { messages: unknown[] } =>
      JSON.parse(stack.sim.received.at(-1)?.body.toString() ?? '{}') as { messages: unknown[] };
    const firstAsk = JSON.stringify(upstream().messages[0]);
    assert.ok(!firstAsk.includes('mkowalski'));

    stack.sim.setScript({ reply: [{ text: 'Done.' }] });
    const next = {
      role: 'user' as const,
      content: `Also lint ${PROJECT} and mail bob.miller@contoso-mail.com`,
    };
    await client.messages.create({
      ...params,
      messages: [ask, { role: 'assistant', content: first.content }, next],
    });
    const second = upstream();
    assert.equal(JSON.stringify(second.messages[0]), firstAsk, 'the first turn went up as before');
    const thinking = JSON.stringify(second.messages[1]);
    const surrogate = /Tests live in ([^;]+);/.exec(thinking)?.[1];
    assert.ok(
      surrogate !== undefined && firstAsk.includes(surrogate),
      'the thinking names the same surrogate',
    );
    assert.ok(JSON.stringify(second.messages[2]).includes(surrogate), 'and so does the new turn');
  });

  it('keeps a conversation begun without the gateway going through it', async () => {
    // The first turn went straight to the provider: its thinking names the real path, signed so.
    stack.sim.setScript({
      reply: [
        {
          thinking: {
            fromRequest: '(/home/[^/\\s]+/src/billing-api)',
            template: 'Tests live in $1.',
          },
        },
        { text: 'I will run them.' },
      ],
    });
    const direct = new Anthropic({ apiKey: 'sk-ant-test', baseURL: stack.sim.url, maxRetries: 0 });
    const params = {
      model: 'claude-sonnet-4-6',
      max_tokens: 256,
      thinking: { type: 'enabled' as const, budget_tokens: 1024 },
    };
    const ask = { role: 'user' as const, content: `Run the tests of ${PROJECT}` };
    const first = await direct.messages.create({ ...params, messages: [ask] });
    const thinking = first.content.find((b) => b.type === 'thinking');
    assert.ok(thinking?.type === 'thinking' && thinking.thinking.includes(PROJECT));

    stack.sim.setScript({ reply: [{ text: 'Done.' }] });
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: stack.via.anthropic, maxRetries: 0 });
    const second = await client.messages.create({
      ...params,
      messages: [ask, { role: 'assistant', content: first.content }, { role: 'user', content: 'go on' }],
    });
    assert.equal(second.content[0]?.type === 'text' ? second.content[0].text : '', 'Done.');
    const sent = JSON.parse(stack.sim.received.at(-1)?.body.toString() ?? '{}') as {
      messages: { content: unknown }[];
    };
    assert.ok(!JSON.stringify(sent.messages[0]).includes('mkowalski'), "the user's text was pseudonymized");
    assert.deepEqual(sent.messages[1]?.content, JSON.parse(JSON.stringify(first.content)), 'sent as signed');
  });

  it('keeps a conversation begun through the gateway going without it', async () => {
    stack.sim.setScript({
      reply: [
        {
          thinking: {
            fromRequest: '(/home/[^/\\s]+/src/billing-api)',
            template: 'Tests live in $1.',
          },
        },
        { text: 'I will run them.' },
      ],
    });
    const params = {
      model: 'claude-sonnet-4-6',
      max_tokens: 256,
      thinking: { type: 'enabled' as const, budget_tokens: 1024 },
    };
    const ask = { role: 'user' as const, content: `Run the tests of ${PROJECT}` };
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: stack.via.anthropic, maxRetries: 0 });
    const first = await client.messages.stream({ ...params, messages: [ask] }).finalMessage();

    stack.sim.setScript({ reply: [{ text: 'Done.' }] });
    const direct = new Anthropic({ apiKey: 'sk-ant-test', baseURL: stack.sim.url, maxRetries: 0 });
    const second = await direct.messages.create({
      ...params,
      messages: [ask, { role: 'assistant', content: first.content }, { role: 'user', content: 'go on' }],
    });
    assert.equal(second.content[0]?.type === 'text' ? second.content[0].text : '', 'Done.');
  });

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

  it("keeps a Gemini call's signature valid when a tool's output repeats what the model made up", async () => {
    const client = new GoogleGenAI({ apiKey: 'gm-test', httpOptions: { baseUrl: stack.via.gemini } });
    const author = 'carol.nguyen@fabrikam-mail.com';
    // Step 1: the model names an address nobody gave it, in its text and in its call; the call
    // is signed with it.
    stack.sim.setScript({
      reply: [
        { text: `Let me ask git about ${author}.` },
        { toolCall: { name: 'run_shell_command', args: { command: `git log --author=${author}` } } },
      ],
    });
    const ask: Content = { role: 'user', parts: [{ text: `Who is the main author of ${PROJECT}?` }] };
    const first = await client.models.generateContent({ model: 'gemini-3-pro-preview', contents: [ask] });
    const call1 = first.candidates?.[0]?.content;
    assert.ok(
      call1?.parts?.find((p) => p.functionCall)?.thoughtSignature,
      'the call came with its signature',
    );

    // Step 2: the tool's output repeats the address, so it is found there now, and the model
    // calls again with what it read in that output (the address's surrogate, restored for the tool).
    stack.sim.setScript({
      reply: [
        {
          toolCall: {
            name: 'run_shell_command',
            args: { command: { fromRequest: 'Author: ([^\\s"<>]+@[^\\s"<>]+)', template: 'finger $1' } },
          },
        },
      ],
    });
    const output: Content = {
      role: 'user',
      parts: [
        {
          functionResponse: {
            name: 'run_shell_command',
            response: { output: `commit 4f2a\nAuthor: ${author}\n\n    fix rounding` },
          },
        },
      ],
    };
    const second = await client.models.generateContent({
      model: 'gemini-3-pro-preview',
      contents: [ask, call1 as Content, output],
    });
    const call2 = second.candidates?.[0]?.content;
    assert.equal(
      call2?.parts?.[0]?.functionCall?.args?.['command'],
      `finger ${author}`,
      'the surrogate the model read came back restored',
    );
    const sent2 = stack.sim.received.at(-1)?.body.toString() ?? '';
    assert.ok(sent2.includes(`--author=${author}`), 'the first call went back as the model wrote it');
    assert.ok(!sent2.includes(`Author: ${author}`), "the tool's output did not carry the address");

    // Step 3: both calls go back; each must be as it was signed.
    stack.sim.setScript({ reply: [{ text: 'Carol wrote most of it.' }] });
    const result: Content = {
      role: 'user',
      parts: [{ functionResponse: { name: 'run_shell_command', response: { output: 'Carol Nguyen' } } }],
    };
    const third = await client.models.generateContent({
      model: 'gemini-3-pro-preview',
      contents: [ask, call1 as Content, output, call2 as Content, result],
    });
    assert.equal(third.text, 'Carol wrote most of it.');
    const sent3 = stack.sim.received.at(-1)?.body.toString() ?? '';
    assert.ok(
      !sent3.includes(`finger ${author}`),
      'the second call went back with the surrogate it was signed with',
    );
  });
});
