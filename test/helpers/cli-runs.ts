/**
 * How to run each real assistant CLI headless against a given base URL, in a made-up
 * environment (see fake-env.ts). Learned by running them: Codex needs a model-provider entry
 * (it ignores OPENAI_BASE_URL), Gemini CLI needs an auth type and a trusted folder, Qwen Code
 * before 0.24 sends loopback calls through HTTPS_PROXY (it ignores NO_PROXY).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedRequest, Reply } from '../../src/simulator/types.js';
import { CLI_BIN_DIR } from './cli-bin.js';
import type { FakeEnv } from './fake-env.js';

export type CliName = 'claude' | 'codex' | 'gemini' | 'qwen';
export const CLIS: readonly CliName[] = ['claude', 'codex', 'gemini', 'qwen'];

export interface BaseUrls {
  anthropic: string;
  /** OpenAI base URL including `/v1`. */
  openai: string;
  gemini: string;
}

export interface CliResult {
  code: number | null;
  output: string;
}

function invocation(
  cli: CliName,
  prompt: string,
  urls: BaseUrls,
  fe: FakeEnv,
): { args: string[]; env: Record<string, string> } {
  switch (cli) {
    case 'claude':
      return {
        args: ['-p', prompt, '--allowedTools', 'Read', '--output-format', 'json'],
        env: { ANTHROPIC_BASE_URL: urls.anthropic, ANTHROPIC_API_KEY: 'sk-ant-api03-test' },
      };
    case 'codex': {
      const codexHome = join(fe.home, '.codex');
      mkdirSync(codexHome, { recursive: true });
      return {
        args: [
          'exec',
          '--skip-git-repo-check',
          '-c',
          'model_provider="airlock"',
          '-c',
          `model_providers.airlock={name="airlock",base_url="${urls.openai}",env_key="OPENAI_API_KEY",wire_api="responses"}`,
          '-m',
          'gpt-5-codex',
          prompt,
        ],
        env: { OPENAI_API_KEY: 'sk-test', CODEX_HOME: codexHome },
      };
    }
    case 'gemini': {
      mkdirSync(join(fe.home, '.gemini'), { recursive: true });
      writeFileSync(
        join(fe.home, '.gemini', 'settings.json'),
        JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }),
      );
      return {
        args: ['-p', prompt, '--skip-trust'],
        env: {
          GEMINI_API_KEY: 'gm-test',
          GOOGLE_GEMINI_BASE_URL: urls.gemini,
          GEMINI_CLI_TRUST_WORKSPACE: 'true',
        },
      };
    }
    case 'qwen': {
      mkdirSync(join(fe.home, '.qwen'), { recursive: true });
      writeFileSync(
        join(fe.home, '.qwen', 'settings.json'),
        JSON.stringify({ security: { auth: { selectedType: 'openai' } }, selectedAuthType: 'openai' }),
      );
      return {
        args: ['-p', prompt],
        // Qwen Code before 0.24 ignores NO_PROXY: its loopback calls would go to the proxy.
        env: {
          OPENAI_API_KEY: 'sk-test',
          OPENAI_BASE_URL: urls.openai,
          OPENAI_MODEL: 'qwen3-coder-plus',
          HTTPS_PROXY: '',
          HTTP_PROXY: '',
        },
      };
    }
  }
}

/** How a session of each CLI is resumed: its most recent one in this project. */
function resumed(cli: CliName, args: string[]): string[] {
  switch (cli) {
    case 'claude':
      return ['-c', ...args];
    case 'codex':
      return [args[0]!, 'resume', '--last', ...args.slice(1)];
    case 'gemini':
      return ['--resume', 'latest', ...args];
    case 'qwen':
      return ['--continue', ...args];
  }
}

export interface RunOptions {
  /** Flags after the CLI's own (e.g. the ones that let it run shell commands unasked). */
  extraArgs?: readonly string[];
  /** Go on with the CLI's most recent session in the project instead of starting one. */
  resume?: boolean;
}

/** Runs one CLI to completion (killed after `timeoutMs`), with the made-up host name. */
export function runCli(
  cli: CliName,
  prompt: string,
  urls: BaseUrls,
  fe: FakeEnv,
  timeoutMs = 90_000,
  options: RunOptions = {},
): Promise<CliResult> {
  const { args, env } = invocation(cli, prompt, urls, fe);
  const all = [...(options.resume ? resumed(cli, args) : args), ...(options.extraArgs ?? [])];
  const [command, wrapped] = fe.wrap(join(CLI_BIN_DIR, cli), all);
  const child = spawn(command, wrapped, {
    cwd: fe.project,
    env: { ...fe.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * Gemini CLI asks a small model for JSON (routing, next speaker) with a response schema; an
 * answer that does not fit makes it retry. Fill the schema's required fields with plain values.
 */
export function jsonForSchema(schema: unknown): unknown {
  const s = schema as {
    type?: string;
    properties?: Record<string, unknown>;
    required?: string[];
    items?: unknown;
    enum?: unknown[];
  };
  if (s.enum && s.enum.length > 0) return s.enum[0];
  switch ((s.type ?? 'object').toLowerCase()) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? Object.keys(s.properties ?? {}))
        out[key] = jsonForSchema(s.properties?.[key] ?? {});
      return out;
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return 5;
    case 'boolean':
      return false;
    default:
      return 'ok';
  }
}

interface ToolDef {
  name: string;
  schema: { properties?: Record<string, unknown>; required?: string[] };
}

/** Tool definitions in any of the three request shapes. */
function tools(body: Record<string, unknown>): ToolDef[] {
  const out: ToolDef[] = [];
  for (const t of (body.tools as Record<string, unknown>[] | undefined) ?? []) {
    const fn = (t.function as Record<string, unknown> | undefined) ?? t;
    if (typeof fn.name === 'string') {
      out.push({ name: fn.name, schema: (fn.input_schema ?? fn.parameters ?? {}) as ToolDef['schema'] });
    }
    for (const d of (t.functionDeclarations as Record<string, unknown>[] | undefined) ?? []) {
      out.push({
        name: String(d.name),
        schema: (d.parameters ?? d.parametersJsonSchema ?? {}) as ToolDef['schema'],
      });
    }
  }
  return out;
}

/**
 * A script that makes any of the CLIs read the project's `.env` with its own file tool (Read,
 * read_file) or shell tool (cat), then answers in text; schema-bound JSON requests get JSON.
 */
export function readEnvScript(project: string): (req: RecordedRequest) => Reply {
  return (req) => {
    const body = (req.json ?? {}) as Record<string, unknown>;
    const config = body.generationConfig as
      { responseMimeType?: string; responseJsonSchema?: unknown; responseSchema?: unknown } | undefined;
    if (config?.responseMimeType === 'application/json') {
      return {
        reply: [
          { text: JSON.stringify(jsonForSchema(config.responseJsonSchema ?? config.responseSchema ?? {})) },
        ],
      };
    }
    const text = req.body.toString();
    const alreadyRead =
      text.includes('AWS_ACCESS_KEY_ID') ||
      /tool_result|function_call_output|functionResponse|"role":"tool"/.test(text);
    const reader = tools(body).find((t) => /^(Read|read_file)$/.test(t.name));
    const shell = tools(body).find((t) => /^(shell|exec_command|local_shell)$/.test(t.name));
    if (!alreadyRead && reader) {
      const param = reader.schema.required?.[0] ?? 'file_path';
      return { reply: [{ toolCall: { name: reader.name, args: { [param]: `${project}/.env` } } }] };
    }
    if (!alreadyRead && shell) {
      const param = shell.schema.required?.[0] ?? 'command';
      const value =
        shell.schema.properties?.[param] &&
        (shell.schema.properties[param] as { type?: string }).type === 'string'
          ? 'cat .env'
          : ['cat', '.env'];
      return { reply: [{ toolCall: { name: shell.name, args: { [param]: value, workdir: project } } }] };
    }
    return { reply: [{ text: 'I read the .env file; it holds AWS, GitHub and Stripe settings.' }] };
  };
}
