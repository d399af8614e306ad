/**
 * The real Claude Code CLI keeps the model's thinking blocks, signed, in its session and sends
 * them back on every later turn; the simulator refuses a changed one as the API does
 * ("Invalid `signature` in `thinking` block"). A developer who puts Airlock in front of a
 * conversation begun without it (`claude --continue`) must be able to go on: the first turn's
 * thinking names the real project path, signed so, and has to reach the provider as it was.
 * Claude Code 2.1.3xx asks for `thinking.display: "omitted"`, to which the API answers with
 * empty thinking text; the simulator ignores it and writes the text, as the API does for the
 * clients and versions that do not ask for that (the SDKs, earlier Claude Code).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { RecordedRequest, Reply } from '../../src/simulator/types.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { cliBin } from '../helpers/cli-bin.js';
import { makeFakeEnv, unshareAvailable, type FakeEnv } from '../helpers/fake-env.js';

const skip = unshareAvailable() ? false : 'needs unshare --uts (root) for the made-up host name';
const CLAUDE = cliBin('claude');
let fe: FakeEnv;
let stack: AirlockStack;

function script(req: RecordedRequest): Reply {
  const text = req.body.toString();
  const cwd = /Primary working directory: (\S+?)(?:\\n|\s)/.exec(text)?.[1];
  if (text.includes('Which project was it?')) return { reply: [{ text: 'The ledger.' }] };
  return {
    reply: [{ thinking: `The project lives in ${cwd ?? 'an unknown place'}.` }, { text: 'Noted.' }],
  };
}

/** `claude -p` with its base URL at `baseUrl`, in the made-up environment. */
function claude(args: string[], baseUrl: string): Promise<{ code: number | null; output: string }> {
  const [command, wrapped] = fe.wrap(CLAUDE, [...args, '--output-format', 'json']);
  const child = spawn(command, wrapped, {
    cwd: fe.project,
    env: { ...fe.env, ANTHROPIC_BASE_URL: baseUrl, ANTHROPIC_API_KEY: 'sk-ant-api03-test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const resultOf = (output: string): string =>
  (JSON.parse(output.slice(output.indexOf('{'))) as { result: string }).result;

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
  'a Claude Code conversation begun without Airlock goes on through it',
  { skip, timeout: 200_000 },
  async () => {
    const first = await claude(['-p', 'Remember this project.'], stack.sim.url);
    assert.equal(first.code, 0, first.output.slice(-2000));
    assert.equal(resultOf(first.output), 'Noted.');
    const signed = `The project lives in ${fe.project}.`;
    assert.ok(
      stack.sim.received.some((r) => r.body.toString().includes('Primary working directory: ' + fe.project)),
      'the first turn went to the provider directly',
    );

    const second = await claude(['-p', '--continue', 'Which project was it?'], stack.via.anthropic);
    assert.equal(second.code, 0, second.output.slice(-2000));
    assert.equal(resultOf(second.output), 'The ledger.');
    const sent = stack.sim.received.at(-1)?.body.toString() ?? '';
    assert.ok(sent.includes('Which project was it?'));
    assert.ok(sent.includes(JSON.stringify(signed).slice(1, -1)), 'the signed thinking went back as it was');
    // Everywhere else the project's path is pseudonymized.
    assert.ok(!sent.includes(`Primary working directory: ${fe.project}`));
    assert.ok(!sent.includes(fe.gitEmail), 'the git identity did not leave');
  },
);
