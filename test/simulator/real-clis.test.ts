/**
 * The real coding CLIs accept the simulator's answers: each one gets a tool call that reads the
 * file named in the prompt (the path taken from its own request with `fromRequest`), runs it,
 * sends the file's content back, and prints the final answer that repeats it.
 *
 * The CLIs are large and not devDependencies (yet): each test runs when its CLI is installed in
 * `node_modules/.bin` or in `$AIRLOCK_CLI_BIN_DIR` (e.g. after `npm install --prefix DIR
 * @anthropic-ai/claude-code @openai/codex @google/gemini-cli @qwen-code/qwen-code`), and is
 * skipped with the reason otherwise. Each CLI runs with a made-up HOME and an environment built
 * from scratch, so no real key or config of this machine is used.
 */
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSimulator } from '../../src/simulator/index.js';
import type { PlainScript, Script, Simulator } from '../../src/simulator/index.js';

const BIN_DIR =
  process.env['AIRLOCK_CLI_BIN_DIR'] ?? path.resolve(import.meta.dirname, '../../node_modules/.bin');
const CLI_TIMEOUT_MS = 150_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** First a tool call reading the path named in the prompt, then a text repeating the file's secret. */
function readThenAnswer(toolCall: { name: string; args: Record<string, unknown> }): PlainScript {
  // By tool results, not assistant turns: Qwen Code seeds its history with an assistant message.
  return {
    turnBy: 'toolResults',
    turns: [
      {
        reply: [
          { text: 'I will read the file.' },
          { toolCall: toolCall as { name: string; args: Record<string, never> } },
        ],
      },
      { reply: [{ text: 'The file says ' }, { text: { fromRequest: '(AIRLOCK_NOTE=\\w+)' } }] },
    ],
  };
}

const PATH_IN_PROMPT = { fromRequest: 'please read (\\S+) now' };

interface Cli {
  name: string;
  bin: string;
  script: Script;
  args(prompt: string): string[];
  setup(home: string, sim: Simulator): Promise<Record<string, string>>;
}

const CLIS: Cli[] = [
  {
    name: 'Claude Code',
    bin: 'claude',
    script: readThenAnswer({ name: 'Read', args: { file_path: PATH_IN_PROMPT } }),
    args: (prompt) => ['-p', prompt, '--allowedTools', 'Read', '--output-format', 'text'],
    setup: async (_home, sim) => ({
      ANTHROPIC_BASE_URL: sim.urls.anthropic,
      ANTHROPIC_API_KEY: 'sk-ant-api03-simulator',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
    }),
  },
  {
    name: 'Codex CLI',
    bin: 'codex',
    // Codex's shell tool takes a command line, built around the captured path.
    script: readThenAnswer({
      name: 'exec_command',
      args: { cmd: { ...PATH_IN_PROMPT, template: 'cat $1' } },
    }),
    args: (prompt) => ['exec', '--skip-git-repo-check', prompt],
    setup: async (home, sim) => {
      // Codex ignores OPENAI_BASE_URL for its built-in provider; a custom provider points it here.
      const codexHome = path.join(home, '.codex');
      await mkdir(codexHome, { recursive: true });
      const config = [
        'model = "gpt-5"',
        'model_provider = "simulator"',
        '[model_providers.simulator]',
        'name = "simulator"',
        `base_url = "${sim.urls.openai}"`,
        'env_key = "OPENAI_API_KEY"',
        'wire_api = "responses"',
        '',
      ].join('\n');
      await writeFile(path.join(codexHome, 'config.toml'), config);
      return { CODEX_HOME: codexHome, OPENAI_API_KEY: 'sk-simulator' };
    },
  },
  {
    name: 'Gemini CLI',
    bin: 'gemini',
    script: {
      // Gemini CLI first asks a small model to rate the prompt's complexity, as JSON.
      routes: [
        {
          when: { body: '"responseMimeType":"application/json"' },
          script: { reply: [{ text: '{"complexity_reasoning":"simple","complexity_score":5}' }] },
        },
      ],
      otherwise: readThenAnswer({ name: 'read_file', args: { file_path: PATH_IN_PROMPT } }),
    },
    args: (prompt) => ['-p', prompt],
    setup: async (home, sim) => {
      await mkdir(path.join(home, '.gemini'), { recursive: true });
      const settings = {
        security: { auth: { selectedType: 'gemini-api-key' } },
        telemetry: { enabled: false },
        privacy: { usageStatisticsEnabled: false },
      };
      await writeFile(path.join(home, '.gemini', 'settings.json'), JSON.stringify(settings));
      return {
        GEMINI_API_KEY: 'gemini-simulator',
        GOOGLE_GEMINI_BASE_URL: sim.urls.gemini,
        GEMINI_CLI_TRUST_WORKSPACE: 'true',
      };
    },
  },
  {
    name: 'Qwen Code',
    bin: 'qwen',
    script: readThenAnswer({ name: 'read_file', args: { file_path: PATH_IN_PROMPT } }),
    args: (prompt) => ['-p', prompt],
    setup: async (home, sim) => {
      await mkdir(path.join(home, '.qwen'), { recursive: true });
      await writeFile(
        path.join(home, '.qwen', 'settings.json'),
        JSON.stringify({
          security: { auth: { selectedType: 'openai' } },
          privacy: { usageStatisticsEnabled: false },
        }),
      );
      return {
        OPENAI_API_KEY: 'sk-simulator',
        OPENAI_BASE_URL: sim.urls.openai,
        OPENAI_MODEL: 'qwen3-coder-plus',
      };
    },
  },
];

describe('simulator: real coding CLIs accept its answers', () => {
  let sim: Simulator;
  let root: string;

  before(async () => {
    sim = await startSimulator();
    root = await mkdtemp(path.join(os.tmpdir(), 'airlock-clis-'));
  });
  after(async () => {
    await sim.close();
    await rm(root, { recursive: true, force: true });
  });

  for (const cli of CLIS) {
    it(
      `${cli.name} runs a read-file tool call and answers with the file's content`,
      { timeout: CLI_TIMEOUT_MS + 30_000 },
      async (t: TestContext) => {
        const bin = path.join(BIN_DIR, cli.bin);
        if (!existsSync(bin)) {
          t.skip(`${cli.bin} is not installed in ${BIN_DIR} (set AIRLOCK_CLI_BIN_DIR)`);
          return;
        }
        const home = path.join(root, cli.bin, 'home');
        const project = path.join(root, cli.bin, 'project');
        await mkdir(home, { recursive: true });
        await mkdir(project, { recursive: true });
        const secret = `AIRLOCK_NOTE=${randomBytes(8).toString('hex')}`;
        const file = path.join(project, 'notes.txt');
        await writeFile(file, `${secret}\n`);
        sim.reset();
        sim.setScript(cli.script);
        const env = {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: home,
          TERM: 'dumb',
          ...(await cli.setup(home, sim)),
        };
        const result = await run(bin, cli.args(`please read ${file} now`), env, project);
        const detail = `exit ${result.code}\nstdout:\n${result.stdout.slice(-2000)}\nstderr:\n${result.stderr.slice(-2000)}`;
        assert.equal(result.code, 0, detail);
        assert.ok(result.stdout.includes(secret), `the final answer repeats the file's content\n${detail}`);
        // The secret exists only in the file: the CLI ran the scripted tool call on the path it sent.
        const sawToolResult = sim.received.some((r) => r.body.toString('utf8').includes(secret));
        assert.ok(sawToolResult, 'a request carried the tool result back to the simulator');
      },
    );
  }
});
