/** `airlock start`: run the gateway in the foreground until SIGINT/SIGTERM. */
import { mkdirSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig, resolveDataDir } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { startGateway, type Gateway } from '../../gateway/server.js';
import { configOption, dataDirOption, parsePort } from '../options.js';

export interface StartOptions {
  port?: number;
  host?: string;
  config?: string;
  dataDir?: string;
}

/** Starts the gateway with the config file, environment and flags merged (flags win). */
export async function startFromOptions(
  opts: StartOptions,
): Promise<{ gateway: Gateway; config: Config; dataDir: string }> {
  const { config: fileConfig } = loadConfig(opts.config);
  const config: Config = {
    ...fileConfig,
    listen: { host: opts.host ?? fileConfig.listen.host, port: opts.port ?? fileConfig.listen.port },
  };
  const dataDir = resolveDataDir(opts.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const gateway = await startGateway({ config });
  return { gateway, config, dataDir };
}

export function usageBanner(url: string): string {
  return [
    `Airlock gateway listening on ${url}`,
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
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (default 8789)').argParser((v) => {
        try {
          return parsePort(v);
        } catch (err) {
          throw new InvalidArgumentError((err as Error).message);
        }
      }),
    )
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
      const { gateway, dataDir } = await startFromOptions(opts);
      process.stdout.write(usageBanner(gateway.url));
      process.stdout.write(`State in ${dataDir}. Stop with Ctrl-C.\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          gateway.logger.info({ signal }, 'stopping');
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void gateway.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
