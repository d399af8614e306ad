/**
 * What each real CLI (Claude Code, Codex, Gemini CLI, Qwen Code) shows its user when the policy
 * blocks a request, and how often it sends it. The model reads a file holding a private key with
 * the CLI's own tool; the next request carries the key in a tool result and is refused
 * (kinds.private-key: block, the built-in policy). The user must read Airlock's message (the rule,
 * the place, how to allow it), and the CLI must not send the refused request again: with a bare
 * 403 permission_error Claude Code printed "Failed to authenticate" before it, and Codex sent it
 * six times ("Reconnecting... 1/5" to "5/5").
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RecordedRequest, Reply } from '../../src/simulator/types.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { CLIS, jsonForSchema, runCli, type CliName } from '../helpers/cli-runs.js';
import { makeFakeEnv, unshareAvailable, type FakeEnv } from '../helpers/fake-env.js';

const skip = unshareAvailable() ? false : 'needs unshare --uts (root) for the made-up host name';

/** Each CLI's tool that reads a file, and its argument (Codex reads with its shell). */
const READER: Record<CliName, [string, string]> = {
  claude: ['Read', 'file_path'],
  codex: ['exec_command', 'cmd'],
  gemini: ['read_file', 'file_path'],
  qwen: ['read_file', 'file_path'],
};

/**
 * Whether a request carries a tool's result, read from its structure: Gemini CLI's system prompt
 * names `functionResponse`, so its text says so on the first request too.
 */
function hasToolResult(body: unknown): boolean {
  const b = (body ?? {}) as { messages?: unknown[]; input?: unknown; contents?: unknown[] };
  const items = [...(b.messages ?? []), ...(Array.isArray(b.input) ? b.input : []), ...(b.contents ?? [])];
  return items.some((item) => {
    const m = (item ?? {}) as { role?: string; type?: string; content?: unknown; parts?: unknown };
    const blocks = (Array.isArray(m.content) ? m.content : []) as { type?: string }[];
    const parts = (Array.isArray(m.parts) ? m.parts : []) as { functionResponse?: unknown }[];
    return (
      m.role === 'tool' ||
      /_call_output$/.test(m.type ?? '') ||
      blocks.some((c) => c.type === 'tool_result') ||
      parts.some((p) => p.functionResponse !== undefined)
    );
  });
}

/** An OpenSSH private key block of random bytes (secret.private-key finds it). */
function privateKey(): string {
  const body = randomBytes(300)
    .toString('base64')
    .replace(/(.{70})/g, '$1\n');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

for (const cli of CLIS)
  describe(`${cli}: a request the policy blocks`, { skip, timeout: 240_000 }, () => {
    let fe: FakeEnv;
    let stack: AirlockStack;
    let keyFile: string;
    let keyLine: string;

    /** Reads the file the prompt names with the CLI's own tool, then answers in text. */
    function script(req: RecordedRequest): Reply {
      const config = (req.json as { generationConfig?: Record<string, unknown> } | undefined)
        ?.generationConfig;
      if (config?.responseMimeType === 'application/json')
        return {
          reply: [
            { text: JSON.stringify(jsonForSchema(config.responseJsonSchema ?? config.responseSchema)) },
          ],
        };
      if (hasToolResult(req.json)) return { reply: [{ text: 'The notes hold a deploy key.' }] };
      const path = /please read (\S+?) now/.exec(req.body.toString())?.[1];
      if (!path) return { reply: [{ text: 'No path.' }] };
      const [name, param] = READER[cli];
      return { reply: [{ toolCall: { name, args: { [param]: cli === 'codex' ? `cat ${path}` : path } } }] };
    }

    before(async () => {
      fe = makeFakeEnv();
      // Gemini CLI writes its report of an API error, the history with the key, to the temp dir.
      fe.env.TMPDIR = join(fe.home, 'tmp');
      mkdirSync(fe.env.TMPDIR);
      // Not .env: Gemini CLI's read_file refuses it ("Path not in workspace").
      keyFile = join(fe.project, 'deploy-notes.txt');
      const key = privateKey();
      keyLine = key.split('\n')[1]!;
      writeFileSync(keyFile, `Deploy with this key:\n${key}`);
      stack = await startAirlockStack({ script }, { fe });
    });
    after(async () => {
      await stack.close();
      fe.cleanup();
    });

    test(
      "the user reads Airlock's message, and the refused request reached the gateway once",
      { timeout: 180_000 },
      async () => {
        const result = await runCli(cli, `please read ${keyFile} now`, stack.via, fe);
        await stack.airlock.recorder.flush();
        const { events } = await stack.airlock.store.query({ kind: 'request', limit: 500 });
        const blocked = events.filter((e) => e.error === 'AIRLOCK_POLICY_BLOCKED');
        assert.equal(blocked.length, 1, `blocked requests: ${blocked.length}\n${result.output.slice(-3000)}`);
        assert.equal(blocked[0]!.decision, 'block');
        const sent = stack.sim.received.map((r) => r.body.toString()).join('\n');
        assert.ok(!sent.includes(keyLine), 'the private key reached the provider');

        // The message names the rule, the place and the policy entry that allows it.
        assert.match(result.output, /Airlock blocked this request/);
        assert.match(result.output, /rule secret\.private-key/);
        assert.match(result.output, /in a tool result at /);
        assert.match(result.output, /change kinds\.private-key/);
        // Not read as a sign-in failure, and not sent again.
        assert.doesNotMatch(result.output, /Failed to authenticate|Please run \/login|Reconnecting/);
      },
    );
  });
