/**
 * The gateway `airlock run` points the assistant at: one already answering at `--gateway`
 * (`GET /healthz` → 200 `{"status":"ok"}`), or one started in this process on an ephemeral
 * loopback port. The in-process start is a replaceable function (`GatewayStarter`) so that the
 * wiring `airlock start` uses (audit recorder, dashboard) can be passed in; the default here,
 * `startInspectingGateway`, wires the policy inspector (policy file or built-in default,
 * detection engine with this machine's canaries, surrogate key from the data dir, memory vault).
 */
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { Logger } from 'pino';
import { z } from 'zod';
import { readConfigText } from '../config/config-error.js';
import { loadConfig } from '../config/load.js';
import { parseYaml } from '../config/yaml-zod.js';
import type { Config } from '../config/schema.js';
import type { Inspector } from '../gateway/inspector.js';
import { startGateway } from '../gateway/server.js';
import { learnCanaries } from '../detect/canaries.js';
import { engineForPolicy } from '../policy/engine.js';
import { createPolicyInspector } from '../policy/inspector.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { loadPolicyOrDefault } from '../policy/load.js';
import { watchGatewayPolicy } from '../policy/watch.js';
import { loadOrCreateKey } from '../redact/surrogates.js';
import { MemoryVault } from '../redact/vault.js';
import type { EgressEvent } from '../egress/events.js';
import { egressPolicySchema, type EgressPolicyInput } from '../egress/policy.js';
import { isLoopback } from '../egress/ip.js';

export interface RunGateway {
  url: string;
  /** Whether this process started it (and must close it). */
  inProcess: boolean;
  close(): Promise<void>;
  /** Where egress events go when set (the audit recorder); otherwise the egress log file. */
  recordEgress?: (event: EgressEvent) => void;
  /** The `egress:` section of the policy the gateway loaded. */
  egressPolicy?: EgressPolicyInput;
}

export interface GatewayStartOptions {
  dataDir: string;
  configFile?: string;
  /** Outbound proxy for the gateway's upstreams when the config sets none (see gatewayUpstreamProxy). */
  upstreamProxy?: string;
  /** Log destination: never the terminal the assistant draws on. */
  logger: Logger;
}

export type GatewayStarter = (opts: GatewayStartOptions) => Promise<RunGateway>;

/** True when an Airlock gateway answers its health check at `url` within `timeoutMs`. */
export function probeGateway(url: string, timeoutMs = 1500): Promise<boolean> {
  let target: URL;
  try {
    target = new URL(`${url.replace(/\/+$/, '')}/healthz`);
  } catch {
    return Promise.resolve(false);
  }
  // agent: false — no keep-alive socket left behind to hold the process open after the run.
  const get = target.protocol === 'https:' ? httpsGet : httpGet;
  return new Promise((resolve) => {
    const req = get(target, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 4096) body += c;
      });
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 && (JSON.parse(body) as { status?: unknown }).status === 'ok');
        } catch {
          resolve(false);
        }
      });
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** The `egress:` section of a policy file, validated; undefined when the file has none. */
export function readEgressSection(policyFile: string | undefined): EgressPolicyInput | undefined {
  if (policyFile === undefined) return undefined;
  // Through the YAML reader of every other file (problems with file, line and column; alias
  // bombs refused as such), the rest of the file left to the gateway's own check.
  return parseYaml(readConfigText(policyFile, 'policy'), policyFile, EGRESS_ONLY).egress;
}

/** A policy file read for its `egress:` section alone. */
const EGRESS_ONLY = z.looseObject({ egress: egressPolicySchema.optional() });

/**
 * The outbound proxy an in-process gateway should use: the config's, else the inherited one —
 * unless every upstream is on this machine (a local model server, the simulator), which would
 * otherwise be sent to a proxy that cannot reach it (the gateway has one dispatcher for all).
 */
export function gatewayUpstreamProxy(config: Config, inherited: string | undefined): string | undefined {
  if (config.upstream_proxy) return config.upstream_proxy;
  const remote = Object.values(config.upstreams).some((u) => !isLoopback(new URL(u).hostname));
  return remote ? inherited : undefined;
}

/** The config for an in-process gateway: the user's file, on an ephemeral loopback port. */
export function runGatewayConfig(opts: GatewayStartOptions): Config {
  const { config } = loadConfig(opts.configFile);
  return {
    ...config,
    listen: { host: '127.0.0.1', port: 0 },
    upstream_proxy: config.upstream_proxy ?? opts.upstreamProxy,
  };
}

export const startInspectingGateway: GatewayStarter = async (opts) => {
  const config = runGatewayConfig(opts);
  const policy = loadPolicyOrDefault(config.policy);
  const canaries = learnCanaries();
  // One vault and key for every version of the policy: surrogates made before a reload are
  // still restored after it.
  const vault = new MemoryVault();
  const key = loadOrCreateKey(opts.dataDir);
  const inspectorFor = (p: CompiledPolicy): Inspector =>
    createPolicyInspector({ policy: p, engine: engineForPolicy(p, { canaries }), vault, key });
  const gateway = await startGateway({
    config,
    inspector: inspectorFor(policy),
    onInspectError: policy.policy.on_error,
    logger: opts.logger,
  });
  // A policy file that changes on disk is followed, as `airlock start` follows it; an invalid
  // version is refused and the one in force stays. (The egress section is followed by `airlock
  // run` itself.)
  const policyFile = config.policy;
  const watcher =
    policyFile === undefined
      ? undefined
      : watchGatewayPolicy(policyFile, opts.logger, (next) =>
          gateway.setInspector(inspectorFor(next), next.policy.on_error),
        );
  return {
    url: gateway.url,
    inProcess: true,
    close: () => {
      watcher?.close();
      return gateway.close(2000);
    },
    egressPolicy: policy.policy.egress,
  };
};

export async function resolveGateway(
  url: string,
  start: GatewayStarter,
  opts: GatewayStartOptions,
): Promise<RunGateway> {
  if (await probeGateway(url))
    return { url: url.replace(/\/+$/, ''), inProcess: false, close: async () => {} };
  return start(opts);
}
