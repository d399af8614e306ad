/**
 * The gateway `airlock run` starts in its own process when none answers (the library default,
 * startInspectingGateway): it follows its policy file as `airlock start` does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { readEgressSection, startInspectingGateway, type RunGateway } from '../../src/run/gateway.js';
import { startSimulator } from '../../src/simulator/index.js';
import { until } from '../helpers/until.js';
import { ALIAS_BOMB } from '../helpers/yaml-bomb.js';

const PLANTED = '/home/jdoe-planted/secret-project/src/main.rs';

describe('the in-process gateway of airlock run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-run-gateway-'));
  const policyFile = join(dir, 'policy.yaml');
  const messages: string[] = [];
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let gateway: RunGateway;

  before(async () => {
    sim = await startSimulator({ script: { reply: [{ text: 'ok' }] } });
    writeFileSync(policyFile, 'mode: monitor\n');
    const configFile = join(dir, 'airlock.yaml');
    writeFileSync(configFile, `upstreams:\n  anthropic: ${sim.urls.anthropic}\npolicy: ${policyFile}\n`);
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString('utf8').split('\n'))
          if (l) messages.push((JSON.parse(l) as { msg: string }).msg);
        done();
      },
    });
    gateway = await startInspectingGateway({ dataDir: join(dir, 'data'), configFile, logger: pino(sink) });
  });
  after(async () => {
    await gateway?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends a request naming the planted path; returns whether the path reached the simulator. */
  async function pathReachesUpstream(): Promise<boolean> {
    const res = await fetch(`${gateway.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-ant-test',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: `please open ${PLANTED}` }],
      }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    await res.text();
    return sim.received.at(-1)!.body.toString('utf8').includes('jdoe-planted');
  }

  it('follows the policy file: a new version takes effect, an invalid one is refused', async () => {
    assert.equal(await pathReachesUpstream(), true, 'monitor mode only records');

    writeFileSync(policyFile, 'mode: enforce\n');
    await until(async () => !(await pathReachesUpstream()), 'the enforcing policy in force', 10_000, 50);
    assert.ok(messages.includes('policy reloaded'));

    writeFileSync(policyFile, 'mode: sometimes\n');
    await until(
      () => messages.includes('new policy refused; the previous one stays in force'),
      'the invalid policy refused',
      10_000,
      25,
    );
    assert.equal(await pathReachesUpstream(), false, 'the enforcing policy stays in force');
  });
});

describe("the policy file's egress section, read by airlock run and airlock proxy", () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-egress-section-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const policy = (text: string): string => {
    const file = join(dir, `p${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text);
    return file;
  };

  it('is the section as written, the rest of the file left to the gateway', () => {
    const file = policy('version: 1\ncategories: { pii: audit }\negress:\n  deny: [telemetry.example.com]\n');
    assert.deepEqual(readEgressSection(file)?.deny, ['telemetry.example.com']);
    assert.equal(readEgressSection(policy('version: 1\n')), undefined);
  });

  it('is refused with the file, line and column of the problem, an alias bomb as one', () => {
    const bad = policy('version: 1\negress:\n  deny: 7\n');
    assert.throws(
      () => readEgressSection(bad),
      (err: Error) => err.message.includes(`${bad}:3:`),
    );
    const bomb = policy(`${ALIAS_BOMB}egress: { deny: [x.example] }\n`);
    assert.throws(() => readEgressSection(bomb), /:4:8: aliases expand to too much data here/);
  });
});
