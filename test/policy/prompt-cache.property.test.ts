/**
 * Prompt caching as a property: a conversation's request k+1 resends request k's system prompt,
 * tools and messages, and what Airlock sends upstream for that shared prefix must be the bytes it
 * sent for request k (providers cache on identical prefixes; docs/policy.md "Prompt caching").
 *
 * Random conversations in the four dialects (Anthropic Messages, OpenAI Chat Completions and
 * Responses, Gemini generateContent), their texts carrying values the detectors find by their
 * shape or as this machine's canaries (home and project paths, user and host names, e-mails, git
 * identities, API keys, addresses), raw and in other encodings (escaped slashes, percent-encoded
 * in a URL, a client that writes `\u00e9` and `\/`), go through the policy inspector as the
 * gateway calls it. The client appends to its conversation only, so its body for request k+1
 * starts with its body for request k without the closing `]}`: so must the upstream one.
 *
 * The documented one-time breaks are tested exactly: a value first flagged at a later turn (then
 * replaced in the earlier ones too), a user writing a surrogate literally, a tracking id crossing
 * its threshold of 3 requests. Anthropic thinking blocks that repeat the surrogates the model
 * read change no earlier turn. Gateway restarts on one data dir (`vault: sqlite`, the tracking
 * counts beside it) give the same bytes, in process and through a real gateway in front of the
 * simulator.
 *
 * Runs are bounded (AIRLOCK_PROPERTY_RUNS=<n> asks for more); AIRLOCK_PROPERTY_SEED=<n> replays
 * a run (fast-check prints the seed, the shrunk conversation and the error of a failure).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Agent, request } from 'undici';
import { learnCanaries } from '../../src/detect/canaries.js';
import type { Engine } from '../../src/detect/engine.js';
import { SqliteIdTracker } from '../../src/detect/tracking-sqlite.js';
import { createPersistentIdDetector, MemoryIdTracker, type IdTracker } from '../../src/detect/tracking.js';
import { resolveDialect } from '../../src/dialects/index.js';
import { parseJsonBytes } from '../../src/dialects/parse-json.js';
import type { Provider } from '../../src/errors.js';
import type { Inspector } from '../../src/gateway/inspector.js';
import { engineForPolicy } from '../../src/policy/engine.js';
import { createPolicyInspector } from '../../src/policy/inspector.js';
import { defaultPolicy } from '../../src/policy/load.js';
import { SqliteVault } from '../../src/redact/vault-sqlite.js';
import { MemoryVault, type Vault } from '../../src/redact/vault.js';
import { startAirlockStack } from '../helpers/airlock-stack.js';

const SEED = process.env.AIRLOCK_PROPERTY_SEED;
const RUNS = Number(process.env.AIRLOCK_PROPERTY_RUNS ?? 0);
const runs = (numRuns: number) => ({
  numRuns: RUNS > 0 ? RUNS : numRuns,
  includeErrorInReport: true,
  ...(SEED === undefined ? {} : { seed: Number(SEED) }),
});

const KEY = Buffer.alloc(32, 9);

/** The made-up machine the gateway runs on: its values are canaries, found wherever they go. */
const USER = 'zeldaqx';
const HOME = `/home/${USER}`;
const HOST = 'zq-thinkpad-qx.corp.acme-widgets.com';
const GIT_NAME = 'Zelda Quartermaine';
const GIT_EMAIL = 'zelda.qx@acme-widgets.com';
const CANARIES = learnCanaries({
  env: {},
  home: HOME,
  homeAliases: [],
  hostname: HOST,
  fqdns: [],
  username: USER,
  machineIds: [],
  macs: [],
  ips: [],
  gitName: GIT_NAME,
  gitEmail: GIT_EMAIL,
  timeZones: [],
  readGit: false,
});

const POLICY = defaultPolicy();
let engine: Engine | undefined;
const engineOnce = (): Engine => (engine ??= engineForPolicy(POLICY, { canaries: CANARIES }));

/** An inspector as the gateway builds one (src/app.ts): default policy, canaries, tracker of 3. */
function inspectorFor(vault: Vault = new MemoryVault(), ids: IdTracker = new MemoryIdTracker()): Inspector {
  return createPolicyInspector({
    policy: POLICY,
    engine: engineOnce(),
    vault,
    key: KEY,
    tracker: createPersistentIdDetector({ tracker: ids, key: KEY }),
  });
}

/**
 * Values found wherever they stand, by their shape or as a canary: raw, as prefixes and suffixes
 * of each other, escaped, percent-encoded. Never one that needs a context to be found.
 */
const PLANTS = [
  USER,
  HOST,
  GIT_NAME,
  GIT_EMAIL,
  `${HOME}/src/quartermaine-ledger/lib/db.ts`,
  HOME,
  `${HOME}2/notes.md`,
  `${USER}2`,
  '/home/alice',
  '/home/alice/acme-api/src/x.ts',
  '/home/alice2/tmp',
  'C:\\Users\\carol\\Desktop\\notes.txt',
  'alice.smith@acme.com',
  'alice.smith@acme.com.au',
  'AKIAZ7QK3M2N4P5R6T7V',
  `ghp_${'R2d2C3po'.repeat(4)}abcd`,
  `sk-proj-${'Q7vR2mK9tZ4wX1cB8nL5pH3jF6dG0sA'.repeat(2)}`,
  // Bounded by `;`: an address before a capitalised word is read as a section number (`10.2.1.3. Let`).
  'ip=10.20.30.40;',
  'ip=10.20.30.4;',
  'build-07.corp.internal',
  `git config user.email ${GIT_EMAIL}`,
  `Author: ${GIT_NAME} <${GIT_EMAIL}>`,
  `https://ci.example.com/browse?path=${encodeURIComponent(`${HOME}/src`)}`,
  // A home with escaped slashes (PHP's json_encode): a home by its shape. As a `cwd` it is a
  // project path, found by its context (LATE).
  `{"log":"${HOME.replaceAll('/', '\\/')}\\/notes.md"}`,
  '/home/josé/notes',
];
/** Words around them, some of them close to surrogates or needing escapes. */
const FILLER = [
  'the',
  'build',
  'failed',
  'in',
  'café',
  'naïve',
  '🚀',
  'user',
  'host',
  '"',
  '\\',
  '/',
  'x.ts',
];

const words = (pool: fc.Arbitrary<string>) =>
  fc.array(pool, { minLength: 1, maxLength: 8 }).map((w) => w.join(' '));
/** A text with planted values, or (a third of them) none: the turns before the first value. */
const text = fc.oneof(
  { arbitrary: words(fc.oneof(fc.constantFrom(...FILLER), fc.constantFrom(...PLANTS))), weight: 2 },
  { arbitrary: words(fc.constantFrom(...FILLER)), weight: 1 },
);

/** A conversation: the first group is the user's message, each later one a tool round. */
interface Conversation {
  system: string;
  first: string;
  steps: { said: string; path: string; result: string }[];
}

const conversation = (steps = fc.integer({ min: 1, max: 4 })): fc.Arbitrary<Conversation> =>
  steps.chain((n) =>
    fc.record({
      system: text,
      first: text,
      steps: fc.array(
        fc.record({ said: text, path: fc.constantFrom(...PLANTS, 'README.md'), result: text }),
        { minLength: n, maxLength: n },
      ),
    }),
  );

type Json = Record<string, unknown>;

interface DialectCase {
  name: string;
  provider: Provider;
  path: string;
  /** The body without its conversation; the conversation's array is its last member, empty. */
  head(system: string): Json;
  user(text: string): Json[];
  step(said: string, path: string, result: string, n: number): Json[];
}

const TOOL = {
  name: 'read_file',
  description: 'Reads a file of the project',
  parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

const DIALECTS: DialectCase[] = [
  {
    name: 'Anthropic Messages',
    provider: 'anthropic',
    path: '/v1/messages',
    head: (system) => ({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      system: [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }],
      tools: [{ name: TOOL.name, description: TOOL.description, input_schema: TOOL.parameters }],
      messages: [],
    }),
    user: (text) => [{ role: 'user', content: [{ type: 'text', text }] }],
    step: (said, path, result, n) => [
      {
        role: 'assistant',
        content: [
          { type: 'text', text: said },
          { type: 'tool_use', id: `toolu_0${n}`, name: TOOL.name, input: { path } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_0${n}`, content: result }] },
    ],
  },
  {
    name: 'OpenAI Chat Completions',
    provider: 'openai',
    path: '/v1/chat/completions',
    head: () => ({
      model: 'gpt-5',
      stream: true,
      tools: [{ type: 'function', function: TOOL }],
      messages: [],
    }),
    // The system prompt is the conversation's first message.
    user: (text) => [{ role: 'user', content: text }],
    step: (said, path, result, n) => [
      {
        role: 'assistant',
        content: said,
        tool_calls: [
          {
            id: `call_${n}`,
            type: 'function',
            function: { name: TOOL.name, arguments: JSON.stringify({ path }) },
          },
        ],
      },
      { role: 'tool', tool_call_id: `call_${n}`, content: result },
    ],
  },
  {
    name: 'OpenAI Responses',
    provider: 'openai',
    path: '/v1/responses',
    head: (system) => ({
      model: 'gpt-5',
      instructions: system,
      tools: [{ type: 'function', ...TOOL }],
      input: [],
    }),
    user: (text) => [{ role: 'user', content: [{ type: 'input_text', text }] }],
    step: (said, path, result, n) => [
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: said }] },
      { type: 'function_call', call_id: `call_${n}`, name: TOOL.name, arguments: JSON.stringify({ path }) },
      { type: 'function_call_output', call_id: `call_${n}`, output: result },
    ],
  },
  {
    name: 'Gemini generateContent',
    provider: 'gemini',
    path: '/v1beta/models/gemini-2.5-pro:generateContent',
    head: (system) => ({
      systemInstruction: { parts: [{ text: system }] },
      tools: [{ functionDeclarations: [TOOL] }],
      generationConfig: { temperature: 0 },
      contents: [],
    }),
    user: (text) => [{ role: 'user', parts: [{ text }] }],
    step: (said, path, result) => [
      { role: 'model', parts: [{ text: said }, { functionCall: { name: TOOL.name, args: { path } } }] },
      { role: 'user', parts: [{ functionResponse: { name: TOOL.name, response: { content: result } } }] },
    ],
  },
];

/** How a client writes JSON: as JSON.stringify does, or ASCII-only with escaped slashes (PHP, Python). */
type Writer = (value: unknown) => string;
const WRITERS: Record<string, Writer> = {
  plain: (value) => JSON.stringify(value),
  escaped: (value) =>
    JSON.stringify(value)
      .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .replaceAll('/', '\\/'),
};

/**
 * The client's bodies for requests 1..n: each appends to the conversation array only, so body
 * k+1 starts with body k without its closing `]}`.
 */
function clientBodies(d: DialectCase, conv: Conversation, write: Writer): string[] {
  const head = write(d.head(conv.system));
  assert.ok(head.endsWith('[]}'), 'the conversation is the last member');
  const opening = head.slice(0, -2);
  const messages: string[] = [];
  if (d.name === 'OpenAI Chat Completions') messages.push(write({ role: 'system', content: conv.system }));
  messages.push(...d.user(conv.first).map(write));
  const bodies = [`${opening}${messages.join(',')}]}`];
  conv.steps.forEach((s, n) => {
    messages.push(...d.step(s.said, s.path, s.result, n).map(write));
    bodies.push(`${opening}${messages.join(',')}]}`);
  });
  return bodies;
}

/** What the gateway would send upstream for `body` (bytes as latin1), as src/gateway/proxy.ts asks. */
async function upstream(inspector: Inspector, d: DialectCase, body: string): Promise<string> {
  const raw = Buffer.from(body);
  const result = await inspector.inspect({
    provider: d.provider,
    dialect: resolveDialect(d.provider, 'POST', d.path),
    method: 'POST',
    path: d.path,
    query: new URLSearchParams(),
    headers: { 'content-type': 'application/json', 'user-agent': 'prompt-cache-test/1.0' },
    body: parseJsonBytes(raw),
    raw: Buffer.from(raw),
    rawOwned: true,
  });
  assert.equal(result.action, 'forward', result.action === 'block' ? result.message : '');
  if (result.action !== 'forward') return '';
  const bytes =
    result.bodyBytes ?? (result.body === undefined ? raw : Buffer.from(JSON.stringify(result.body)));
  return bytes.toString('latin1');
}

/** Where body `next` stops resending body `prev` byte for byte (-1: it resends all of it). */
function prefixBreak(prev: string, next: string): number {
  assert.ok(prev.endsWith(']}'), 'the conversation is still the last member upstream');
  const shared = prev.slice(0, -2);
  if (next.startsWith(shared) && next[shared.length] === ',') return -1;
  let at = 0;
  while (at < shared.length && shared[at] === next[at]) at++;
  return at;
}

function showBreak(prev: string, next: string, at: number): string {
  return `upstream prefix differs at byte ${at}:\n  was ${JSON.stringify(prev.slice(Math.max(0, at - 60), at + 60))}\n  now ${JSON.stringify(next.slice(Math.max(0, at - 60), at + 60))}`;
}

/** Sends the requests in order; returns the upstream bodies. */
async function sendAll(inspector: Inspector, d: DialectCase, bodies: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const body of bodies) out.push(await upstream(inspector, d, body));
  return out;
}

/** The turns (1-based: the request that changed its prefix) whose prefix was not resent as it was. */
function breaks(sent: readonly string[]): number[] {
  const out: number[] = [];
  for (let k = 1; k < sent.length; k++) if (prefixBreak(sent[k - 1]!, sent[k]!) >= 0) out.push(k + 1);
  return out;
}

function assertStable(sent: readonly string[], label: string): void {
  for (let k = 1; k < sent.length; k++) {
    const at = prefixBreak(sent[k - 1]!, sent[k]!);
    assert.equal(
      at,
      -1,
      `${label}, request ${k + 1}: ${at >= 0 ? showBreak(sent[k - 1]!, sent[k]!, at) : ''}`,
    );
  }
}

/** A conversation of fixed texts, for the explicit cases. */
function fixed(first: string, ...results: string[]): Conversation {
  return {
    system: 'You are a coding assistant.',
    first,
    steps: results.map((result, n) => ({ said: `Step ${n}: reading the file.`, path: 'README.md', result })),
  };
}

describe('prompt caching: the upstream prefix of request k+1 is the bytes sent for request k', () => {
  for (const d of DIALECTS) {
    it(`${d.name}: random conversations with planted values, two JSON writers`, async () => {
      await fc.assert(
        fc.asyncProperty(conversation(), fc.constantFrom(...Object.keys(WRITERS)), async (conv, writer) => {
          const bodies = clientBodies(d, conv, WRITERS[writer]!);
          const inspector = inspectorFor();
          const sent = await sendAll(inspector, d, bodies);
          assertStable(sent, `${writer} writer`);
          // A request sent again (a retry) leaves as it did; and the values did not leave.
          assert.equal(await upstream(inspector, d, bodies.at(-1)!), sent.at(-1));
          for (const value of [USER, HOST, GIT_NAME, GIT_EMAIL, 'AKIAZ7QK3M2N4P5R6T7V', '10.20.30.40'])
            // As a word of its own: `zeldaqx2` is another name, and stays.
            assert.doesNotMatch(sent.at(-1)!, new RegExp(`(?<!\\w)${value.replaceAll('.', '\\.')}(?!\\w)`));
        }),
        runs(15),
      );
    });
  }
});

/** A value the detectors find only in a context: a git author line, a `hostname:` line, a `cwd`. */
const LATE = [
  {
    value: 'Mirabel Okonkwo',
    bare: 'ask Mirabel Okonkwo today',
    flagged: 'Author: Mirabel Okonkwo <mo@orchid.example.org>',
  },
  { value: 'devbox-17', bare: 'it runs on devbox-17 now', flagged: 'hostname: devbox-17' },
  // A folder under the home becomes a project path once a `cwd` names it, written plain or with
  // escaped slashes alike: its files named earlier move from the home's surrogate to the project's.
  ...[HOME, HOME.replaceAll('/', '\\/')].map((home) => ({
    value: '/work/orchard-ledger',
    bare: `see ${HOME}/work/orchard-ledger/lib/db.ts`,
    flagged: `{"cwd":"${home}${home.includes('\\') ? '\\/work\\/' : '/work/'}orchard-ledger"}`,
  })),
];

describe('prompt caching: what breaks the cache once, and only once', () => {
  for (const d of DIALECTS) {
    it(`${d.name}: a value first found at a later turn is replaced in the earlier turns from then on`, async () => {
      await fc.assert(
        fc.asyncProperty(
          conversation(fc.integer({ min: 2, max: 4 })),
          fc.constantFrom(...LATE),
          fc.nat(),
          fc.array(fc.nat(), { maxLength: 4 }),
          async (generated, late, flagAt, mentions) => {
            // A copy: fast-check hands the same objects to the runs that shrink a failure.
            const conv = structuredClone(generated);
            // Request `at` (2 and later) is the first to carry the value where it is found.
            const at = 2 + (flagAt % conv.steps.length);
            const step = conv.steps[at - 2]!;
            step.result = `${late.flagged}\n${step.result}`;
            // Bare mentions before it: in the first message, or in what earlier steps said.
            const places = at - 1;
            for (const m of mentions) {
              const place = m % places;
              if (place === 0) conv.first += ` ${late.bare}`;
              else conv.steps[place - 1]!.said += ` ${late.bare}`;
            }
            const sent = await sendAll(inspectorFor(), d, clientBodies(d, conv, WRITERS.plain!));
            const mentioned = mentions.length > 0;
            assert.deepEqual(breaks(sent), mentioned ? [at] : [], 'the one request whose prefix changed');
            if (mentioned) {
              assert.ok(sent[at - 2]!.includes(late.value), 'sent as it was before it was known');
              assert.ok(!sent[at - 1]!.includes(late.value), 'replaced in the earlier turns too');
            }
            assert.ok(!sent.at(-1)!.includes(late.value));
          },
        ),
        runs(10),
      );
    });

    it(`${d.name}: the break is that value's replacement, nothing else`, async () => {
      const name = LATE[0]!;
      const conv = fixed(
        `Please ${name.bare}.`,
        'the ledger balances',
        `${name.flagged}\nfix refunds`,
        'done',
      );
      const sent = await sendAll(inspectorFor(), d, clientBodies(d, conv, WRITERS.plain!));
      assert.deepEqual(breaks(sent), [3]);
      const stand = /Person \d+/.exec(sent[2]!)?.[0];
      assert.ok(stand !== undefined, 'the name has a person surrogate');
      const before = sent[1]!.slice(0, -2).replaceAll(name.value, stand);
      assert.equal(sent[2]!.slice(0, before.length), before);
    });

    it(`${d.name}: a user writing a surrogate literally moves the value's surrogate, once`, async () => {
      const first = await upstream(
        inspectorFor(),
        d,
        clientBodies(d, fixed(`Logged in on ${HOST}.`), WRITERS.plain!)[0]!,
      );
      const stand = /host-\d+\.example\.internal/.exec(first)?.[0];
      assert.ok(stand !== undefined, `the host name has a surrogate: ${first}`);
      const conv = fixed(`Logged in on ${HOST}.`, 'the ledger balances', `PING ${stand} failed`, 'done');
      const sent = await sendAll(inspectorFor(), d, clientBodies(d, conv, WRITERS.plain!));
      assert.equal(sent[0], first);
      // The literal could be echoed by the model and restored to the host name: the host name
      // gives that surrogate up in every request that holds the literal, earlier turns included.
      assert.deepEqual(breaks(sent), [3]);
      const moved = /Logged in on (host-\d+\.example\.internal)/.exec(sent[2]!)?.[1];
      assert.ok(moved !== undefined && moved !== stand, `the host name moved: ${moved}`);
      for (const s of sent) assert.ok(!s.includes(HOST));
    });

    it(`${d.name}: a tracking id in the system prompt is replaced from its 3rd request on`, async () => {
      const id = '9f2c1e7a5b3d4f60a8c2e4b6d8f0a1c3';
      const conv = fixed('Fix the refunds.', 'a', 'b', 'c', 'd');
      conv.system = `You are a coding assistant. Session ${id}.`;
      const sent = await sendAll(inspectorFor(), d, clientBodies(d, conv, WRITERS.plain!));
      assert.deepEqual(
        sent.map((s) => s.includes(id)),
        [true, true, false, false, false],
      );
      assert.deepEqual(breaks(sent), [3], 'one miss, at the request that crosses the threshold');
    });
  }
});

describe('prompt caching: what the model wrote and signed', () => {
  it('Anthropic: random conversations whose thinking repeats what the model read', async () => {
    const d = DIALECTS[0]!;
    const opening = JSON.stringify(d.head('You are a coding assistant.')).slice(0, -2);
    await fc.assert(
      fc.asyncProperty(conversation(), async (conv) => {
        const inspector = inspectorFor();
        const messages = d.user(conv.first).map((m) => JSON.stringify(m));
        const send = async () => upstream(inspector, d, `${opening}${messages.join(',')}]}`);
        const sent = [await send()];
        for (const [n, step] of conv.steps.entries()) {
          // The model thinks about the last message it read, surrogates and all.
          const read = JSON.parse(Buffer.from(sent.at(-1)!, 'latin1').toString()) as { messages: unknown[] };
          const thinking = `I read ${JSON.stringify(read.messages.at(-1))}`;
          const [said, result] = d.step(step.said, step.path, step.result, n);
          const content = (said as { content: unknown[] }).content;
          content.unshift({ type: 'thinking', thinking, signature: 'c2ln' });
          messages.push(JSON.stringify(said), JSON.stringify(result));
          sent.push(await send());
        }
        assertStable(sent, 'with thinking');
      }),
      runs(15),
    );
  });

  it('Anthropic: a thinking block naming the surrogates the model read changes none of them', async () => {
    const d = DIALECTS[0]!;
    const key = 'AKIAZ7QK3M2N4P5R6T7V';
    const asked = `Logged in on ${HOST}, deploy with ${key}.`;
    const inspector = inspectorFor();
    const first = await upstream(inspector, d, clientBodies(d, fixed(asked), WRITERS.plain!)[0]!);
    const host = /host-\d+\.example\.internal/.exec(first)?.[0];
    const stand = /AKIA[A-Z0-9]{16}/.exec(first)?.[0];
    assert.ok(host !== undefined && stand !== undefined && stand !== key, first);
    // The model thought with the surrogates it read (a thinking block goes back as signed, and
    // the detectors find both in it), and answered; its text was restored for the client.
    const opening = JSON.stringify(d.head('You are a coding assistant.')).slice(0, -2);
    const turns = [
      ...d.user(asked),
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: `The user is on ${host} and gave ${stand}.`, signature: 'c2ln' },
          { type: 'text', text: `Deploying from ${HOST}.` },
        ],
      },
      ...d.user('Thanks, go on.'),
    ];
    const next = await upstream(inspector, d, `${opening}${turns.map((t) => JSON.stringify(t)).join(',')}]}`);
    const at = prefixBreak(first, next);
    assert.equal(at, -1, at >= 0 ? showBreak(first, next, at) : '');
    assert.ok(next.includes(`Deploying from ${host}.`), 'the model reads the surrogate it thought with');
  });
});

describe('prompt caching: gateway restarts on one data dir', () => {
  const d = DIALECTS[0]!;
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-prompt-cache-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Two conversations whose home folders want the same surrogate, `/home/user`. */
  const alice = fixed('Build /home/alice/billing/src/a.ts', 'ok', 'ok');
  const bob = fixed('Build /home/bob/ledger/src/b.ts', 'ok', 'ok');

  it('vault: sqlite keeps the surrogates a collision chose, whatever is seen first after', async () => {
    const file = join(dir, 'collide.db');
    const vault = new SqliteVault(file);
    const aliceSent = await sendAll(inspectorFor(vault), d, clientBodies(d, alice, WRITERS.plain!));
    const bobSent = await sendAll(inspectorFor(vault), d, clientBodies(d, bob, WRITERS.plain!));
    await vault.close();
    const again = new SqliteVault(file);
    const restarted = inspectorFor(again);
    assert.deepEqual(await sendAll(restarted, d, clientBodies(d, bob, WRITERS.plain!)), bobSent);
    assert.deepEqual(await sendAll(restarted, d, clientBodies(d, alice, WRITERS.plain!)), aliceSent);
    await again.close();
  });

  it('the memory vault forgets them: the documented one-time miss after a restart', async () => {
    const vault = new MemoryVault();
    const aliceSent = await sendAll(inspectorFor(vault), d, clientBodies(d, alice, WRITERS.plain!));
    await sendAll(inspectorFor(vault), d, clientBodies(d, bob, WRITERS.plain!));
    const restarted = inspectorFor(new MemoryVault());
    await sendAll(restarted, d, clientBodies(d, bob, WRITERS.plain!));
    const after = await sendAll(restarted, d, clientBodies(d, alice, WRITERS.plain!));
    assert.ok(aliceSent[0]!.includes('/home/user/'), aliceSent[0]);
    assert.notEqual(after[0], aliceSent[0], 'bob took /home/user first');
  });

  /** Requests 1-4, a restart, request 5, a restart, request 6: what went upstream. */
  async function acrossRestarts(conv: Conversation, name: string): Promise<string[]> {
    const bodies = clientBodies(d, conv, WRITERS.plain!);
    const sent: string[] = [];
    for (const part of [bodies.slice(0, 4), bodies.slice(4, 5), bodies.slice(5)]) {
      // What src/app.ts opens for `vault: sqlite`.
      const vault = new SqliteVault(join(dir, `${name}.db`));
      const ids = new SqliteIdTracker(join(dir, `${name}-tracking.db`));
      sent.push(...(await sendAll(inspectorFor(vault, ids), d, part)));
      await vault.close();
      await ids.close();
    }
    return sent;
  }

  it('vault: sqlite, a conversation going on across restarts resends its prefix as it was', async () => {
    const conv = fixed(`Deploy from ${HOME}/src/quartermaine-ledger as ${USER}`, 'a', 'b', 'c', 'd', 'e');
    conv.system = `You are a coding assistant on ${HOST}, git user ${GIT_NAME}.`;
    assertStable(await acrossRestarts(conv, 'going-on'), 'across restarts');
  });

  it('vault: sqlite, a tracking id that crossed its threshold stays replaced after a restart', async () => {
    const id = '9f2c1e7a5b3d4f60a8c2e4b6d8f0a1c3';
    const conv = fixed('Fix the refunds.', 'a', 'b', 'c', 'd', 'e');
    conv.system = `You are a coding assistant. Session ${id}.`;
    const sent = await acrossRestarts(conv, 'tracked');
    assert.deepEqual(
      sent.map((s) => s.includes(id)),
      [true, true, false, false, false, false],
    );
    assert.deepEqual(breaks(sent), [3], 'the one miss of crossing the threshold, none at the restarts');
  });
});

describe('prompt caching through a real gateway (vault: sqlite) in front of the simulator', () => {
  /** A gateway with `vault: sqlite` in front of the simulator, and a sender through it. */
  async function gateway(dir: string) {
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, 'vault: sqlite\n');
    const stack = await startAirlockStack(
      { script: { reply: [{ text: 'ok' }] } },
      { policyFile, dataDir: dir },
    );
    const base = {
      anthropic: stack.via.anthropic,
      openai: stack.via.openai.replace(/\/v1$/, ''),
      gemini: stack.via.gemini,
    };
    /** Sends one client body; returns what the simulator received. */
    const send = async (d: DialectCase, body: string): Promise<string> => {
      // A connection of its own: a kept-alive one would point at a stopped gateway.
      const dispatcher = new Agent();
      try {
        const res = await request(`${base[d.provider]}${d.path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'anthropic-version': '2023-06-01',
            'x-api-key': 'k',
            authorization: 'Bearer k',
            'x-goog-api-key': 'k',
          },
          body,
          dispatcher,
        });
        assert.equal(res.statusCode, 200, await res.body.text());
      } finally {
        await dispatcher.close();
      }
      const got = stack.sim.received.at(-1);
      assert.ok(got !== undefined);
      return got.body.toString('latin1');
    };
    return { stack, send };
  }

  it('each dialect: stable prefixes turn after turn, and the same bytes again after restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-prompt-cache-e2e-'));
    const { stack, send } = await gateway(dir);
    try {
      const conv = fixed(
        'Deploy /home/alice/acme-api/src/x.ts with AKIAZ7QK3M2N4P5R6T7V, mail alice.smith@acme.com',
        `token ghp_${'R2d2C3po'.repeat(4)}abcd in /home/alice/.config/gh/hosts.yml`,
        'build-07.corp.internal refused ssh from /home/alice2/tmp',
      );
      conv.system = 'You are a coding assistant. Primary working directory: /home/alice/acme-api';
      const first = new Map<string, string[]>();
      for (const d of DIALECTS) {
        const bodies = clientBodies(d, conv, WRITERS.escaped!);
        const sent: string[] = [];
        for (const [k, body] of bodies.entries()) {
          if (k === 2) await stack.restart();
          sent.push(await send(d, body));
        }
        assertStable(sent, d.name);
        assert.ok(
          !sent.some((s) => s.includes('alice.smith@acme.com') || s.includes('AKIAZ7QK3M2N4P5R6T7V')),
        );
        first.set(d.name, sent);
      }
      await stack.restart();
      for (const d of DIALECTS) {
        const again: string[] = [];
        for (const body of clientBodies(d, conv, WRITERS.escaped!)) again.push(await send(d, body));
        assert.deepEqual(again, first.get(d.name), `${d.name}: byte-identical after a restart`);
      }
    } finally {
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a tracking id that crossed its threshold stays replaced across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-prompt-cache-e2e-'));
    const { stack, send } = await gateway(dir);
    try {
      const d = DIALECTS[0]!;
      const id = '9f2c1e7a5b3d4f60a8c2e4b6d8f0a1c3';
      const conv = fixed('Fix the refunds.', 'a', 'b', 'c', 'd');
      conv.system = `You are a coding assistant. Session ${id}.`;
      const sent: string[] = [];
      for (const [k, body] of clientBodies(d, conv, WRITERS.plain!).entries()) {
        if (k === 4) await stack.restart();
        sent.push(await send(d, body));
      }
      assert.deepEqual(
        sent.map((s) => s.includes(id)),
        [true, true, false, false, false],
      );
      assert.deepEqual(breaks(sent), [3]);
    } finally {
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
