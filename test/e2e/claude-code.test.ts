/**
 * The real Claude Code CLI through Airlock (default policy) against the simulator, in a
 * made-up environment. The simulator answers with a `Read` tool call whose `file_path`
 * repeats the working directory it was shown — a surrogate — plus `/.env`. Airlock must
 * restore the real path in the streamed tool call so that Claude Code reads the real file, and
 * nothing planted (home, user, git identity, the keys in the .env, the device id) may reach
 * the simulator.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { RecordedRequest, Reply } from '../../src/simulator/types.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { runCli } from '../helpers/cli-runs.js';
import { makeFakeEnv, unshareAvailable, type FakeEnv } from '../helpers/fake-env.js';

const skip = unshareAvailable() ? false : 'needs unshare --uts (root) for the made-up host name';
let fe: FakeEnv;
let stack: AirlockStack;
const toolPaths: string[] = [];

function script(req: RecordedRequest): Reply {
  const text = req.body.toString();
  if (text.includes('"tool_result"'))
    return { reply: [{ text: 'The .env configures AWS, GitHub and Stripe.' }] };
  const cwd = /Primary working directory: (\S+?)(?:\\n|\s)/.exec(text)?.[1];
  if (!cwd) return { reply: [{ text: 'No working directory in the prompt.' }] };
  toolPaths.push(`${cwd}/.env`);
  return {
    reply: [{ text: 'Reading it. ' }, { toolCall: { name: 'Read', args: { file_path: `${cwd}/.env` } } }],
    argsChunkSize: 3,
  };
}

before(async () => {
  if (skip) return;
  fe = makeFakeEnv();
  stack = await startAirlockStack({ script }, { fe });
});
after(async () => {
  if (skip) return;
  await stack.close();
  fe.cleanup();
});

test(
  'Claude Code reads the real file through a pseudonymized conversation, and no planted value leaves',
  { skip, timeout: 180_000 },
  async () => {
    const result = await runCli(
      'claude',
      'Read the .env file and tell me which services it configures.',
      stack.via,
      fe,
    );
    assert.equal(result.code, 0, result.output.slice(-2000));
    const answer = JSON.parse(result.output.slice(result.output.indexOf('{'))) as {
      result: string;
      num_turns: number;
    };
    assert.equal(answer.result, 'The .env configures AWS, GitHub and Stripe.');

    const messages = stack.sim.received.filter((r) => r.path.startsWith('/v1/messages'));
    assert.ok(messages.length >= 2, 'a tool round trip happened');
    // The provider only ever saw a surrogate working directory...
    assert.ok(toolPaths.length > 0);
    for (const path of toolPaths) assert.ok(!path.includes(fe.home), `tool path ${path} is a surrogate`);
    // ...and yet Claude Code read the real file: its content (non-secret lines) came back.
    const second = messages.find((r) => r.body.toString().includes('"tool_result"'));
    assert.ok(second, 'the tool result was sent');
    const secondText = second.body.toString();
    assert.match(secondText, /AWS_ACCESS_KEY_ID=/);
    assert.match(secondText, /LOG_LEVEL=debug/);

    const deviceId = (JSON.parse(readFileSync(join(fe.home, '.claude.json'), 'utf8')) as { userID?: string })
      .userID;
    const everything = stack.sim.received
      .map((r) => `${JSON.stringify(r.headers)}\n${r.body.toString()}`)
      .join('\n');
    for (const value of [...fe.planted, ...(deviceId ? [deviceId] : [])]) {
      assert.ok(!everything.includes(value), `planted value reached the provider: ${value.slice(0, 4)}…`);
    }
    // Surrogates of the same shape stand in for the keys, so code that parses them still works.
    assert.match(secondText, /AWS_ACCESS_KEY_ID=AKIA[A-Z0-9]{16}/);
    assert.match(secondText, /GITHUB_TOKEN=ghp_[A-Za-z0-9]{36}/);
  },
);
