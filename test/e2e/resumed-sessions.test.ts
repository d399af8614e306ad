/**
 * A session begun through Airlock, resumed after a gateway restart, with each real CLI's own
 * resume (`claude -c`, `codex exec resume --last`, `gemini --resume latest`, `qwen --continue`).
 * The first run reads the project's README with a tool; the resumed one has the model append a
 * line to "that same file", naming it by the surrogate path its history shows. The CLI sends
 * its stored history (real values) again: it must take the same surrogates as before the
 * restart, so that the path the model names still leads to the real file, which must change.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RecordedRequest, Reply } from '../../src/simulator/types.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { CLIS, jsonForSchema, runCli, type CliName } from '../helpers/cli-runs.js';
import { makeFakeEnv, unshareAvailable, type FakeEnv } from '../helpers/fake-env.js';

const skip = unshareAvailable() ? false : 'needs unshare --uts (root) for the made-up host name';

const TOOLS: Record<CliName, { read: [string, string]; shell: [string, string]; args: string[] }> = {
  claude: { read: ['Read', 'file_path'], shell: ['Bash', 'command'], args: ['--allowedTools', 'Bash'] },
  codex: {
    read: ['exec_command', 'cmd'],
    shell: ['exec_command', 'cmd'],
    args: ['--dangerously-bypass-approvals-and-sandbox'],
  },
  gemini: { read: ['read_file', 'file_path'], shell: ['run_shell_command', 'command'], args: ['--yolo'] },
  qwen: { read: ['read_file', 'file_path'], shell: ['run_shell_command', 'command'], args: ['--yolo'] },
};

for (const cli of CLIS)
  describe(`${cli}: a session resumed after a gateway restart`, { skip }, () => {
    let fe: FakeEnv;
    let stack: AirlockStack;
    let resumedRun = false;
    let called = false;
    const seen: string[] = [];

    function script(req: RecordedRequest): Reply {
      const config = (req.json as { generationConfig?: Record<string, unknown> } | undefined)
        ?.generationConfig;
      if (config?.responseMimeType === 'application/json')
        return {
          reply: [
            { text: JSON.stringify(jsonForSchema(config.responseJsonSchema ?? config.responseSchema)) },
          ],
        };
      const text = req.body.toString();
      const path = /please read (\S+?) now/.exec(text)?.[1];
      if (!path) return { reply: [{ text: 'No path.' }] };
      if (called) return { reply: [{ text: resumedRun ? 'Appended.' : 'The title is Ledger.' }] };
      called = true;
      seen.push(path);
      const [name, param] = resumedRun ? TOOLS[cli].shell : TOOLS[cli].read;
      const value = resumedRun ? `echo resumed-ok >> ${path}` : cli === 'codex' ? `cat ${path}` : path;
      const args = { [param]: value, ...(cli === 'claude' && resumedRun ? { description: 'Append' } : {}) };
      return { reply: [{ toolCall: { name, args } }] };
    }

    before(async () => {
      fe = makeFakeEnv();
      stack = await startAirlockStack({ script }, { fe });
    });
    after(async () => {
      await stack.close();
      fe.cleanup();
    });

    test(
      'the resumed history keeps its surrogates and the tool reaches the real file',
      { timeout: 240_000 },
      async () => {
        const readme = join(fe.project, 'README.md');
        const options = { extraArgs: TOOLS[cli].args };
        const first = await runCli(cli, `please read ${readme} now`, stack.via, fe, 90_000, options);
        assert.equal(first.code, 0, first.output.slice(-2000));
        assert.match(first.output, /The title is Ledger\./);

        await stack.restart();
        stack.sim.reset();
        resumedRun = true;
        called = false;
        const second = await runCli(
          cli,
          'Now append the line resumed-ok to that same file.',
          stack.via,
          fe,
          90_000,
          {
            ...options,
            resume: true,
          },
        );
        assert.equal(second.code, 0, second.output.slice(-2000));
        assert.match(second.output, /Appended\./);

        const sent = stack.sim.received.map((r) => r.body.toString()).join('\n');
        assert.ok(
          sent.includes('Reconciles refunds'),
          "the first run's tool result came back with the history",
        );
        assert.equal(seen.length, 2);
        assert.ok(!seen[0]!.includes(fe.home), `the model saw a surrogate path: ${seen[0]}`);
        assert.equal(seen[1], seen[0], 'the resumed history shows the same surrogate path');
        assert.match(readFileSync(readme, 'utf8'), /Reconciles refunds\. Run `make test`\.\nresumed-ok\n$/);
        for (const value of fe.planted)
          assert.ok(!sent.includes(value), `planted value reached the provider: ${value.slice(0, 8)}…`);
      },
    );
  });
