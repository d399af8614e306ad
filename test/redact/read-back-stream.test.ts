/**
 * An SSE answer read back later, restored as it comes (src/redact/read-back-stream.ts): over a
 * vault lookup given as a function, the events come out as the answer restored whole would have
 * them, however the stream is cut, each as soon as the words it ends inside of are whole; the
 * vault is asked once per surrogate, only when an event names a new one; a vault that fails
 * leaves the events as they came.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBackDialect } from '../../src/dialects/read-back.js';
import type { Dialect } from '../../src/dialects/types.js';
import type { ReadBackStream } from '../../src/gateway/inspector.js';
import { createReadBackRestorer, type OriginalOf } from '../../src/redact/read-back.js';
import { createReadBackStream } from '../../src/redact/read-back-stream.js';
import { MAX_LOOKUPS_PER_ANSWER } from '../../src/redact/surrogate-candidates.js';

const VAULT = new Map([
  ['/home/user/project-3', '/home/alice/ledger'],
  ['/home/user', '/home/alice'],
  ['host-7.example.internal', 'build.corp.acme.com'],
  ['Person 2', 'Alice Liddell'],
]);

const lookup =
  (asked: string[] = []): OriginalOf =>
  (surrogate) => {
    asked.push(surrogate);
    return Promise.resolve(VAULT.get(surrogate));
  };

const dialect = (provider: 'openai' | 'anthropic' | 'gemini', path: string): Dialect => {
  const d = readBackDialect(provider, path);
  assert.ok(d, path);
  return d;
};
const RESPONSES = () => dialect('openai', '/v1/responses/resp_1?stream=true');

const sse = (data: Record<string, unknown>) =>
  `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;

/** A Responses API stream: text in deltas of `size` characters, a tool call's arguments, the end. */
function responseStream(text: string, args: string, size: number): string {
  let seq = 0;
  const events = [sse({ type: 'response.created', sequence_number: seq++, response: { id: 'resp_1' } })];
  for (let at = 0; at < text.length; at += size)
    events.push(
      sse({
        type: 'response.output_text.delta',
        sequence_number: seq++,
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta: text.slice(at, at + size),
      }),
    );
  events.push(
    sse({
      type: 'response.output_text.done',
      sequence_number: seq++,
      item_id: 'msg_1',
      output_index: 0,
      content_index: 0,
      text,
    }),
  );
  for (let at = 0; at < args.length; at += size)
    events.push(
      sse({
        type: 'response.function_call_arguments.delta',
        sequence_number: seq++,
        item_id: 'fc_1',
        output_index: 1,
        delta: args.slice(at, at + size),
      }),
    );
  events.push(sse({ type: 'response.completed', sequence_number: seq++, response: { id: 'resp_1' } }));
  return events.join('');
}

const TEXT = 'Working in /home/user/project-3 on host-7.example.internal with Person 2, not host-8.';
const ARGS = JSON.stringify({ path: '/home/user/project-3/README.md' });

/** Every chunk through the stream, each result awaited in turn, then the end. */
async function through(stream: ReadBackStream, chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for (const chunk of chunks) out.push(await stream.push(chunk));
  out.push(await stream.end());
  return Buffer.concat(out);
}

function cut(raw: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < raw.length; at += size) chunks.push(raw.subarray(at, at + size));
  return chunks;
}

/** What the answer restored whole gives (src/redact/read-back.ts). */
function wholeRestored(raw: Buffer, d: Dialect = RESPONSES()): Promise<Buffer> {
  return createReadBackRestorer(d, lookup(), { secretsInToolCalls: false }).restore(raw, true, (u) => u);
}

const deltas = (out: Buffer, type: string): string =>
  out
    .toString()
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)) as { type: string; delta?: string })
    .filter((data) => data.type === type)
    .map((data) => data.delta)
    .join('');

describe('createReadBackStream', () => {
  it('restores surrogates split across deltas and chunks as the answer restored whole has them', async () => {
    for (const size of [1, 3, 7]) {
      const raw = Buffer.from(responseStream(TEXT, ARGS, size));
      const want = await wholeRestored(raw);
      assert.equal(
        deltas(want, 'response.output_text.delta'),
        'Working in /home/alice/ledger on build.corp.acme.com with Alice Liddell, not host-8.',
      );
      assert.deepEqual(JSON.parse(deltas(want, 'response.function_call_arguments.delta')), {
        path: '/home/alice/ledger/README.md',
      });
      for (const chunk of [1, 13, 64, raw.length]) {
        const stream = createReadBackStream(RESPONSES(), lookup(), { secretsInToolCalls: false }, () => {
          throw new Error('no lookup fails here');
        });
        const out = await through(stream, cut(raw, chunk));
        assert.equal(out.toString(), want.toString(), `deltas of ${size}, chunks of ${chunk}`);
      }
    }
  });

  it('sends an event as soon as the words it ends inside of are whole, asking the vault once per surrogate', async () => {
    const asked: string[] = [];
    const stream = createReadBackStream(RESPONSES(), lookup(asked), { secretsInToolCalls: false }, () => {});
    const delta = (text: string, seq: number) =>
      Buffer.from(
        sse({
          type: 'response.output_text.delta',
          sequence_number: seq,
          item_id: 'msg_1',
          output_index: 0,
          content_index: 0,
          delta: text,
        }),
      );
    // Nothing to ask about: out at once, not through a promise.
    const first = stream.push(delta('Hello, ', 0));
    assert.ok(Buffer.isBuffer(first));
    assert.match(first.toString(), /"delta":"Hello, "/);
    // Ends inside a word that may still become a surrogate: it waits.
    assert.equal((await stream.push(delta('cd /home/us', 1))).length, 0);
    // The word is whole: both go, the surrogate restored across them.
    const both = (await stream.push(delta('er/project-3 now; ', 2))).toString();
    assert.equal(deltas(Buffer.from(both), 'response.output_text.delta'), 'cd /home/alice/ledger now; ');
    assert.deepEqual(asked.sort(), ['/home/user', '/home/user/project-3']);
    // Seen before: not asked again, and out at once.
    const again = stream.push(delta('back in /home/user/project-3 ', 3));
    assert.ok(Buffer.isBuffer(again));
    assert.equal(deltas(again, 'response.output_text.delta'), 'back in /home/alice/ledger ');
    assert.equal(asked.length, 2);
    assert.equal((await stream.end()).length, 0);
  });

  it('waits for the vault before it sends anything more', async () => {
    let answer!: () => void;
    const vault: OriginalOf = (surrogate) =>
      new Promise((resolve) => (answer = () => resolve(VAULT.get(surrogate))));
    const stream = createReadBackStream(RESPONSES(), vault, { secretsInToolCalls: false }, () => {});
    const raw = Buffer.from(responseStream('on host-7.example.internal now', '{}', 100));
    const pending = stream.push(raw);
    assert.ok(pending instanceof Promise);
    let settled = false;
    void pending.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false);
    answer();
    const out = Buffer.concat([await pending, await stream.end()]);
    assert.equal(deltas(out, 'response.output_text.delta'), 'on build.corp.acme.com now');
  });

  it('a vault that fails: the events go as they came, reported once, not asked again', async () => {
    const raw = Buffer.from(responseStream(TEXT, ARGS, 5));
    const failures: unknown[] = [];
    let asked = 0;
    const stream = createReadBackStream(
      RESPONSES(),
      () => {
        asked++;
        return Promise.reject(new Error('vault down'));
      },
      { secretsInToolCalls: false },
      (err) => failures.push(err),
    );
    const out = await through(stream, cut(raw, 40));
    assert.equal(out.toString(), raw.toString());
    assert.equal(failures.length, 1);
    assert.match(String(failures[0]), /vault down/);
    // Each candidate once: '/home/user' and its longer forms, the hosts, Person 2.
    assert.ok(asked > 0 && asked < 20, String(asked));
  });

  it("a managed agents session's event stream: a preview's fragments restored across them", async () => {
    const d = dialect('anthropic', '/v1/sessions/sesn_1/events/stream');
    const text = 'Reading /home/user/project-3 on host-7.example.internal';
    const events = [sse({ type: 'event_start', event: { id: 'sevt_1', type: 'agent.message' } })];
    for (let at = 0; at < text.length; at += 4)
      events.push(
        sse({
          type: 'event_delta',
          event_id: 'sevt_1',
          delta: { type: 'content_delta', index: 0, content: { type: 'text', text: text.slice(at, at + 4) } },
        }),
      );
    events.push(sse({ type: 'agent.message', id: 'sevt_1', content: [{ type: 'text', text }] }));
    const stream = createReadBackStream(d, lookup(), { secretsInToolCalls: false }, () => {});
    const out = await through(stream, [Buffer.from(events.join(''))]);
    const datas = out
      .toString()
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
    const fragments = datas
      .filter((e) => e['type'] === 'event_delta')
      .map((e) => (e['delta'] as { content: { text: string } }).content.text);
    assert.equal(fragments.join(''), 'Reading /home/alice/ledger on build.corp.acme.com');
    assert.deepEqual((datas.at(-1) as { content: unknown }).content, [
      { type: 'text', text: 'Reading /home/alice/ledger on build.corp.acme.com' },
    ]);
  });

  it('asks the vault about at most MAX_LOOKUPS_PER_ANSWER strings of one answer, and says so once', async () => {
    const asked: string[] = [];
    const failures: unknown[] = [];
    const stream = createReadBackStream(RESPONSES(), lookup(asked), { secretsInToolCalls: false }, (err) =>
      failures.push(err),
    );
    // More distinct surrogate shapes than the bound, then a known one past it.
    const hosts = Array.from({ length: MAX_LOOKUPS_PER_ANSWER + 50 }, (_, i) => `host-${i + 100}`).join(' ');
    const raw = Buffer.from(responseStream(`${hosts} then host-7.example.internal.`, '{}', 4096));
    const out = await through(stream, cut(raw, 8192));
    assert.equal(asked.length, MAX_LOOKUPS_PER_ANSWER);
    assert.equal(failures.length, 1);
    assert.match(String(failures[0]), new RegExp(`more than ${MAX_LOOKUPS_PER_ANSWER} distinct strings`));
    // The event stream itself is whole: only what was not looked up keeps its surrogate.
    assert.ok(deltas(out, 'response.output_text.delta').endsWith('then host-7.example.internal.'));
  });
});
