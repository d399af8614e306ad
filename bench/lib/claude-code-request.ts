/**
 * A real-shaped Claude Code request of a chosen size: the long system prompt with its `<env>`
 * block, 25 tool definitions with JSON schemas, metadata.user_id, and a history of tool calls
 * whose results are real source files (taken from node_modules, so the text is what an
 * assistant really reads). A real request is about 85 KB.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ENV = `<env>
Working directory: /home/alice/work/acme-payments
Is directory a git repo: Yes
Platform: linux
OS Version: Linux 6.8.0-45-generic
Today's date: 2026-11-25
</env>
gitStatus: This is the git status at the start of the conversation.
Current branch: feature/refunds
Main branch (you will usually use this for PRs): main
Git user: Alice Example
Recent commits:
a1b2c3d Add refund webhook handler
9f8e7d6 Fix currency rounding in invoices`;

const TOOL_NAMES = [
  'Task',
  'Bash',
  'Glob',
  'Grep',
  'LS',
  'ExitPlanMode',
  'Read',
  'Edit',
  'MultiEdit',
  'Write',
  'NotebookEdit',
  'WebFetch',
  'TodoWrite',
  'WebSearch',
  'BashOutput',
  'KillBash',
  'SlashCommand',
  'mcp__github__create_issue',
  'mcp__github__list_prs',
  'mcp__github__get_file',
  'mcp__linear__search',
  'mcp__linear__create',
  'mcp__sentry__issues',
  'mcp__db__query',
  'mcp__docs__lookup',
];

function tool(name: string, i: number) {
  return {
    name,
    description: `${name}: ${'Use this tool when the task requires it. It accepts the parameters below and returns its output as text. '.repeat(6)}(${i})`,
    input_schema: {
      type: 'object',
      properties: {
        file_path: { type: 'string', description: 'The absolute path to the file to operate on' },
        pattern: { type: 'string', description: 'A glob or regular expression pattern' },
        limit: { type: 'number', description: 'The number of lines to read' },
        offset: { type: 'number', description: 'The line number to start reading from' },
      },
      required: ['file_path'],
      additionalProperties: false,
      $schema: 'http://json-schema.org/draft-07/schema#',
    },
  };
}

let sourcesCache: string[] | undefined;
function sources(): string[] {
  if (sourcesCache) return sourcesCache;
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (name.endsWith('.js') && st.size > 2_000 && st.size < 40_000)
        out.push(readFileSync(path, 'utf8'));
    }
  };
  walk(join(process.cwd(), 'node_modules/undici/lib'));
  sourcesCache = out;
  return out;
}

export function claudeCodeRequest(
  targetBytes: number,
  opts: { stream?: boolean } = {},
): Record<string, unknown> {
  // Small requests (a first turn of a lighter client) carry fewer tools and a shorter prompt.
  const small = targetBytes < 40_000;
  const system = [
    { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude." },
    {
      type: 'text',
      text: `${'You are an interactive CLI tool that helps users with software engineering tasks. Follow the instructions below carefully. '.repeat(small ? 4 : 40)}\n${ENV}`,
      cache_control: { type: 'ephemeral' },
    },
  ];
  const messages: Record<string, unknown>[] = [
    {
      role: 'user',
      content: [{ type: 'text', text: 'Find where refunds are rounded and fix the off-by-one cent bug.' }],
    },
  ];
  const body: Record<string, unknown> = {
    model: 'claude-sonnet-4-5-20250929',
    max_tokens: 32000,
    system,
    messages,
    tools: (small ? TOOL_NAMES.slice(0, 4) : TOOL_NAMES).map(tool),
    metadata: {
      user_id: JSON.stringify({
        device_id: '5f0c8a3e9b7d4c21a6e8f0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1',
        account_uuid: '',
        session_id: '3b9d7e2a-41c6-4f8e-9a0b-7c5d2e1f6a84',
      }),
    },
    stream: opts.stream ?? true,
  };
  const files = sources();
  let i = 0;
  while (Buffer.byteLength(JSON.stringify(body)) < targetBytes) {
    const id = `toolu_01${String(i).padStart(22, '0')}`;
    const path = `/home/alice/work/acme-payments/src/module-${i}.js`;
    messages.push({
      role: 'assistant',
      content: [{ type: 'tool_use', id, name: 'Read', input: { file_path: path } }],
    });
    const room = targetBytes - Buffer.byteLength(JSON.stringify(body)) - 300;
    const file = files[i % files.length]!;
    messages.push({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: id,
          content: room < file.length ? file.slice(0, Math.max(room, 100)) : file,
        },
      ],
    });
    i++;
  }
  messages.push({ role: 'user', content: [{ type: 'text', text: 'Continue.' }] });
  return body;
}

/** The real Claude Code request captured from the CLI (test/fixtures/captures), about 76 KB. */
export function capturedClaudeRequest(stream: boolean): Record<string, unknown> {
  const capture = JSON.parse(
    readFileSync(new URL('../../test/fixtures/captures/claude.json', import.meta.url), 'utf8'),
  ) as {
    requests: { path: string; body: Record<string, unknown> }[];
  };
  const request = capture.requests.find(
    (r) => r.path.startsWith('/v1/messages') && JSON.stringify(r.body).length > 50_000,
  );
  if (!request) throw new Error('no large Claude Code request in the capture');
  return { ...request.body, stream };
}
