/**
 * Issue 7's first test: the real Claude Code under `airlock run`, in a made-up environment with
 * a proxy (and its password) in HTTPS_PROXY, against the provider simulator.
 *
 * Everything stays on this machine: the gateway's upstream is the loopback simulator, the run
 * is `--strict-egress` (only the gateway may be reached through the proxy), and the inherited
 * proxy points at a closed loopback port, so even a wrongly allowed tunnel could not leave.
 * The model asks for a Read of the file named in the prompt, then a Bash `curl` to a telemetry
 * host (a destination the proxy must refuse and log), then answers with the file's title.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type Script } from '../../src/simulator/index.js';
import { cliBin } from '../helpers/cli-bin.js';
import { makeFakeEnv, unshareAvailable } from '../helpers/fake-env.js';
import { AIRLOCK_ARGV, baseEnv, NO_GATEWAY, runCli, tempDir } from './helpers.js';

const CLAUDE = cliBin('claude');
const skip = !existsSync(CLAUDE)
  ? 'Claude Code is not installed (npm install)'
  : !unshareAvailable()
    ? 'unshare --uts is not permitted here'
    : false;

const SCRIPT: Script = {
  turnBy: 'toolResults',
  turns: [
    {
      reply: [
        { text: 'I will read the file.' },
        { toolCall: { name: 'Read', args: { file_path: { fromRequest: 'please read (\\S+) now' } } } },
      ],
    },
    {
      reply: [
        { text: 'Checking the network.' },
        {
          toolCall: {
            name: 'Bash',
            args: {
              command: 'curl -sS --max-time 20 https://statsig.anthropic.com/v1/initialize',
              description: 'Probe a host',
            },
          },
        },
      ],
    },
    { reply: [{ text: 'Done. The title is ' }, { text: { fromRequest: '# (Ledger)' } }] },
  ],
};

interface Outcome {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 200_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test(
  'Claude Code under airlock run completes a task; nothing but the gateway is reached; no planted value reaches the provider',
  { skip, timeout: 300_000 },
  async () => {
    const fe = makeFakeEnv();
    const sim = await startSimulator({ script: SCRIPT });
    const dataDir = tempDir();
    try {
      const env = {
        ...fe.env,
        ANTHROPIC_API_KEY: 'sk-ant-api03-simulator',
        // The gateway's upstreams: the simulator (all loopback, so the inherited proxy is not used for them).
        AIRLOCK_UPSTREAM_ANTHROPIC: sim.url,
        AIRLOCK_UPSTREAM_OPENAI: sim.url,
        AIRLOCK_UPSTREAM_GEMINI: sim.url,
      };
      const airlock = (claudeArgs: string[]) =>
        fe.wrap(process.execPath, [
          ...AIRLOCK_ARGV,
          'run',
          '--strict-egress',
          '--gateway',
          NO_GATEWAY,
          '--data-dir',
          dataDir,
          '--',
          CLAUDE,
          ...claudeArgs,
        ]);

      const [cmd, args] = airlock([
        '-p',
        `please read ${fe.project}/README.md now`,
        '--allowedTools',
        'Read',
        'Bash(curl:*)',
        '--output-format',
        'text',
      ]);
      const r = await run(cmd, args, env, fe.project);
      assert.equal(r.code, 0, r.output);
      assert.match(
        r.output,
        /Ledger/,
        'the final answer (with the file content read by the tool) was printed',
      );

      // The conversation went through the gateway: three model turns, the tool results in them.
      const turns = sim.received.filter(
        (q) => q.path.startsWith('/v1/messages') && !q.path.includes('count_tokens'),
      );
      assert.ok(turns.length >= 3, `three model turns, got ${sim.received.map((q) => q.path).join(', ')}`);
      const sent = sim.received
        .map((q) => `${q.path}\n${JSON.stringify(q.headers)}\n${q.body.toString()}`)
        .join('\n');
      const toolResults = sim.received.flatMap(
        (q) => JSON.stringify(q.json ?? '').match(/"type":"tool_result".{0,300}/g) ?? [],
      );
      assert.ok(
        /Reconciles refunds/.test(sent),
        `the Read tool result reached the model: ${toolResults.join(' | ')}`,
      );
      assert.ok(
        /CONNECT tunnel failed, response 403/.test(sent),
        `the refused curl result reached the model: ${toolResults.join(' | ')}`,
      );
      for (const value of fe.planted)
        assert.ok(!sent.includes(value), `planted value reached the provider: ${value}`);

      // Egress: the curl to the telemetry host was refused and logged; nothing else got through.
      const events = readFileSync(join(dataDir, 'run.log'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"egress"'))
        .map(
          (l) =>
            (JSON.parse(l) as { egress: { host: string; port: number; decision: string; rule: string } })
              .egress,
        );
      const refused = events.find((e) => e.host === 'statsig.anthropic.com');
      assert.ok(refused, `the refused destination is in the egress log: ${JSON.stringify(events)}`);
      assert.equal(refused.decision, 'deny');
      assert.match(refused.rule, /@telemetry/);
      for (const e of events) {
        if (e.decision === 'allow')
          assert.match(e.host, /^(127\.|localhost$|::1$)/, `only loopback allowed, got ${e.host}`);
      }
      assert.match(r.output, /airlock: refused .*statsig\.anthropic\.com:443/);
      assert.ok(
        !readFileSync(join(dataDir, 'run.log'), 'utf8').includes(fe.proxyPassword),
        'the proxy password is not logged',
      );

      // The in-process gateway is the full Airlock: the egress attempts are in its audit log too.
      const exported = await runCli(['audit', 'export', '--data-dir', dataDir], baseEnv());
      assert.equal(exported.code, 0, exported.stderr);
      const audit = exported.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map(
          (l) =>
            JSON.parse(l) as { kind: string; decision: string; egress?: { host: string; rule?: string } },
        );
      const audited = audit.find((e) => e.kind === 'egress' && e.egress?.host === 'statsig.anthropic.com');
      assert.equal(
        audited?.decision,
        'deny',
        `egress audit events: ${JSON.stringify(audit.filter((e) => e.kind === 'egress'))}`,
      );
      assert.ok(
        audit.some((e) => e.kind === 'request'),
        'the model calls are audited',
      );
      assert.ok(!exported.stdout.includes(fe.proxyPassword), 'no proxy password in the audit log');

      // The exit code is the CLI's own, also when it fails.
      const [badCmd, badArgs] = airlock(['--no-such-option-x']);
      const bad = await run(badCmd, badArgs, env, fe.project);
      assert.notEqual(bad.code, 0);
      const [directCmd, directArgs] = fe.wrap(CLAUDE, ['--no-such-option-x']);
      assert.equal(bad.code, (await run(directCmd, directArgs, env, fe.project)).code);
    } finally {
      await sim.close();
      fe.cleanup();
    }
  },
);
