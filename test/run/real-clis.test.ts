/**
 * Codex CLI, Gemini CLI and Qwen Code under `airlock run --strict-egress` against the simulator
 * (Claude Code has its own, longer test in claude-e2e.test.ts). Each must answer through the
 * gateway with only the setup `airlock run` gives it (Codex: the `-c` model provider), and
 * try no outside host except the ones docs/telemetry-hosts.md says remain. Every outside host
 * is refused; the gateway's upstream is the loopback simulator, so nothing leaves the machine.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { cliBin } from '../helpers/cli-bin.js';
import { NO_GATEWAY, runCli, tempDir } from './helpers.js';

interface Case {
  cli: 'codex' | 'gemini' | 'qwen';
  args: string[];
  setup(home: string): Record<string, string>;
  /** A request path the model call must have used. */
  path: RegExp;
  /** Outside hosts the CLI still tries under airlock run (refused), per docs/telemetry-hosts.md. */
  refused: string[];
}

const CASES: Case[] = [
  {
    cli: 'codex',
    args: ['exec', '--skip-git-repo-check', 'say hello'],
    setup: (home) => {
      mkdirSync(join(home, '.codex'), { recursive: true });
      return { OPENAI_API_KEY: 'sk-simulator', CODEX_HOME: join(home, '.codex') };
    },
    path: /^\/v1\/responses/,
    refused: [],
  },
  {
    cli: 'gemini',
    args: ['-p', 'say hello'],
    setup: (home) => {
      mkdirSync(join(home, '.gemini'), { recursive: true });
      writeFileSync(
        join(home, '.gemini', 'settings.json'),
        JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }),
      );
      return { GEMINI_API_KEY: 'gemini-simulator', GEMINI_CLI_TRUST_WORKSPACE: 'true' };
    },
    path: /:(stream)?[gG]enerateContent/,
    refused: ['play.googleapis.com:443'],
  },
  {
    cli: 'qwen',
    args: ['-p', 'say hello'],
    setup: (home) => {
      mkdirSync(join(home, '.qwen'), { recursive: true });
      writeFileSync(
        join(home, '.qwen', 'settings.json'),
        JSON.stringify({ security: { auth: { selectedType: 'openai' } } }),
      );
      return { OPENAI_API_KEY: 'sk-simulator', OPENAI_MODEL: 'qwen3-coder-plus' };
    },
    path: /^\/v1\/chat\/completions/,
    refused: [],
  },
];

describe('real CLIs under airlock run', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({
      script: {
        routes: [
          {
            // Gemini CLI first asks a small model to rate the prompt's complexity, as JSON.
            when: { body: '"responseMimeType":"application/json"' },
            script: { reply: [{ text: '{"complexity_reasoning":"simple","complexity_score":5}' }] },
          },
        ],
        otherwise: { reply: [{ text: 'Hello from the simulator.' }] },
      },
    });
  });
  after(async () => {
    await sim.close();
  });

  for (const c of CASES) {
    const bin = cliBin(c.cli);
    it(
      `${c.cli} answers through the gateway; outside hosts: ${c.refused.join(', ') || 'none'}`,
      { skip: !existsSync(bin) && `${c.cli} is not installed`, timeout: 180_000 },
      async () => {
        const home = tempDir('airlock-cli-home-');
        const dataDir = tempDir();
        sim.reset();
        const env = {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home,
          TERM: 'dumb',
          AIRLOCK_UPSTREAM_ANTHROPIC: sim.url,
          AIRLOCK_UPSTREAM_OPENAI: sim.url,
          AIRLOCK_UPSTREAM_GEMINI: sim.url,
          ...c.setup(home),
        };
        const r = await runCli(
          [
            'run',
            '-q',
            '--strict-egress',
            '--gateway',
            NO_GATEWAY,
            '--data-dir',
            dataDir,
            '--',
            bin,
            ...c.args,
          ],
          env,
        );
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, /Hello from the simulator/);
        assert.ok(
          sim.received.some((q) => c.path.test(q.path)),
          `model call through the gateway: ${sim.received.map((q) => q.path).join(', ')}`,
        );
        // The installation ids the CLIs keep in their folder are device ids: none may leave,
        // from the first request on (a tracker that learns them after a few is too late).
        const ids = [join(home, '.gemini', 'installation_id'), join(home, '.qwen', 'installation_id')]
          .filter((f) => existsSync(f))
          .map((f) => readFileSync(f, 'utf8').trim())
          .filter((id) => id.length >= 8);
        for (const q of sim.received)
          for (const id of ids) {
            assert.ok(!JSON.stringify(q.headers).includes(id), `installation id in the headers of ${q.path}`);
            assert.ok(!q.body.includes(id), `installation id in the body of ${q.path}`);
          }
        const events = readFileSync(join(dataDir, 'run.log'), 'utf8')
          .split('\n')
          .filter((l) => l.includes('"egress"'))
          .map((l) => (JSON.parse(l) as { egress: { host: string; port: number; decision: string } }).egress);
        const outside = events.filter((e) => !/^(127\.|::1$|localhost$)/.test(e.host));
        assert.ok(
          outside.every((e) => e.decision === 'deny'),
          `only refusals outside: ${JSON.stringify(outside)}`,
        );
        assert.deepEqual([...new Set(outside.map((e) => `${e.host}:${e.port}`))].sort(), c.refused);
      },
    );
  }
});
