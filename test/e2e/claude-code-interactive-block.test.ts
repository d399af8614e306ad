/**
 * Claude Code's interactive mode (its terminal UI, in a pseudo-terminal from script(1)) when the
 * policy blocks a request: the model reads a file holding a private key, and the next request
 * is refused. With a bare 403 permission_error the UI drew "Please run /login · API Error: 403
 * Airlock blocked ...", sending the user to sign in again; it must show Airlock's message as a
 * refusal and send the request once. policy-block-clis.test.ts covers `claude -p`.
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
const API_KEY = 'sk-ant-api03-test';

/**
 * What the terminal showed, without escape sequences and without white space: the UI moves the
 * cursor where a space would be.
 */
function squeezed(output: string): string {
  return stripVTControlCharacters(output).replace(/\s+/g, '');
}

/** Reads the file the prompt names with Read, then answers in text. */
function script(req: RecordedRequest): Reply {
  const messages = (req.json as { messages?: { content?: unknown }[] } | undefined)?.messages ?? [];
  const answered = messages.some(
    (m) =>
      Array.isArray(m.content) && (m.content as { type?: string }[]).some((c) => c.type === 'tool_result'),
  );
  if (answered) return { reply: [{ text: 'The notes hold a deploy key.' }] };
  const path = /please read (\S+?) now/.exec(req.body.toString())?.[1];
  if (!path) return { reply: [{ text: 'ok' }] };
  return { reply: [{ toolCall: { name: 'Read', args: { file_path: path } } }] };
}

describe('Claude Code interactive: a request the policy blocks', { skip, timeout: 120_000 }, () => {
  let fe: FakeEnv;
  let stack: AirlockStack;
  let keyFile: string;

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
    // Past the first-run screens: onboarding done, the API key approved, the project trusted.
    writeFileSync(
      join(fe.home, '.claude.json'),
      JSON.stringify({
        hasCompletedOnboarding: true,
        theme: 'dark',
        customApiKeyResponses: { approved: [API_KEY.slice(-20)], rejected: [] },
        projects: { [fe.project]: { hasTrustDialogAccepted: true } },
      }),
    );
    mkdirSync(join(fe.home, '.claude'), { recursive: true });
    stack = await startAirlockStack({ script }, { fe });
  });
  after(async () => {
    await stack.close();
    fe.cleanup();
  });

  test('the UI shows the block as a refusal, not a failed sign-in, and sends it once', async () => {
    // A wide terminal, so that the message is not cut by the UI's own line breaks.
    const inner = `stty cols 400 rows 60; exec ${cliBin('claude')} "please read ${keyFile} now" --allowedTools Read`;
    const [command, args] = fe.wrap('script', ['-qfc', inner, '/dev/null']);
    const child = spawn(command, args, {
      cwd: fe.project,
      env: {
        ...fe.env,
        TERM: 'xterm-256color',
        ANTHROPIC_BASE_URL: stack.via.anthropic,
        ANTHROPIC_API_KEY: API_KEY,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      await until(() => squeezed(output).includes('APIError:403'), 'the UI to show the API error', 90_000);
    } finally {
      // Ctrl-C twice is how the UI is left.
      child.stdin.write('\x03');
      child.stdin.write('\x03');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }

    const shown = squeezed(output);
    assert.ok(shown.includes('APIError:403Airlockblockedthisrequest'), shown.slice(-3000));
    assert.ok(shown.includes('rulesecret.private-key'), shown.slice(-3000));
    assert.ok(shown.includes('changekinds.private-key'), shown.slice(-3000));
    assert.ok(!shown.includes('Pleaserun/login'), 'the UI sent the user to sign in again');
    assert.ok(!/Failedtoauthenticate/.test(shown), 'the UI called it a failed sign-in');

    await stack.airlock.recorder.flush();
    const { events } = await stack.airlock.store.query({ kind: 'request', limit: 500 });
    const blocked = events.filter((e) => e.error === 'AIRLOCK_POLICY_BLOCKED');
    assert.equal(blocked.length, 1, `blocked requests: ${blocked.length}`);
  });
});
