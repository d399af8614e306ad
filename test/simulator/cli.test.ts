/**
 * `airlock simulate`: in-process through simulateFromOptions, and as a real child process running
 * the commander command (banner, --script, --log, clean stop on SIGTERM).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import {
  registerSimulateCommand,
  requestLogLine,
  simulateFromOptions,
} from '../../src/cli/commands/simulate.js';

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-simulate-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const SCRIPT_YAML = ['reply:', '  - text: "Scripted from YAML."', ''].join('\n');

describe('airlock simulate', () => {
  it('starts from options with a script file and logs one line per request', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'script.yaml');
      await writeFile(file, SCRIPT_YAML);
      const lines: string[] = [];
      const sim = await simulateFromOptions({ port: 0, script: file, log: true }, (line) => lines.push(line));
      try {
        const res = await fetch(`${sim.urls.openai}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }),
        });
        const body = (await res.json()) as { choices: { message: { content: string } }[] };
        assert.equal(body.choices[0]?.message.content, 'Scripted from YAML.');
        assert.equal(lines.length, 1);
        // Logged, not kept: a simulator left running for days must not grow with every request.
        assert.equal(sim.received.length, 0);
        assert.match(
          lines[0] ?? '',
          /^\d{4}-\d\d-\d\dT\S+Z POST \/v1\/chat\/completions \d+B model=gpt-4\.1\n$/,
        );
      } finally {
        await sim.close();
      }
    });
  });

  it('formats a streamed Gemini request line without any header (keys never reach the log)', () => {
    const line = requestLogLine({
      method: 'POST',
      path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      headers: { 'x-goog-api-key': 'secret-key' },
      body: Buffer.from('{}'),
      json: {},
      at: 0,
    });
    assert.equal(
      line,
      '1970-01-01T00:00:00.000Z POST /v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse 2B stream\n',
    );
  });

  it('refuses a bad --pacing-ms and a bad script file with a clear message', async () => {
    const program = new Command('airlock').exitOverride().configureOutput({ writeErr: () => undefined });
    registerSimulateCommand(program);
    await assert.rejects(
      program.parseAsync(['simulate', '--pacing-ms', '-3'], { from: 'user' }),
      (err: unknown) => {
        assert.ok(err instanceof CommanderError);
        assert.match(err.message, /pacing must be an integer >= 0/);
        return true;
      },
    );
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'bad.json');
      await writeFile(file, JSON.stringify({ reply: [{ text: 'x' }], pacingMs: 'slow' }));
      await assert.rejects(
        simulateFromOptions({ port: 0, script: file }),
        /Invalid simulator script .*bad\.json:\n {2}- pacingMs/,
      );
    });
  });

  it(
    'runs as a command: prints the base URLs, answers, logs, and stops on SIGTERM',
    { timeout: 60_000 },
    async () => {
      const entry = [
        "import { Command } from 'commander';",
        "import { registerSimulateCommand } from './src/cli/commands/simulate.ts';",
        "const program = new Command('airlock');",
        'registerSimulateCommand(program);',
        "await program.parseAsync(['simulate', '--port', '0', '--log', '--pacing-ms', '1'], { from: 'user' });",
      ].join('\n');
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry], {
        cwd: path.resolve(import.meta.dirname, '../..'),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        while (!/listening on (http:\/\/\S+)/.test(stdout)) {
          if (child.exitCode !== null) assert.fail(`simulate exited early: ${stderr}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1] ?? '';
        assert.match(stdout, new RegExp(`OPENAI_BASE_URL=${url}/v1`));
        assert.match(stdout, new RegExp(`ANTHROPIC_BASE_URL=${url}\\n`));
        const res = await fetch(`${url}/v1/messages`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'anthropic-version': '2023-06-01',
            'x-api-key': 'k',
          },
          body: JSON.stringify({
            model: 'claude-sonnet-4-6',
            max_tokens: 5,
            messages: [{ role: 'user', content: 'hi' }],
          }),
        });
        assert.equal(
          ((await res.json()) as { content: { text: string }[] }).content[0]?.text,
          'Hello from the Airlock simulator.',
        );
        while (!stdout.includes('POST /v1/messages')) await new Promise((r) => setTimeout(r, 20));
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await exited, 0, stderr);
    },
  );
});
