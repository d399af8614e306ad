/**
 * The real assistant CLIs (Claude Code, Codex, Gemini CLI, Qwen Code) under
 * `uninspected_endpoints: block`: each finishes its task (read the project's .env with its own
 * tool, then answer), so a team that refuses uninspected bodies does not break them. A CLI
 * release that starts sending text to an endpoint Airlock does not read fails here, by name.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { CLIS, readEnvScript, runCli } from '../helpers/cli-runs.js';
import { makeFakeEnv, unshareAvailable, type FakeEnv } from '../helpers/fake-env.js';

const skip = unshareAvailable() ? false : 'needs unshare --uts (root) for the made-up host name';

describe('real CLIs under uninspected_endpoints: block', { skip }, () => {
  let fe: FakeEnv;
  let dir: string;
  let stack: AirlockStack;
  before(async () => {
    fe = makeFakeEnv();
    dir = mkdtempSync(join(tmpdir(), 'airlock-uninspected-clis-'));
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, 'uninspected_endpoints: block\n');
    stack = await startAirlockStack({ script: readEnvScript(fe.project) }, { fe, policyFile });
  });
  after(async () => {
    await stack.close();
    fe.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const cli of CLIS)
    test(
      `${cli} completes, and nothing it sent was refused as uninspected`,
      { timeout: 180_000 },
      async () => {
        stack.sim.reset();
        const since = Date.now();
        const result = await runCli(
          cli,
          'Read the .env file and tell me which services it configures.',
          stack.via,
          fe,
        );
        await stack.airlock.recorder.flush();
        const { events } = await stack.airlock.store.query({ kind: 'request', limit: 500 });
        const refused = events.filter(
          (e) => Date.parse(e.time) >= since && e.error === 'AIRLOCK_UNINSPECTED_BLOCKED',
        );
        assert.deepEqual(
          refused.map((e) => `${e.method} ${e.path}`),
          [],
          'requests refused as uninspected',
        );
        assert.equal(result.code, 0, result.output.slice(-2000));
        assert.ok(stack.sim.received.length > 0, 'the CLI reached the provider');
      },
    );
});
