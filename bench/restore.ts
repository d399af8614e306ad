/**
 * Restoration per streamed event (target: at most 0.05 ms median per event), for every
 * streaming dialect. The answers are real simulator streams (src/simulator) of a reply that
 * echoes a pseudonymized path in its text and in a tool call's arguments, so the restorer
 * holds back and rewrites text deltas and partial JSON. Each answer is fed to the gateway's
 * stream path in the chunks a provider writes (one event per chunk), the way the Relay in
 * src/gateway/proxy.ts does it: SseParser, then the restorer per event.
 *
 * The cost of restoration is measured against parsing alone in the same loop: per answer, one
 * pass with the parser only and one with parser and restorer, alternating; the added time per
 * event is (median with restorer − median parse only) / events. Also reported: how many events
 * left as their exact bytes (nothing to restore, nothing held).
 */
import { performance } from 'node:perf_hooks';
import { resolveDialect } from '../src/dialects/index.js';
import type { Provider } from '../src/errors.js';
import { createRestorer } from '../src/redact/restore.js';
import { startSimulator } from '../src/simulator/index.js';
import { SseParser } from '../src/sse/parser.js';
import { percentile, table } from './lib/stats.js';

const quick = process.env.BENCH_QUICK === '1';
const WARMUP = quick ? 50 : 300;
const ROUNDS = quick ? 200 : 2000;

const SURROGATE = '/home/user/project-1';
const ORIGINAL = '/home/mkowalski/src/billing-api';
const PROMPT = `Primary working directory: ${SURROGATE}\nFind where refunds are rounded and fix it.`;
const FROM_PROMPT = { fromRequest: 'Primary working directory: (\\S+)' };

interface Case {
  name: string;
  provider: Provider;
  path: string;
  body: unknown;
}

const CASES: Case[] = [
  {
    name: 'Anthropic Messages',
    provider: 'anthropic',
    path: '/v1/messages',
    body: {
      model: 'claude-sonnet-4-6',
      max_tokens: 1024,
      stream: true,
      messages: [{ role: 'user', content: PROMPT }],
    },
  },
  {
    name: 'OpenAI Chat Completions',
    provider: 'openai',
    path: '/v1/chat/completions',
    body: { model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: PROMPT }] },
  },
  {
    name: 'OpenAI Responses',
    provider: 'openai',
    path: '/v1/responses',
    body: { model: 'gpt-4.1', stream: true, input: PROMPT },
  },
  {
    name: 'Gemini streamGenerateContent',
    provider: 'gemini',
    path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    body: { contents: [{ role: 'user', parts: [{ text: PROMPT }] }] },
  },
];

/** The answer's events, each as the bytes a provider writes in one go. */
function splitEvents(raw: Buffer): Buffer[] {
  const parser = new SseParser();
  return [...parser.push(raw), ...parser.end()].map((ev) => ev.raw);
}

const median = (values: readonly number[]): number => percentile(values, 50);

async function runRestoreBench(): Promise<string> {
  const sim = await startSimulator({
    record: false,
    script: {
      reply: [
        { text: 'The rounding happens in invoice.ts under ' },
        { text: FROM_PROMPT },
        { text: '; I will fix it now. '.repeat(4) },
        {
          toolCall: {
            name: 'Edit',
            args: {
              file_path: { ...FROM_PROMPT, template: '$1/src/invoice.ts' },
              old_string: 'Math.floor(cents)',
              new_string: 'Math.round(cents)',
            },
          },
        },
      ],
    },
  });
  const rows: string[][] = [];
  try {
    for (const c of CASES) {
      const url = new URL(c.path, sim.url);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify(c.body),
      });
      if (!res.ok) throw new Error(`${c.name}: simulator answered ${res.status}: ${await res.text()}`);
      const chunks = splitEvents(Buffer.from(await res.arrayBuffer()));
      const dialect = resolveDialect(c.provider, 'POST', url.pathname);
      const restorer = createRestorer(
        dialect,
        [{ surrogate: SURROGATE, original: ORIGINAL, secret: false }],
        {
          secretsInToolCalls: true,
        },
      );
      if (restorer === undefined) throw new Error('no restorer');

      const parseOnly = (): void => {
        const parser = new SseParser();
        for (const chunk of chunks) parser.push(chunk);
        parser.end();
      };
      let sameBytes = 0;
      const restore = (): string => {
        const parser = new SseParser();
        const stream = restorer.stream();
        const out: Buffer[] = [];
        sameBytes = 0;
        for (const chunk of chunks) {
          for (const ev of parser.push(chunk)) {
            const b = stream.event(ev);
            if (b === ev.raw) sameBytes++;
            out.push(b);
          }
        }
        for (const ev of parser.end()) out.push(stream.event(ev));
        out.push(stream.end());
        return Buffer.concat(out).toString('utf8');
      };

      // The restored answer must hold the original and not the surrogate, or nothing was measured.
      const restored = restore();
      if (restored.includes(SURROGATE) || !restored.includes(ORIGINAL.slice(1)))
        throw new Error(`${c.name}: the surrogate was not restored`);

      const plain: number[] = [];
      const withRestore: number[] = [];
      for (let i = 0; i < WARMUP + ROUNDS; i++) {
        const t0 = performance.now();
        parseOnly();
        const t1 = performance.now();
        restore();
        const t2 = performance.now();
        if (i >= WARMUP) {
          plain.push(t1 - t0);
          withRestore.push(t2 - t1);
        }
      }
      const events = chunks.length;
      const added = (median(withRestore) - median(plain)) / events;
      rows.push([
        c.name,
        String(events),
        `${sameBytes} of ${events}`,
        (median(plain) * 1000).toFixed(1),
        (median(withRestore) * 1000).toFixed(1),
        (added * 1000).toFixed(2),
        added <= 0.05 ? 'yes' : 'no',
      ]);
    }
  } finally {
    await sim.close();
  }
  return [
    `Restoration of a pseudonymized path in streamed answers (text and tool-call arguments), in-process, one event per chunk; median of ${ROUNDS} answers per dialect after ${WARMUP} warm-up answers, parse-only and parse+restore alternating.`,
    '',
    table(
      [
        'dialect',
        'events',
        'left as their exact bytes',
        'parse only µs/answer',
        'parse + restore µs/answer',
        'restore µs/event',
        '≤ 50 µs/event',
      ],
      rows,
    ),
  ].join('\n');
}

console.log(await runRestoreBench());
