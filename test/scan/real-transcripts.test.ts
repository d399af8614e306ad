/**
 * Real transcripts, not hand-made ones: each real CLI (Claude Code, Codex, Gemini CLI, Qwen
 * Code, from node_modules/.bin) runs against the provider simulator with a made-up HOME, reads
 * a project `.env` with fake keys through its own file tool, and writes its session file as it
 * always does. Then `airlock scan` with no path scans that HOME's transcript folders and must
 * recognise each file by content and find the keys in the tool result, where they were sent.
 * Loopback only; each CLI is skipped, with the reason, when it is not installed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { claudeCodeLeaves } from '../../src/scan/readers/claude-code.js';
import type { Leaf } from '../../src/scan/readers/walk.js';
import { runScan } from '../../src/scan/run.js';
import { startSimulator } from '../../src/simulator/index.js';
import { CLI_BIN_DIR as BIN_DIR } from '../helpers/cli-bin.js';
import { REAL_CLIS } from '../helpers/real-cli-table.js';
import type { Simulator } from '../../src/simulator/index.js';

const CLI_TIMEOUT_MS = 150_000;
const ENGINE = {
  module: new URL('../../src/scan/default-engine.ts', import.meta.url).href,
  options: { canaries: false },
};
const AWS = 'AKIAZ7QWERTYUIOPLKJH';
const GHP = 'ghp_Zq4Lm8Nx2Vb6Cs1Dr5Ft9Gy3Hu7Jk0Pe4Wa8';

function run(
  bin: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The simulator's recorded requests as a HAR 1.2 log (answers are not recorded: empty bodies). */
function harOf(sim: Simulator): unknown {
  const entries = sim.received.map((r) => ({
    startedDateTime: new Date(r.at).toISOString(),
    time: 0,
    request: {
      method: r.method,
      url: new URL(r.path, sim.urls.anthropic).href,
      httpVersion: 'HTTP/1.1',
      headers: Object.entries(r.headers).map(([name, value]) => ({ name, value })),
      queryString: [],
      cookies: [],
      headersSize: -1,
      bodySize: r.body.length,
      ...(r.json === undefined
        ? {}
        : { postData: { mimeType: 'application/json', text: JSON.stringify(r.json) } }),
    },
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      headers: [],
      cookies: [],
      content: { size: 0, mimeType: 'application/json' },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: 0, receive: 0 },
  }));
  return {
    log: { version: '1.2', creator: { name: 'airlock-scan-tests', version: '0.1.0' }, pages: [], entries },
  };
}

describe('scan of real CLI transcripts', () => {
  let sim: Simulator;
  let root: string;
  before(async () => {
    sim = await startSimulator();
    root = await mkdtemp(path.join(os.tmpdir(), 'airlock-scan-clis-'));
  });
  after(async () => {
    await sim.close();
    await rm(root, { recursive: true, force: true });
  });

  for (const cli of REAL_CLIS) {
    it(
      `${cli.bin}: its own session file is recognised and the keys it sent are found`,
      { timeout: CLI_TIMEOUT_MS + 60_000 },
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
        const envFile = path.join(project, 'deploy.env');
        await writeFile(envFile, `AWS_ACCESS_KEY_ID=${AWS}\nGITHUB_TOKEN=${GHP}\n`);
        sim.reset();
        sim.setScript(
          cli.script([{ text: 'The key in it is ' }, { text: { fromRequest: '(AKIA[A-Z0-9]{16})' } }]),
        );
        const env = {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: home,
          TERM: 'dumb',
          ...(await cli.setup(home, sim.urls)),
        };
        if (cli.bin === 'qwen') {
          // Its OpenAI API logs too (what `--openai-logging` turns on), in <project>/logs/openai.
          const settingsFile = path.join(home, '.qwen', 'settings.json');
          const settings = JSON.parse(await readFile(settingsFile, 'utf8')) as { model?: object };
          await writeFile(
            settingsFile,
            JSON.stringify({ ...settings, model: { ...settings.model, enableOpenAILogging: true } }),
          );
        }
        const result = await run(bin, cli.args(`please read ${envFile} now`), env, project);
        assert.equal(result.code, 0, result.out.slice(-3000));

        const scan = await runScan({
          paths: [],
          home,
          cwd: home,
          engine: ENGINE,
          workers: 0,
          reveal: true,
          format: 'json',
        });
        const report = scan.report!;
        const sessions = report.files.filter((f) => f.format === cli.format);
        assert.ok(sessions.length >= 1, `a ${cli.format} session among ${JSON.stringify(report.files)}`);
        const mine = report.findings.filter((f) => f.format === cli.format);
        const aws = mine.filter((f) => f.kind === 'aws-access-key' && f.value === AWS);
        assert.ok(
          aws.some((f) => f.role === 'tool_result'),
          `AWS key in a tool result: ${JSON.stringify(mine, null, 1).slice(0, 3000)}`,
        );
        assert.ok(mine.some((f) => f.kind === 'github-token' && f.value === GHP && f.role === 'tool_result'));
        assert.ok(mine.every((f) => f.assistant === cli.format));
        assert.equal(scan.exitCode, 1);
        if (cli.bin === 'claude') {
          // The requests it records as sent (request replay) are still written, and read: the
          // environment block (the OS version) was sent as a system message.
          const types = new Set(
            (await readFile(path.join(home, sessions[0]!.file), 'utf8'))
              .trimEnd()
              .split('\n')
              .map((l) => (JSON.parse(l) as { type?: string }).type),
          );
          for (const type of ['api-request-shape', 'api-request-blob', 'api-request'])
            assert.ok(types.has(type), `${type} among ${[...types].join(', ')}`);
          assert.ok(
            mine.some((f) => f.role === 'system'),
            JSON.stringify(mine, null, 1).slice(0, 3000),
          );
        }
        if (cli.bin === 'qwen') {
          // Its usage record and API logs: Qwen Code's, the first holding nothing sent, the others
          // the requests and answers.
          const logs = (
            await runScan({
              paths: [path.join(home, '.qwen', 'usage_record.jsonl'), path.join(project, 'logs', 'openai')],
              cwd: root,
              engine: ENGINE,
              workers: 0,
              reveal: true,
              format: 'json',
            })
          ).report!;
          assert.ok(
            logs.files.length >= 3 && logs.files.every((f) => f.format === 'qwen-code'),
            JSON.stringify(logs.files),
          );
          assert.ok(!logs.findings.some((f) => f.file.endsWith('usage_record.jsonl')));
          const inLogs = logs.findings.filter((f) => f.value === AWS).map((f) => `${f.path[0]} ${f.role}`);
          assert.ok(
            inLogs.includes('request tool_result') && inLogs.includes('response assistant'),
            inLogs.join(', '),
          );
        }
        // The same run as a capture: the CLI's real requests (headers and bodies) saved as HAR 1.2.
        const harFile = path.join(root, cli.bin, 'capture.har');
        await writeFile(harFile, JSON.stringify(harOf(sim), null, 2));
        const har = (
          await runScan({
            paths: [harFile],
            cwd: root,
            engine: ENGINE,
            workers: 0,
            reveal: true,
            format: 'json',
          })
        ).report!;
        assert.equal(har.files[0]?.format, 'har');
        const inHar = har.findings.filter((f) => f.value === AWS);
        assert.ok(
          inHar.some((f) => f.role === 'tool_result' && f.path.includes('postData')),
          JSON.stringify(har.findings, null, 1).slice(0, 3000),
        );
        assert.ok(
          inHar.every((f) => f.assistant === cli.format),
          `assistant from the user-agent: ${inHar.map((f) => f.assistant).join(', ')}`,
        );

        const saveTo = process.env['AIRLOCK_SCAN_SAVE_REAL'];
        if (saveTo) {
          // Refreshes test/fixtures/scan/real/ (see its use in readers.test.ts).
          for (const s of sessions)
            await copyFile(
              path.join(home, s.file),
              path.join(saveTo, `${cli.format}${path.extname(s.file)}`),
            );
          await copyFile(harFile, path.join(saveTo, `${cli.format}.har`));
        }
        if (cli.bin === 'claude') {
          // A slash command's output, which the next request sends as user text, is still written
          // as a system local_command record and read: /context lists the memory files' paths.
          const memory = path.join(project, 'CLAUDE.md');
          await writeFile(memory, 'Deploy from main only.\n');
          const context = await run(bin, ['-p', '/context', '--output-format', 'text'], env, project);
          assert.equal(context.code, 0, context.out.slice(-3000));
          const records = (
            await Promise.all(
              (await readdir(path.join(home, '.claude', 'projects'), { recursive: true }))
                .filter((f) => f.endsWith('.jsonl'))
                .map((f) => readFile(path.join(home, '.claude', 'projects', f), 'utf8')),
            )
          )
            .flatMap((text) => text.trimEnd().split('\n'))
            .map((l) => JSON.parse(l) as Record<string, unknown>);
          const local = records.filter((r) => r.type === 'system' && r.subtype === 'local_command');
          assert.equal(
            local.length,
            1,
            `one local_command among ${records.map((r) => String(r.type)).join(', ')}`,
          );
          const leaves: Leaf[] = [];
          claudeCodeLeaves(local[0]!, (leaf) => leaves.push(leaf));
          assert.deepEqual(
            leaves.filter((l) => l.text.includes(memory)).map((l) => `${l.path.join('.')} ${l.role}`),
            ['content user'],
          );
        }
        t.diagnostic(
          `${cli.bin}: ${sessions.map((s) => s.file).join(', ')}; ${mine.length} findings: ${mine.map((f) => `${f.line}:${f.path.join('.')}:${f.role}:${f.kind}`).join(' ')}`,
        );
      },
    );
  }
});
