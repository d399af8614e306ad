/**
 * The terminal UIs of Claude Code and Codex (in a pseudo-terminal from script(1)) when the
 * policy blocks a request: the model reads a file holding a private key, and the next request
 * is refused. With a bare 403 permission_error Claude Code drew "Please run /login · API Error:
 * 403 Airlock blocked ...", sending the user to sign in again, and Codex sent the request six
 * times ("Reconnecting... 1/5" to "5/5") before "unexpected status 403 Forbidden". Each must show
 * Airlock's message as a refusal and send the request once. policy-block-clis.test.ts covers
 * the non-interactive modes of all four CLIs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { RecordedRequest, Reply } from '../../src/simulator/types.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { cliBin } from '../helpers/cli-bin.js';
import { makeFakeEnv, unshareAvailable, type FakeEnv } from '../helpers/fake-env.js';
import { until } from '../helpers/until.js';

const skip = unshareAvailable() ? false : 'needs unshare --uts (root) for the made-up host name';

/**
 * What the terminal showed, without escape sequences and without white space: the UIs move the
 * cursor where a space would be.
 */
function squeezed(output: string): string {
  return stripVTControlCharacters(output).replace(/\s+/g, '');
}

interface Ui {
  /** Writes what gets the UI past its first-run screens; returns the environment it needs. */
  setup(fe: FakeEnv, stack: AirlockStack): Record<string, string>;
  /** Flags after the prompt. */
  args: string;
  /** The flag before the prompt, if the UI takes it as one. */
  prompt?: string;
  /** The squeezed output once the UI shows the turn's final error. */
  done: RegExp;
  /** What the UI must not show. */
  wrong?: RegExp;
  /** The tool that reads the file, and its arguments. */
  read(path: string): { name: string; args: Record<string, string> };
}

const CLAUDE_KEY = 'sk-ant-api03-test';

const UIS: Record<'claude' | 'codex' | 'qwen', Ui> = {
  claude: {
    setup(fe, stack) {
      // Onboarding done, the API key approved, the project trusted.
      writeFileSync(
        join(fe.home, '.claude.json'),
        JSON.stringify({
          hasCompletedOnboarding: true,
          theme: 'dark',
          customApiKeyResponses: { approved: [CLAUDE_KEY.slice(-20)], rejected: [] },
          projects: { [fe.project]: { hasTrustDialogAccepted: true } },
        }),
      );
      mkdirSync(join(fe.home, '.claude'), { recursive: true });
      return { ANTHROPIC_BASE_URL: stack.via.anthropic, ANTHROPIC_API_KEY: CLAUDE_KEY };
    },
    args: '--allowedTools Read',
    done: /APIError:403/,
    wrong: /Pleaserun\/login|Failedtoauthenticate/,
    read: (path) => ({ name: 'Read', args: { file_path: path } }),
  },
  codex: {
    setup(fe, stack) {
      const home = join(fe.home, '.codex');
      mkdirSync(home, { recursive: true });
      writeFileSync(
        join(home, 'config.toml'),
        [
          'model_provider = "airlock"',
          'model = "gpt-5-codex"',
          '[model_providers.airlock]',
          'name = "airlock"',
          `base_url = "${stack.via.openai}"`,
          'env_key = "OPENAI_API_KEY"',
          'wire_api = "responses"',
          `[projects."${fe.project}"]`,
          'trust_level = "trusted"',
          '',
        ].join('\n'),
      );
      return { OPENAI_API_KEY: 'sk-test', CODEX_HOME: home };
    },
    // Without it the UI starts a background app server that outlives the test.
    args: '--no-daemon',
    // A turn's final error is drawn after a square.
    done: /■(Airlockblocked|unexpectedstatus403)/,
    wrong: /Reconnecting|unexpectedstatus403/i,
    read: (path) => ({ name: 'exec_command', args: { cmd: `cat ${path}` } }),
  },
  qwen: {
    setup(fe, stack) {
      mkdirSync(join(fe.home, '.qwen'), { recursive: true });
      writeFileSync(
        join(fe.home, '.qwen', 'settings.json'),
        JSON.stringify({ security: { auth: { selectedType: 'openai' } }, selectedAuthType: 'openai' }),
      );
      return {
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: stack.via.openai,
        OPENAI_MODEL: 'qwen3-coder-plus',
        HTTPS_PROXY: '',
        HTTP_PROXY: '',
      };
    },
    // Its prompt given, the UI stays open.
    args: '',
    prompt: '-i',
    done: /✕\[APIError:403/,
    read: (path) => ({ name: 'read_file', args: { file_path: path } }),
  },
};

/** Whether the request carries a tool's result (Anthropic Messages, OpenAI Responses or Chat). */
function hasToolResult(body: unknown): boolean {
  const b = (body ?? {}) as { messages?: unknown[]; input?: unknown };
  const items = [...(b.messages ?? []), ...(Array.isArray(b.input) ? b.input : [])] as {
    role?: string;
    type?: string;
    content?: unknown;
  }[];
  return items.some(
    (m) =>
      m.role === 'tool' ||
      /_call_output$/.test(m.type ?? '') ||
      (Array.isArray(m.content) && (m.content as { type?: string }[]).some((c) => c.type === 'tool_result')),
  );
}

for (const [cli, ui] of Object.entries(UIS))
  describe(`${cli} interactive: a request the policy blocks`, { skip, timeout: 120_000 }, () => {
    let fe: FakeEnv;
    let stack: AirlockStack;
    let keyFile: string;

    /** Reads the file the prompt names, then answers in text. */
    function script(req: RecordedRequest): Reply {
      if (hasToolResult(req.json)) return { reply: [{ text: 'The notes hold a deploy key.' }] };
      const path = /please read (\S+?) now/.exec(req.body.toString())?.[1];
      if (!path) return { reply: [{ text: 'ok' }] };
      return { reply: [{ toolCall: ui.read(path) }] };
    }

    before(async () => {
      fe = makeFakeEnv();
      keyFile = join(fe.project, 'deploy-notes.txt');
      const key = randomBytes(300)
        .toString('base64')
        .replace(/(.{70})/g, '$1\n');
      writeFileSync(
        keyFile,
        `-----BEGIN OPENSSH PRIVATE KEY-----\n${key}\n-----END OPENSSH PRIVATE KEY-----\n`,
      );
      stack = await startAirlockStack({ script }, { fe });
    });
    after(async () => {
      await stack.close();
      fe.cleanup();
    });

    test('the UI shows the block as a refusal and sends it once', async () => {
      const env = ui.setup(fe, stack);
      // A wide terminal, so that the message is not cut by the UI's own line breaks.
      const inner = `stty cols 400 rows 60; exec ${cliBin(cli as 'claude' | 'codex' | 'qwen')} ${ui.prompt ?? ''} "please read ${keyFile} now" ${ui.args}`;
      const [command, args] = fe.wrap('script', ['-qfc', inner, '/dev/null']);
      const child = spawn(command, args, {
        cwd: fe.project,
        env: { ...fe.env, TERM: 'xterm-256color', ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      try {
        await until(() => ui.done.test(squeezed(output)), "the UI to show the turn's error", 90_000);
      } finally {
        // Ctrl-C twice is how the UIs are left.
        child.stdin.write('\x03');
        child.stdin.write('\x03');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }

      const shown = squeezed(output);
      assert.ok(shown.includes('Airlockblockedthisrequest'), shown.slice(-3000));
      assert.ok(shown.includes('rulesecret.private-key'), shown.slice(-3000));
      assert.ok(shown.includes('changekinds.private-key'), shown.slice(-3000));
      if (ui.wrong) assert.doesNotMatch(shown, ui.wrong);

      await stack.airlock.recorder.flush();
      const { events } = await stack.airlock.store.query({ kind: 'request', limit: 500 });
      const blocked = events.filter((e) => e.error === 'AIRLOCK_POLICY_BLOCKED');
      assert.equal(blocked.length, 1, `blocked requests: ${blocked.length}`);
    });
  });
