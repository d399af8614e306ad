/** A simulator and a whole Airlock (policy, vault, audit, dashboard, egress) in front of it. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Logger } from 'pino';
import { join } from 'node:path';
import { after, before, beforeEach } from 'node:test';
import { startAirlock, type Airlock, type AirlockOptions } from '../../src/app.js';
import { learnCanaries } from '../../src/detect/canaries.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/types.js';
import type { FakeEnv } from './fake-env.js';
import { testConfig } from './stack.js';

export interface AirlockStack {
  sim: Simulator;
  airlock: Airlock;
  dataDir: string;
  via: { anthropic: string; openai: string; gemini: string };
  /** Stops Airlock and starts it again on the same data dir and port (a gateway restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The canaries Airlock would learn on the made-up machine. */
export function canariesOf(fe: FakeEnv) {
  return learnCanaries({
    env: fe.env,
    home: fe.home,
    hostname: fe.host,
    fqdns: [],
    username: fe.user,
    machineIds: [],
    macs: [],
    ips: [],
    gitName: fe.gitName,
    gitEmail: fe.gitEmail,
    timeZones: fe.env.TZ ? [fe.env.TZ] : [],
    readGit: false,
  });
}

export async function startAirlockStack(
  simOptions: SimulatorOptions,
  options: {
    fe?: FakeEnv;
    config?: Record<string, unknown>;
    policyFile?: string;
    dataDir?: string;
    logger?: Logger;
  } = {},
): Promise<AirlockStack> {
  const sim = await startSimulator({ host: '127.0.0.1', port: 0, ...simOptions });
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'airlock-e2e-'));
  const build = (port: number): AirlockOptions => ({
    config: testConfig(
      { egress_proxy: { port: 0 }, ...options.config, listen: { host: '127.0.0.1', port } },
      sim.url,
    ),
    dataDir,
    canaries: options.fe ? canariesOf(options.fe) : [],
    dashboardToken: 'test-dashboard-token',
    ...(options.policyFile ? { policyFile: options.policyFile } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  let airlock = await startAirlock(build(0));
  const port = airlock.gateway.port;
  const url = airlock.gateway.url;
  const stack: AirlockStack = {
    sim,
    get airlock() {
      return airlock;
    },
    dataDir,
    via: { anthropic: `${url}/anthropic`, openai: `${url}/openai/v1`, gemini: `${url}/gemini` },
    async restart() {
      await airlock.close();
      airlock = await startAirlock(build(port));
    },
    async close() {
      await airlock.close();
      await sim.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}

/**
 * A whole Airlock for the tests of one describe: started in its before hook under `policy`
 * (YAML; undefined: the built-in policy), closed in its after hook, the simulator's record
 * cleared before each test. `fe` is called when the stack starts, so a made-up machine created
 * in an outer before hook is there by then.
 */
export function stackForDescribe(
  policy: string | undefined,
  simOptions: SimulatorOptions,
  fe?: () => FakeEnv,
): () => AirlockStack {
  let stack: AirlockStack | undefined;
  let policyDir: string | undefined;
  before(async () => {
    let policyFile: string | undefined;
    if (policy !== undefined) {
      policyDir = mkdtempSync(join(tmpdir(), 'airlock-policy-'));
      policyFile = join(policyDir, 'policy.yaml');
      writeFileSync(policyFile, policy);
    }
    stack = await startAirlockStack(simOptions, {
      ...(fe ? { fe: fe() } : {}),
      ...(policyFile ? { policyFile } : {}),
    });
  });
  after(async () => {
    await stack?.close();
    if (policyDir !== undefined) rmSync(policyDir, { recursive: true, force: true });
  });
  beforeEach(() => stack?.sim.reset());
  return () => stack!;
}
