/**
 * Claude Code 2.1.3xx in plan and auto permission modes adds a top-level `safeguards` field to
 * its Messages requests: the context of the provider's classifier of dangerous tool calls
 * (`classifier_context`: live_cwd, home_dir, the settings' roots, trusted directories, git
 * state, user_identity). Airlock did not read that field, so the real home, project path and
 * user name left with every request in those modes. They must go out as the same surrogates
 * the rest of the request carries, so the classifier still sees one consistent machine.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { cliBin } from '../helpers/cli-bin.js';
import { makeFakeEnv, unshareAvailable, type FakeEnv } from '../helpers/fake-env.js';

const skip = unshareAvailable() ? false : 'needs unshare --uts (root) for the made-up host name';
const CLAUDE = cliBin('claude');
let fe: FakeEnv;
let stack: AirlockStack;

interface ClassifierContext {
  live_cwd: string;
  home_dir: string;
  user_identity: string;
  git_state: { cwd: string };
}

function claude(args: string[]): Promise<{ code: number | null; output: string }> {
  const [command, wrapped] = fe.wrap(CLAUDE, args);
  const child = spawn(command, wrapped, {
    cwd: fe.project,
    env: { ...fe.env, ANTHROPIC_BASE_URL: stack.via.anthropic, ANTHROPIC_API_KEY: 'sk-ant-api03-test' },
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

before(async () => {
  if (skip) return;
  fe = makeFakeEnv();
  stack = await startAirlockStack({ script: { reply: [{ text: 'Hello.' }] } }, { fe });
});
after(async () => {
  if (skip) return;
  await stack.close();
  fe.cleanup();
});

for (const mode of ['plan', 'auto'])
  test(
    `Claude Code in ${mode} mode: its safeguards' classifier context carries surrogates only`,
    { skip, timeout: 120_000 },
    async () => {
      stack.sim.reset();
      const r = await claude(['-p', 'say hello', '--permission-mode', mode, '--output-format', 'text']);
      assert.equal(r.code, 0, r.output.slice(-2000));
      assert.match(r.output, /Hello\./);

      const everything = stack.sim.received
        .map((q) => `${q.path}\n${JSON.stringify(q.headers)}\n${q.body.toString()}`)
        .join('\n');
      for (const value of fe.planted)
        assert.ok(!everything.includes(value), `planted value reached the provider: ${value.slice(0, 8)}…`);

      const bodies = stack.sim.received.map(
        (q) => q.json as { safeguards?: { classifier_context?: ClassifierContext }[] },
      );
      const context = bodies.find((b) => b.safeguards?.[0]?.classifier_context)?.safeguards?.[0]
        ?.classifier_context;
      assert.ok(context, `Claude Code sent safeguards in ${mode} mode (the premise of this test)`);
      // The same surrogates as the system prompt's working directory.
      const cwd = /Primary working directory: (\S+?)(?:\\n|\s)/.exec(everything)?.[1];
      assert.ok(cwd, 'the prompt names the working directory');
      assert.equal(context.live_cwd, cwd);
      assert.equal(context.git_state.cwd, cwd);
      assert.ok(cwd.startsWith(`${context.home_dir}/`), `${cwd} is below ${context.home_dir}`);
      assert.match(context.user_identity, /^user-\d+$/);
    },
  );
