/**
 * `npm run bench`: every benchmark, each comparing against a baseline measured in the same run.
 * BENCH_QUICK=1 shortens every phase (for a smoke run). Select with `npm run bench -- gateway`.
 */
import { cpus, totalmem } from 'node:os';
import { runGatewayBench } from './gateway.js';

const suites: Record<string, () => Promise<string>> = {
  gateway: runGatewayBench,
};

const selected = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = selected.length > 0 ? selected : Object.keys(suites);
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
process.stdout.write(`Machine: ${machine}\nDate: ${new Date().toISOString()}\n\n`);
for (const name of names) {
  const run = suites[name];
  if (!run) {
    process.stderr.write(`unknown benchmark "${name}"; known: ${Object.keys(suites).join(', ')}\n`);
    process.exit(2);
  }
  process.stdout.write(`## ${name}\n\n${await run()}\n\n`);
}
