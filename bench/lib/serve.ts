/**
 * Child-process entry for the benchmark: each server under test runs in its own process, as it
 * would in use, so that the load generator's CPU is not counted against it.
 *   node --import tsx bench/lib/serve.ts simulator
 *   node --import tsx bench/lib/serve.ts passthrough <upstream>
 *   node --import tsx bench/lib/serve.ts airlock <upstream>
 * Prints one JSON line `{"port": N}` when listening; reports peak RSS on the message channel.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAirlock } from '../../src/app.js';
import { configSchema } from '../../src/config/schema.js';
import { startGateway } from '../../src/gateway/server.js';
import { startSimulator } from '../../src/simulator/index.js';
import { startPassthroughProxy } from './passthrough-proxy.js';
import { PhaseStats } from './phase-stats.js';

const [kind, upstream = ''] = process.argv.slice(2);
let port: number;
// The gateway's step timestamps, for the table of where its time goes (gateway.ts).
const phases = kind === 'airlock' || kind === 'airlock-full' ? new PhaseStats() : undefined;
if (kind === 'simulator') {
  // The answer repeats the working directory the request named: through Airlock that is a
  // surrogate, so restoration runs on every answer. Recording every request is for tests;
  // here it would only make the simulator measure its own garbage collection.
  const sim = await startSimulator({
    record: false,
    script: {
      reply: [
        { text: 'The rounding happens in invoice.ts; I will fix it now. '.repeat(3) },
        {
          text: {
            fromRequest: '(?:Working directory|Primary working directory): (\\S+)',
            fallback: 'the project',
          },
        },
      ],
    },
  });
  port = sim.port;
} else if (kind === 'passthrough') {
  const server = await startPassthroughProxy(upstream);
  port = (server.address() as AddressInfo).port;
} else if (kind === 'airlock') {
  const config = configSchema.parse({
    listen: { port: 0 },
    upstreams: { anthropic: upstream, openai: upstream, gemini: upstream },
    log_level: 'silent',
  });
  const gw = await startGateway({ config });
  port = gw.port;
} else if (kind === 'airlock-full') {
  // The whole product as `airlock start` runs it: default policy, vault, audit (SQLite), metrics.
  const config = configSchema.parse({
    listen: { port: 0 },
    upstreams: { anthropic: upstream, openai: upstream, gemini: upstream },
    egress_proxy: { enabled: false },
    log_level: 'silent',
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
  const airlock = await startAirlock({ config, dataDir });
  port = airlock.gateway.port;
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
} else if (kind === 'airlock-switch') {
  // airlock-full whose audit bench/audit-cost.ts turns off and on between slices, so that both
  // sides of the comparison are one process (same vault, metrics, dashboard, JIT and heap).
  // Off, record() returns at once as if the gateway had no audit log. After each slice the
  // bench asks for a flush (the inserts an audited slice queued are paid inside it) and the
  // process's CPU time.
  const config = configSchema.parse({
    listen: { port: 0 },
    upstreams: { anthropic: upstream, openai: upstream, gemini: upstream },
    egress_proxy: { enabled: false },
    log_level: 'silent',
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
  const airlock = await startAirlock({ config, dataDir });
  port = airlock.gateway.port;
  const recorder = airlock.recorder;
  const record = recorder.record.bind(recorder);
  const recordGrouped = recorder.recordGrouped.bind(recorder);
  const prepareFindings = recorder.prepareFindings.bind(recorder);
  let auditOn = true;
  recorder.record = (input) => (auditOn ? record(input) : undefined);
  recorder.recordGrouped = (input) => (auditOn ? recordGrouped(input) : undefined);
  // Off, the audit's work while the upstream answers is not done either.
  recorder.prepareFindings = (decisions) => (auditOn ? prepareFindings(decisions) : []);
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (msg: { audit?: boolean; flush?: boolean }) => {
    if (typeof msg !== 'object') return;
    if (msg.audit !== undefined) auditOn = msg.audit;
    void (msg.flush ? recorder.flush() : Promise.resolve()).then(() => {
      const { user, system } = process.cpuUsage();
      // The event loop's own CPU time (ns on the CPU, this thread only): what the audit costs
      // the thread every request waits for, apart from the writer thread's inserts.
      const mainNs = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
      process.send?.({
        cpuUs: user + system,
        mainUs: mainNs / 1000,
        gcMs,
        recorded: recorder.stats().recorded,
      });
    });
  });
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
} else {
  throw new Error(`unknown server kind ${kind}`);
}
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('message', (msg) => {
  if (msg === 'rss') process.send?.({ rss: process.resourceUsage().maxRSS * 1024 });
  if (msg === 'phases') process.send?.({ phases: phases?.summary() ?? [] });
  if (msg === 'phases-reset') phases?.reset();
  if (msg === 'phases-stop') phases?.stop();
});
// A signal must end the process through exit() so that --cpu-prof can write its profile.
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
