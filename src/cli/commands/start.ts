/** `airlock start`: run the gateway in the foreground until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { loadConfig, resolveDataDir } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { startAirlock, type Airlock } from '../../app.js';
import { configOption, dataDirOption, portOption } from '../options.js';

export interface StartOptions {
  port?: number;
  host?: string;
  config?: string;
  dataDir?: string;
  egressPort?: number;
}

/** Starts the gateway with the config file, environment and flags merged (flags win). */
export async function startFromOptions(
  opts: StartOptions,
): Promise<{ airlock: Airlock; config: Config; dataDir: string }> {
  const { config: fileConfig } = loadConfig(opts.config);
  const config: Config = {
    ...fileConfig,
    listen: { host: opts.host ?? fileConfig.listen.host, port: opts.port ?? fileConfig.listen.port },
    egress_proxy: { ...fileConfig.egress_proxy, port: opts.egressPort ?? fileConfig.egress_proxy.port },
  };
  const dataDir = resolveDataDir(opts.dataDir);
  const airlock = await startAirlock({ config, dataDir });
  return { airlock, config, dataDir };
}

export function usageBanner(airlock: Airlock, dataDir: string): string {
  const url = airlock.gateway.url;
  const lines = [
    `Airlock gateway listening on ${url}`,
    `Policy: ${airlock.policy().source}   Audit: ${airlock.store.location}   State: ${dataDir}`,
  ];
  if (airlock.egress)
    lines.push(`Egress proxy on ${airlock.egress.url} (HTTPS_PROXY for the assistant's other traffic)`);
  if (airlock.dashboard) {
    lines.push(`Dashboard: ${url}/_airlock/`);
    const { token } = airlock.dashboard;
    if (token.created) lines.push(`Dashboard token (shown once, kept in ${token.path}): ${token.value}`);
  }
  return [
    ...lines,
    '',
    'Point your assistant at it:',
    `  export ANTHROPIC_BASE_URL=${url}/anthropic      # Claude Code, Anthropic SDKs`,
    `  export OPENAI_BASE_URL=${url}/openai/v1         # Codex CLI, Qwen Code, OpenAI SDKs`,
    `  export GOOGLE_GEMINI_BASE_URL=${url}/gemini     # Gemini CLI, @google/genai`,
    '',
  ].join('\n');
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('start the gateway in the foreground and print the URL to point assistants at')
    .addOption(portOption('-p, --port <port>', 'port to listen on (default 8789)'))
    .addOption(portOption('--egress-port <port>', 'port of the egress (forward) proxy (default 8790)'))
    .option('--host <host>', 'address to listen on (default 127.0.0.1; anything else exposes the gateway)')
    .addOption(configOption())
    .addOption(dataDirOption())
    .addHelpText(
      'after',
      '\nEnvironment:\n' +
        '  AIRLOCK_UPSTREAM_ANTHROPIC, AIRLOCK_UPSTREAM_OPENAI, AIRLOCK_UPSTREAM_GEMINI  override upstream base URLs\n' +
        '  AIRLOCK_DATA_DIR  state directory (default ~/.airlock)',
    )
    .action(async (opts: StartOptions) => {
      const { airlock, dataDir } = await startFromOptions(opts);
      process.stdout.write(usageBanner(airlock, dataDir));
      process.stdout.write('Stop with Ctrl-C.\n');
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          airlock.logger.info({ signal }, 'stopping: finishing answers in flight and flushing the audit log');
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void airlock.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
