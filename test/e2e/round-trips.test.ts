/**
 * Pseudonymization round trips with the official OpenAI SDK and more real CLIs, and the
 * determinism that provider prompt caching needs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { Agent, request } from 'undici';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { readEnvScript, runCli, type CliName } from '../helpers/cli-runs.js';
import { makeFakeEnv, unshareAvailable, type FakeEnv } from '../helpers/fake-env.js';

const skip = unshareAvailable() ? false : 'needs unshare --uts (root) for the made-up host name';

function leaks(stack: AirlockStack, planted: readonly string[]): string[] {
  const everything = stack.sim.received
    .map((r) => `${JSON.stringify(r.headers)}\n${r.body.toString()}`)
    .join('\n');
  return planted.filter((v) => everything.includes(v)).map((v) => `${v.slice(0, 4)}…`);
}

describe('openai SDK tool-call round trip', { skip }, () => {
  let fe: FakeEnv;
  let stack: AirlockStack;
  before(async () => {
    fe = makeFakeEnv();
    stack = await startAirlockStack(
      {
        script: {
          turns: [
            {
              reply: [
                {
                  toolCall: {
                    name: 'read_file',
                    args: { path: { fromRequest: 'project is at (\\S+)' }, lines: 20 },
                  },
                },
              ],
              argsChunkSize: 2,
            },
            { reply: [{ text: { fromRequest: 'Contents of (\\S+):' } }, { text: ' looks fine.' }] },
          ],
          turnBy: 'history',
        },
      },
      { fe },
    );
  });
  after(async () => {
    await stack.close();
    fe.cleanup();
  });

  test('streamed tool-call arguments come back with the real path; the provider saw a surrogate', async () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: stack.via.openai, maxRetries: 0 });
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'system', content: `You help ${fe.user}. Git identity: ${fe.gitName} <${fe.gitEmail}>.` },
      { role: 'user', content: `My project is at ${fe.project} — check its .env please.` },
    ];
    const tools: OpenAI.Chat.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'read_file',
          parameters: { type: 'object', properties: { path: { type: 'string' } } },
        },
      },
    ];
    const stream = await client.chat.completions.create({ model: 'gpt-5', messages, tools, stream: true });
    let args = '';
    let id = '';
    for await (const chunk of stream) {
      const call = chunk.choices[0]?.delta.tool_calls?.[0];
      if (call?.id) id = call.id;
      args += call?.function?.arguments ?? '';
    }
    const parsed = JSON.parse(args) as { path: string; lines: number };
    assert.equal(parsed.path, fe.project, 'the client sees its own path again');
    assert.equal(parsed.lines, 20);

    messages.push({
      role: 'assistant',
      content: null,
      tool_calls: [{ id, type: 'function', function: { name: 'read_file', arguments: args } }],
    });
    messages.push({
      role: 'tool',
      tool_call_id: id,
      content: `Contents of ${fe.project}/.env:\nAWS_ACCESS_KEY_ID=${fe.keys.awsAccessKeyId}`,
    });
    const final = await client.chat.completions.create({ model: 'gpt-5', messages, tools });
    assert.equal(final.choices[0]?.message.content, `${fe.project}/.env looks fine.`);
    assert.deepEqual(leaks(stack, fe.planted), []);
    const firstSeen = stack.sim.received[0]!.body.toString();
    assert.match(firstSeen, /project is at \/home\/user\//, 'the provider saw a home-shaped surrogate');
  });
});

for (const cli of ['qwen', 'codex'] as CliName[]) {
  describe(`${cli} through Airlock`, { skip }, () => {
    let fe: FakeEnv;
    let stack: AirlockStack;
    before(async () => {
      fe = makeFakeEnv();
      stack = await startAirlockStack({ script: (req) => readEnvScript(fe.project)(req) }, { fe });
    });
    after(async () => {
      await stack.close();
      fe.cleanup();
    });

    test(
      `${cli} completes a tool round trip on the real .env and no planted value leaves`,
      { timeout: 180_000 },
      async () => {
        const result = await runCli(
          cli,
          'Read the .env file and tell me which services it configures.',
          stack.via,
          fe,
        );
        assert.equal(result.code, 0, result.output.slice(-2000));
        const bodies = stack.sim.received.map((r) => r.body.toString());
        assert.ok(
          bodies.some((b) => b.includes('LOG_LEVEL=debug')),
          'the real file was read and its result sent back',
        );
        assert.deepEqual(leaks(stack, fe.planted), []);
      },
    );
  });
}

describe('determinism', () => {
  test('the same conversation gives byte-identical upstream bodies across two gateway restarts', async () => {
    const stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } });
    try {
      const body = JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        system:
          'Primary working directory: /home/mirabel/src/orchid-billing\nGit user: Mirabel Okonkwo-Straus',
        messages: [
          {
            role: 'user',
            content:
              'Deploy with AKIAZ7QK3M2N4P5R6T7V and mail mirabel@orchid-billing.example.org from 10.20.30.40',
          },
        ],
        metadata: {
          user_id:
            '{"device_id":"9f2c1e7a5b3d4f60a8c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5","session_id":"3b9d7e2a-41c6-4f8e-9a0b-7c5d2e1f6a84"}',
        },
      });
      // A new connection each time: a kept-alive one would point at the stopped gateway.
      const send = async () => {
        const dispatcher = new Agent();
        const res = await request(`${stack.via.anthropic}/v1/messages`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'anthropic-version': '2023-06-01',
            'x-api-key': 'k',
          },
          body,
          dispatcher,
        });
        assert.equal(res.statusCode, 200, await res.body.text());
        await dispatcher.close();
      };
      await send();
      await send();
      await stack.restart();
      await send();
      await stack.restart();
      await send();
      const seen = stack.sim.received.map((r) => r.body.toString());
      assert.equal(seen.length, 4);
      assert.ok(!seen[0]!.includes('/home/mirabel'), 'the body was rewritten');
      assert.ok(!seen[0]!.includes('AKIAZ7QK3M2N4P5R6T7V'));
      for (const s of seen) assert.equal(s, seen[0]);
    } finally {
      await stack.close();
    }
  });
});
