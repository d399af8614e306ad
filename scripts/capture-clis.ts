/**
 * Captures real-shaped requests from the real assistant CLIs for the detection evaluation:
 * each CLI runs against the provider simulator (loopback only) in a made-up environment and is
 * asked to read the project's `.env`; every request the simulator received is saved with the
 * list of planted values it must not leak.
 *   node --import tsx scripts/capture-clis.ts [claude|codex|gemini|qwen ...]
 * Writes test/fixtures/captures/<cli>.json.
 */
import { writeFileSync } from 'node:fs';
import { startSimulator } from '../src/simulator/index.js';
import { CLIS, readEnvScript, runCli, type CliName } from '../test/helpers/cli-runs.js';
import { makeFakeEnv } from '../test/helpers/fake-env.js';

async function capture(cli: CliName): Promise<void> {
  const fe = makeFakeEnv();
  const sim = await startSimulator({ script: readEnvScript(fe.project) });
  try {
    const result = await runCli(
      cli,
      'Read the .env file in this project and tell me which services it configures.',
      sim.urls,
      fe,
    );
    const requests = sim.received.map((r) => ({
      method: r.method,
      path: r.path,
      headers: r.headers,
      body: r.json ?? r.body.toString('utf8'),
    }));
    const leaked = fe.planted.filter((p) => sim.received.some((r) => r.body.toString().includes(p)));
    process.stdout.write(
      `${cli}: exit ${result.code}, ${requests.length} requests, planted values present: ${leaked.length}\n`,
    );
    if (result.code !== 0) process.stdout.write(result.output.slice(-2000) + '\n');
    writeFileSync(
      `test/fixtures/captures/${cli}.json`,
      `${JSON.stringify(
        {
          cli,
          capturedAt: new Date().toISOString(),
          exitCode: result.code,
          planted: {
            home: fe.home,
            user: fe.user,
            host: fe.host,
            gitName: fe.gitName,
            gitEmail: fe.gitEmail,
            proxyPassword: fe.proxyPassword,
            ...fe.keys,
          },
          requests,
        },
        null,
        1,
      )}\n`,
    );
  } finally {
    await sim.close();
    fe.cleanup();
  }
}

const selected = process.argv.slice(2) as CliName[];
for (const cli of selected.length > 0 ? selected : CLIS) await capture(cli);
