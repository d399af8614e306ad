/**
 * `airlock simulate`: run the provider simulator in the foreground (for demos, benchmarks and
 * trying a real CLI against Airlock without a provider account). A thin shell over
 * `startSimulator`; `simulateFromOptions` is what tests call in-process. Registered (options,
 * help) in src/cli/register/simulate.ts, which loads this module only when the command runs.
 */
import { loadScriptFile, startSimulator } from '../../simulator/index.js';
import type { RecordedRequest, Simulator } from '../../simulator/index.js';
import { DEFAULT_SIMULATOR_PORT } from '../register/simulate.js';

export { DEFAULT_SIMULATOR_PORT, registerSimulateCommand } from '../register/simulate.js';

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
    // Nobody reads what a command-line simulator received: kept, it grew without bound.
    record: false,
    onRequest: opts.log === true ? (rec) => write(requestLogLine(rec)) : undefined,
  });
}
