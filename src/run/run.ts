/**
 * `airlock run -- COMMAND`: gateway (found or started) + forward proxy in this process, then
 * the command with its environment pointed at both; returns the command's exit code.
 * Nothing here writes to stdout: the terminal belongs to the command. Logs go to
 * `<data-dir>/run.log`; one summary line of refused destinations goes to stderr at the end.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import { logEgressEvents, type EgressEvent } from '../egress/events.js';
import { formatAuthority } from '../egress/host-pattern.js';
import { followEgressPolicy, type EgressPolicyFollower } from '../egress/follow-policy.js';
import { compileEgressPolicy, type EgressPolicyInput } from '../egress/policy.js';
import { startForwardProxy, type ForwardProxy } from '../egress/proxy.js';
import { codexArgs } from './codex.js';
import { DEFAULT_GATEWAY_URL } from './defaults.js';
import { buildRunEnv, cloudProviderNotice, inheritedNoProxy, inheritedUpstreamProxy } from './env.js';
import {
  gatewayUpstreamProxy,
  readEgressSection,
  resolveGateway,
  startInspectingGateway,
  type GatewayStarter,
  type RunGateway,
} from './gateway.js';
import { resolveAssistant, type Profile } from './profiles.js';
import { writeSettingsOverrides } from './settings.js';
import { runChild } from './spawn.js';

export { DEFAULT_GATEWAY_URL };

export interface RunOptions {
  command: string;
  args: string[];
  profile: Profile;
  neutralEnv: boolean;
  /** Gateway to use when it answers; default http://127.0.0.1:8789 (`airlock start`). */
  gateway?: string;
  dataDir: string;
  configFile?: string;
  /** Refuse every destination not on `egress.allow` (the gateway stays reachable). */
  strictEgress?: boolean;
  /** Forward proxy port; default 0 (ephemeral, so several runs can coexist). */
  proxyPort?: number;
  /** The environment to start from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How to start an in-process gateway; default startInspectingGateway. */
  startGateway?: GatewayStarter;
  /** Also called with every egress event (tests, the dashboard). */
  onEgress?: (event: EgressEvent) => void;
  /** Where the end-of-run summary goes; default process.stderr. Nothing when `quiet`. */
  stderr?: NodeJS.WritableStream;
  quiet?: boolean;
}

/** The egress policy for this run: the policy file's section, strict if asked, gateway allowed. */
export function runEgressPolicy(
  base: EgressPolicyInput | undefined,
  gatewayUrl: string,
  strict: boolean,
): EgressPolicyInput {
  const gw = new URL(gatewayUrl);
  const port = gw.port === '' ? (gw.protocol === 'https:' ? 443 : 80) : Number(gw.port);
  return {
    ...base,
    profile: strict ? 'strict' : (base?.profile ?? 'default'),
    // Some clients (Qwen Code) send even loopback base-URL calls through HTTPS_PROXY.
    allow: [...(base?.allow ?? []), `${gw.hostname}:${port}`],
  };
}

function summarize(refused: Map<string, number>, logFile: string): string {
  const parts = [...refused.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([what, n]) => (n > 1 ? `${what} ×${n}` : what));
  const shown = parts.slice(0, 8).join(', ') + (parts.length > 8 ? `, and ${parts.length - 8} more` : '');
  return `airlock: refused ${shown} (details in ${logFile})\n`;
}

export async function runUnderAirlock(opts: RunOptions): Promise<number> {
  const env = opts.env ?? process.env;
  const stderr = opts.stderr ?? process.stderr;
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const logFile = join(opts.dataDir, 'run.log');
  // Buffered (4 KiB) so that a line per egress attempt costs no write on the tunnel's path;
  // flushed when the run ends.
  const logger: Logger = pino(
    { level: 'info', name: 'airlock-run' },
    pino.destination({ dest: logFile, sync: false, minLength: 4096 }),
  );
  const { config } = loadConfig(opts.configFile, env);
  // The config's outbound proxy, else the one the user's environment names.
  const upstreamProxy = config.upstream_proxy ?? inheritedUpstreamProxy(env);
  const settingsDir = join(opts.dataDir, 'run', String(process.pid));

  let gateway: RunGateway | undefined;
  let proxy: ForwardProxy | undefined;
  let follower: EgressPolicyFollower | undefined;
  try {
    gateway = await resolveGateway(
      opts.gateway ?? DEFAULT_GATEWAY_URL,
      opts.startGateway ?? startInspectingGateway,
      {
        dataDir: opts.dataDir,
        configFile: opts.configFile,
        upstreamProxy: gatewayUpstreamProxy(config, upstreamProxy),
        logger,
      },
    );
    const base = gateway.egressPolicy ?? readEgressSection(config.policy);
    const gatewayUrl = gateway.url;
    const derive = (section: EgressPolicyInput | undefined) =>
      runEgressPolicy(section, gatewayUrl, opts.strictEgress === true);
    const policy = compileEgressPolicy(derive(base));
    const log = logEgressEvents(logger);
    const record = gateway.recordEgress;
    const refused = new Map<string, number>();
    proxy = await startForwardProxy({
      port: opts.proxyPort ?? 0,
      maxConnections: config.egress_proxy.max_connections,
      policy,
      upstreamProxy,
      upstreamBypass: inheritedNoProxy(env),
      onWarning: (message, code) => logger.warn({ code }, message),
      onEvent(event) {
        log(event);
        record?.(event);
        opts.onEgress?.(event);
        if (event.decision === 'deny' && event.host) {
          const key = formatAuthority(event);
          refused.set(key, (refused.get(key) ?? 0) + 1);
        }
      },
    });
    if (config.policy !== undefined) {
      follower = followEgressPolicy(config.policy, proxy, {
        derive,
        onReload: (file) => logger.info({ policy: file }, 'egress policy reloaded'),
        onProblem: (message) => logger.warn({ policy: config.policy }, message),
      });
    }
    logger.info(
      { gateway: gateway.url, inProcess: gateway.inProcess, proxy: proxy.url, command: opts.command },
      'run starting',
    );

    const childEnv = buildRunEnv({
      base: env,
      gatewayUrl: gateway.url,
      proxyUrl: proxy.url,
      neutral: opts.neutralEnv,
      extra: writeSettingsOverrides(settingsDir, env),
    });
    const { assistant, argsAt } = resolveAssistant(opts.profile, opts.command, opts.args);
    const args = [...opts.args];
    if (assistant === 'codex') args.splice(argsAt, 0, ...codexArgs(gateway.url, childEnv));

    const notice = cloudProviderNotice(childEnv);
    if (notice !== undefined) {
      logger.warn(notice.trim());
      if (!opts.quiet) stderr.write(notice);
    }
    const outcome = await runChild({ command: opts.command, args, env: childEnv });
    // The proxy hands its events over in batches (up to 10 ms late): the last refusals of a
    // child that just exited may still wait, and the summary below counts them.
    proxy.flushEvents();
    logger.info({ exitCode: outcome.exitCode, signal: outcome.signal }, 'run finished');
    if (outcome.spawnError) stderr.write(`airlock: ${outcome.spawnError}\n`);
    if (!opts.quiet && refused.size > 0) stderr.write(summarize(refused, logFile));
    return outcome.exitCode;
  } finally {
    follower?.close();
    await proxy?.close();
    if (gateway?.inProcess) await gateway.close();
    rmSync(settingsDir, { recursive: true, force: true });
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
  }
}
