/**
 * The model asks each real CLI (Claude Code, Codex, Gemini CLI, Qwen Code) to run, with its own
 * shell tool, the commands that print a machine's identity: `env`, `hostname`, `git config -l`,
 * `cat ~/.ssh/config`, `cat ~/.npmrc`, `gh auth status`. Their output goes back to the provider
 * as a tool result; none of the made-up machine's values (home, user, host, git identity, proxy
 * password, the project's .env keys, which Gemini CLI and Qwen Code load into their environment,
 * the npm token, the GitHub account gh reports) may be in it. The `PWD=` line must carry the
 * project's surrogate, the one the CLI's prompt shows: it was taken for a password (`*PWD=`) and
 * went out as random letters, a working directory the model had never seen.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RecordedRequest, Reply } from '../../src/simulator/types.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { CLIS, jsonForSchema, runCli, type CliName } from '../helpers/cli-runs.js';
import { makeFakeEnv, unshareAvailable, type FakeEnv } from '../helpers/fake-env.js';

const skip = unshareAvailable() ? false : 'needs unshare --uts (root) for the made-up host name';

/** Each CLI's shell tool, and the flags that let it run a command unasked. */
const SHELL: Record<CliName, { tool: string; param: string; args: string[] }> = {
  claude: { tool: 'Bash', param: 'command', args: ['--allowedTools', 'Bash'] },
  codex: { tool: 'exec_command', param: 'cmd', args: ['--dangerously-bypass-approvals-and-sandbox'] },
  gemini: { tool: 'run_shell_command', param: 'command', args: ['--yolo'] },
  qwen: { tool: 'run_shell_command', param: 'command', args: ['--yolo'] },
};
// The marker's output (MARK-2) differs from the command's text (MARK-X): the command ran.
const COMMAND =
  'env; hostname; git config -l; cat ~/.ssh/config; cat ~/.npmrc; ~/bin/gh auth status; echo MARK-X | tr X 2';
const NPM_TOKEN = 'npm_Zq7Lm2Vx9Tb4Rc8Wn3Kp6Hd1Jf5Gs0YaEu';
/** The GitHub account, unlike the machine's user name (no canary finds it). */
const ghAccount = (fe: FakeEnv) => `zq-${fe.user.slice(-5)}-gh`;

function script(cli: CliName) {
  return (req: RecordedRequest): Reply => {
    const config = (req.json as { generationConfig?: Record<string, unknown> } | undefined)?.generationConfig;
    if (config?.responseMimeType === 'application/json')
      return {
        reply: [{ text: JSON.stringify(jsonForSchema(config.responseJsonSchema ?? config.responseSchema)) }],
      };
    if (req.body.toString().includes('MARK-2')) return { reply: [{ text: 'Done.' }] };
    const { tool, param } = SHELL[cli];
    const args = { [param]: COMMAND, ...(cli === 'claude' ? { description: 'Show the machine' } : {}) };
    return { reply: [{ text: 'Looking.' }, { toolCall: { name: tool, args } }] };
  };
}

for (const cli of CLIS)
  describe(`${cli}: a shell dump of the machine's identity`, { skip }, () => {
    let fe: FakeEnv;
    let stack: AirlockStack;
    before(async () => {
      fe = makeFakeEnv();
      mkdirSync(join(fe.home, '.ssh'), { recursive: true });
      writeFileSync(
        join(fe.home, '.ssh', 'config'),
        `Host prod\n  HostName ${fe.host}\n  User ${fe.user}\n  IdentityFile ${fe.home}/.ssh/id_ed25519\n`,
      );
      writeFileSync(join(fe.home, '.npmrc'), `//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n`);
      // A stand-in for the GitHub CLI (~/bin/gh) that reports its account as gh 2.40+ does.
      mkdirSync(join(fe.home, 'bin'));
      writeFileSync(
        join(fe.home, 'bin', 'gh'),
        `#!/bin/sh\nprintf 'github.com\\n  \\342\\234\\223 Logged in to github.com account ${ghAccount(fe)} (keyring)\\n'\n`,
        { mode: 0o755 },
      );
      stack = await startAirlockStack({ script: script(cli) }, { fe });
    });
    after(async () => {
      await stack.close();
      fe.cleanup();
    });

    test(
      'leaves nothing planted, and PWD= names the project as the prompt does',
      { timeout: 180_000 },
      async () => {
        const result = await runCli(cli, 'Show me this machine.', stack.via, fe, 120_000, {
          extraArgs: SHELL[cli].args,
        });
        assert.equal(result.code, 0, result.output.slice(-2000));
        assert.match(result.output, /Done\./);
        const sent = stack.sim.received
          .map((r) => `${r.path}\n${JSON.stringify(r.headers)}\n${r.body.toString()}`)
          .join('\n');
        assert.ok(sent.includes('MARK-2'), 'the command ran and its output reached the model');
        assert.match(sent, /Logged in to github\.com account user-\d+ \(keyring\)/);
        for (const value of [...fe.planted, NPM_TOKEN, ghAccount(fe)])
          assert.ok(!sent.includes(value), `planted value reached the provider: ${value.slice(0, 8)}…`);

        const pwd = /(?<![A-Z_])PWD=([^\s"\\]+)/.exec(sent)?.[1];
        assert.ok(pwd, 'the env dump has a PWD= line');
        const inPwd = sent.split(`PWD=${pwd}`).length - 1;
        const elsewhere = sent.split(pwd).length - 1 - inPwd;
        assert.ok(elsewhere > 0, `PWD=${pwd} is the project's surrogate the prompt shows too`);
      },
    );
  });
