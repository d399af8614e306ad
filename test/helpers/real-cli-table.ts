/**
 * The real assistant CLIs as the simulator and scan tests drive them: how to point each at a
 * simulator, its arguments for one headless prompt, and a script that makes it read the path
 * named in the prompt with its own file or shell tool, then answer with `answer`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PlainScript, ReplyStep, Script } from '../../src/simulator/index.js';
import type { CliName } from './cli-runs.js';

export const PATH_IN_PROMPT = { fromRequest: 'please read (\\S+) now' };

interface Urls {
  anthropic: string;
  openai: string;
  gemini: string;
}

export interface RealCli {
  bin: CliName;
  name: string;
  /** The transcript format `airlock scan` reports for its session files. */
  format: 'claude-code' | 'codex' | 'gemini-cli' | 'qwen-code';
  args(prompt: string): string[];
  /** Writes its config under `home` and returns the environment that points it at `urls`. */
  setup(home: string, urls: Urls): Promise<Record<string, string>>;
  script(answer: ReplyStep[]): Script;
}

/** First a tool call reading the path named in the prompt, then `answer`. */
function readThenAnswer(
  toolCall: { name: string; args: Record<string, unknown> },
  answer: ReplyStep[],
): PlainScript {
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
      { reply: answer },
    ],
  };
}

export const REAL_CLIS: readonly RealCli[] = [
  {
    bin: 'claude',
    name: 'Claude Code',
    format: 'claude-code',
    args: (prompt) => ['-p', prompt, '--allowedTools', 'Read', '--output-format', 'text'],
    setup: async (_home, urls) => ({
      ANTHROPIC_BASE_URL: urls.anthropic,
      ANTHROPIC_API_KEY: 'sk-ant-api03-simulator',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
    }),
    script: (answer) => readThenAnswer({ name: 'Read', args: { file_path: PATH_IN_PROMPT } }, answer),
  },
  {
    bin: 'codex',
    name: 'Codex CLI',
    format: 'codex',
    args: (prompt) => ['exec', '--skip-git-repo-check', prompt],
    setup: async (home, urls) => {
      // Codex ignores OPENAI_BASE_URL for its built-in provider; a custom provider points it here.
      const codexHome = path.join(home, '.codex');
      await mkdir(codexHome, { recursive: true });
      const config = [
        'model = "gpt-5"',
        'model_provider = "simulator"',
        '[model_providers.simulator]',
        'name = "simulator"',
        `base_url = "${urls.openai}"`,
        'env_key = "OPENAI_API_KEY"',
        'wire_api = "responses"',
        '',
      ];
      await writeFile(path.join(codexHome, 'config.toml'), config.join('\n'));
      return { CODEX_HOME: codexHome, OPENAI_API_KEY: 'sk-simulator' };
    },
    // Codex's shell tool takes a command line, built around the captured path.
    script: (answer) =>
      readThenAnswer(
        { name: 'exec_command', args: { cmd: { ...PATH_IN_PROMPT, template: 'cat $1' } } },
        answer,
      ),
  },
  {
    bin: 'gemini',
    name: 'Gemini CLI',
    format: 'gemini-cli',
    args: (prompt) => ['-p', prompt],
    setup: async (home, urls) => {
      await mkdir(path.join(home, '.gemini'), { recursive: true });
      const settings = {
        security: { auth: { selectedType: 'gemini-api-key' } },
        telemetry: { enabled: false },
        privacy: { usageStatisticsEnabled: false },
      };
      await writeFile(path.join(home, '.gemini', 'settings.json'), JSON.stringify(settings));
      return {
        GEMINI_API_KEY: 'gemini-simulator',
        GOOGLE_GEMINI_BASE_URL: urls.gemini,
        GEMINI_CLI_TRUST_WORKSPACE: 'true',
      };
    },
    script: (answer) => ({
      // Gemini CLI first asks a small model to rate the prompt's complexity, as JSON.
      routes: [
        {
          when: { body: '"responseMimeType":"application/json"' },
          script: { reply: [{ text: '{"complexity_reasoning":"simple","complexity_score":5}' }] },
        },
      ],
      otherwise: readThenAnswer({ name: 'read_file', args: { file_path: PATH_IN_PROMPT } }, answer),
    }),
  },
  {
    bin: 'qwen',
    name: 'Qwen Code',
    format: 'qwen-code',
    args: (prompt) => ['-p', prompt],
    setup: async (home, urls) => {
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
        OPENAI_BASE_URL: urls.openai,
        OPENAI_MODEL: 'qwen3-coder-plus',
        // Qwen Code before 0.24 sends loopback calls through HTTPS_PROXY (it ignores NO_PROXY).
        HTTPS_PROXY: '',
        HTTP_PROXY: '',
      };
    },
    script: (answer) => readThenAnswer({ name: 'read_file', args: { file_path: PATH_IN_PROMPT } }, answer),
  },
];
