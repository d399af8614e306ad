/**
 * `airlock simulate`: run the provider simulator in the foreground (for demos, benchmarks and
 * trying a real CLI against Airlock without a provider account). A thin shell over
 * `startSimulator`; `simulateFromOptions` is what tests call in-process.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadScriptFile, startSimulator } from '../../simulator/index.js';
import type { RecordedRequest, Simulator } from '../../simulator/index.js';
import { parsePort } from '../options.js';

export const DEFAULT_SIMULATOR_PORT = 8788;

export interface SimulateOptions {
  port?: number;
  host?: string;
  pacingMs?: number;
  chunkSize?: number;
  script?: string;
  log?: boolean;
}

/** One stdout line per received request: time, method, path, size, and the model when named. */
export function requestLogLine(rec: RecordedRequest): string {
  const body = rec.json;
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const model = typeof fields['model'] === 'string' ? ` model=${fields['model']}` : '';
  const stream = fields['stream'] === true || rec.path.includes(':streamGenerateContent') ? ' stream' : '';
  return `${new Date(rec.at).toISOString()} ${rec.method} ${rec.path} ${rec.body.length}B${model}${stream}\n`;
}

export function simulatorBanner(sim: Simulator): string {
  return [
    `Airlock provider simulator listening on ${sim.url}`,
    '',
    'Point a client straight at it:',
    `  ANTHROPIC_BASE_URL=${sim.urls.anthropic}`,
    `  OPENAI_BASE_URL=${sim.urls.openai}`,
    `  GOOGLE_GEMINI_BASE_URL=${sim.urls.gemini}`,
    'or make it the gateway upstream:',
    `  AIRLOCK_UPSTREAM_ANTHROPIC=${sim.url} AIRLOCK_UPSTREAM_OPENAI=${sim.url} AIRLOCK_UPSTREAM_GEMINI=${sim.url}`,
    '',
  ].join('\n');
}

export async function simulateFromOptions(
  opts: SimulateOptions,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Promise<Simulator> {
  const script = opts.script === undefined ? undefined : await loadScriptFile(opts.script);
  return startSimulator({
    port: opts.port ?? DEFAULT_SIMULATOR_PORT,
    host: opts.host ?? '127.0.0.1',
    pacingMs: opts.pacingMs ?? 0,
    chunkSize: opts.chunkSize,
    script,
    onRequest: opts.log === true ? (rec) => write(requestLogLine(rec)) : undefined,
  });
}

function intArg(min: number, what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${what} must be an integer >= ${min}`);
    return n;
  };
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description(
      'run a local simulator of the Anthropic, OpenAI and Gemini APIs (scripted answers, no account needed)',
    )
    .addOption(
      new Option('-p, --port <port>', `port to listen on (default ${DEFAULT_SIMULATOR_PORT})`).argParser(
        (v) => {
          try {
            return parsePort(v);
          } catch (err) {
            throw new InvalidArgumentError((err as Error).message);
          }
        },
      ),
    )
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .addOption(
      new Option('--pacing-ms <ms>', 'delay between streamed events (default 0)').argParser(
        intArg(0, 'pacing'),
      ),
    )
    .addOption(
      new Option(
        '--chunk-size <n>',
        'characters per streamed text delta (default: one word per delta)',
      ).argParser(intArg(1, 'chunk size')),
    )
    .option('--script <file>', 'answers to give: a JSON or YAML simulator script (default: a short greeting)')
    .option('--log', 'print one line per received request')
    .action(async (opts: SimulateOptions) => {
      const sim = await simulateFromOptions(opts);
      process.stdout.write(simulatorBanner(sim));
      process.stdout.write('Stop with Ctrl-C.\n');
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void sim.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
