/**
 * @google/genai's Interactions API (`interactions.create`, POST /v1beta/interactions) through a
 * whole Airlock to the simulator with the real SDK: the prompt, the system instruction, the tools
 * and a stateless client's history (steps) are inspected as generateContent's are, so a planted
 * home path and AWS key never reach the provider; the answer's text, thought summary and
 * function-call arguments come back restored, JSON and streamed; the audit event lists the
 * findings and nothing as uninspected; a signed thought sent back goes as the model wrote it.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import type { AuditEvent } from '../../src/audit/types.js';
import type { Script } from '../../src/simulator/types.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';

const HOME = '/home/alice/acme-api';
const AWS_KEY = 'AKIAZ7QK3M2N4P5R6T7V';
const PLANTED = [HOME, AWS_KEY, 'alice'];
const PROMPT = `Working directory: ${HOME}\nAWS_ACCESS_KEY_ID=${AWS_KEY}\nOpen the README please.`;
const MODEL = 'gemini-3-flash-preview';
const TOOLS = [
  {
    type: 'function' as const,
    name: 'read_file',
    description: `Reads a file under ${HOME}.`,
    parameters: {
      type: 'object',
      properties: { path: { type: 'string', description: `e.g. ${HOME}/README.md` } },
      required: ['path'],
    },
  },
];

/** The model thinks over the directory, says it, and calls read_file on its README. */
const SCRIPT: Script = {
  reply: [
    { thinking: { fromRequest: '(Working directory: \\S+)', fallback: 'nothing' } },
    { text: 'Reading ' },
    { text: { fromRequest: 'Working directory: (\\S+)', fallback: 'nothing' } },
    { text: ' now.' },
    {
      toolCall: {
        name: 'read_file',
        args: { path: { fromRequest: 'Working directory: (\\S+)', template: '$1/README.md' } },
      },
    },
  ],
};

let stack: AirlockStack;
before(async () => {
  stack = await startAirlockStack({ pacingMs: 0, script: SCRIPT });
});
after(() => stack.close());
beforeEach(() => {
  stack.sim.reset();
  stack.sim.setScript(SCRIPT);
});

const genai = () => new GoogleGenAI({ apiKey: 'gm-test', httpOptions: { baseUrl: stack.via.gemini } });

/** The one request the simulator received, with no planted value in it; its body as text. */
function seenUpstream(): string {
  const received = stack.sim.received;
  assert.equal(received.length, 1, received.map((r) => r.path).join(', '));
  const rec = received[0]!;
  assert.match(rec.path, /^\/v1(beta)?\/interactions$/);
  const everything = `${rec.path}\n${JSON.stringify(rec.headers)}\n${rec.body.toString()}`;
  assert.deepEqual(
    PLANTED.filter((v) => everything.includes(v)).map((v) => `${v.slice(0, 8)}…`),
    [],
    'planted values reached the provider',
  );
  const body = rec.body.toString();
  assert.match(body, /Working directory: \/home\/\w+/, 'the provider saw a home-shaped surrogate');
  return body;
}

async function lastEvent(): Promise<AuditEvent> {
  await stack.airlock.recorder.flush();
  const { events } = await stack.airlock.store.query({ kind: 'request', limit: 20 });
  const event = events.find((e) => /\/interactions$/.test(e.path ?? ''));
  assert.ok(event, `no audit event for interactions: ${events.map((e) => e.path).join(', ')}`);
  return event;
}

/** The event of an inspected request: its findings at the places planted, nothing uninspected. */
async function checkAudit(places: RegExp[]): Promise<void> {
  const event = await lastEvent();
  assert.equal(event.dialect, 'gemini-interactions');
  assert.equal(event.model, MODEL);
  assert.equal(event.decision, 'pseudonymize');
  assert.equal(event.uninspected, undefined, 'listed as uninspected');
  const rules = new Set(event.findings.map((f) => f.ruleId));
  assert.ok(
    [...rules].some((r) => /aws/i.test(r)),
    `no AWS key finding: ${[...rules].join(', ')}`,
  );
  assert.ok(
    event.findings.some((f) => f.category === 'environment'),
    'no environment finding',
  );
  for (const place of places)
    assert.ok(
      event.findings.some((f) => place.test(f.path)),
      `no finding at ${String(place)}: ${event.findings.map((f) => f.path).join(', ')}`,
    );
}

describe('Gemini Interactions', () => {
  test('interactions.create: the prompt leaves pseudonymized, the answer comes back restored', async () => {
    const interaction = await genai().interactions.create({
      model: MODEL,
      input: PROMPT,
      system_instruction: `You help in ${HOME}.`,
      tools: TOOLS,
    });
    const body = seenUpstream();
    assert.match(body, /"system_instruction":"You help in \/home\/\w+/);
    assert.match(body, /"description":"Reads a file under \/home\/\w+/);

    const steps = interaction.steps ?? [];
    assert.deepEqual(
      steps.map((s) => s.type),
      ['thought', 'model_output', 'function_call'],
    );
    const thought = steps[0] as { summary?: { text?: string }[] };
    assert.equal(thought.summary?.[0]?.text, `Working directory: ${HOME}`);
    assert.equal(interaction.output_text, `Reading ${HOME} now.`);
    const call = steps[2] as { name: string; arguments: { path?: string } };
    assert.equal(call.name, 'read_file');
    assert.equal(call.arguments.path, `${HOME}/README.md`);
    await checkAudit([/^\$\.input$/, /^\$\.system_instruction$/, /^\$\.tools\[0\]/]);
  });

  test('interactions.create streamed: text, thought and argument deltas come back restored', async () => {
    const stream = await genai().interactions.create({
      model: MODEL,
      input: [{ type: 'text', text: PROMPT }],
      tools: TOOLS,
      stream: true,
    });
    let text = '';
    let thought = '';
    let args = '';
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.event_type);
      if (event.event_type !== 'step.delta') continue;
      const delta = event.delta as {
        type: string;
        text?: string;
        arguments?: string;
        content?: { text?: string };
      };
      if (delta.type === 'text') text += delta.text ?? '';
      else if (delta.type === 'arguments_delta') args += delta.arguments ?? '';
      else if (delta.type === 'thought_summary') thought += delta.content?.text ?? '';
    }
    assert.equal(types[0], 'interaction.created');
    assert.equal(types.at(-1), 'interaction.completed');
    assert.equal(text, `Reading ${HOME} now.`);
    assert.equal(thought, `Working directory: ${HOME}`);
    assert.deepEqual(JSON.parse(args), { path: `${HOME}/README.md` });
    const body = seenUpstream();
    assert.match(body, /"stream":true/);
    await checkAudit([/^\$\.input\[0\]\.text$/]);
  });

  test("a stateless client's history (steps) is inspected, its signed thought sent back as signed", async () => {
    const client = genai();
    const first = await client.interactions.create({
      model: MODEL,
      input: PROMPT,
      system_instruction: `You help in ${HOME}.`,
      tools: TOOLS,
      store: false,
    });
    stack.sim.reset();
    const steps = first.steps ?? [];
    const call = steps.find((s) => s.type === 'function_call') as { id: string };
    const second = await client.interactions.create({
      model: MODEL,
      system_instruction: `You help in ${HOME}.`,
      tools: TOOLS,
      store: false,
      input: [
        { type: 'user_input', content: [{ type: 'text', text: PROMPT }] },
        ...steps,
        {
          type: 'function_result',
          call_id: call.id,
          name: 'read_file',
          result: [{ type: 'text', text: `# acme-api\nDeploy with ${AWS_KEY} from ${HOME}.` }],
        },
      ],
    });
    // The simulator refuses a thought whose summary is not what it signed.
    assert.equal(second.status, 'completed');
    const body = seenUpstream();
    assert.match(body, /"signature":"AirlockSim1/);
    assert.match(body, /"arguments":\{"path":"\/home\/\w+/);
    await checkAudit([
      /^\$\.input\[0\]\.content\[0\]\.text$/,
      /^\$\.input\[4\]\.result\[0\]\.text$/,
      /^\$\.input\[3\]\.arguments\.path$/,
    ]);
  });
  test("a signed thought naming a value of the model's own goes back as the model wrote it", async () => {
    // The model came up with the key itself: the provider has it, and signed the thought over it.
    stack.sim.setScript({ reply: [{ thinking: `I will deploy with ${AWS_KEY}` }, { text: 'Deploying.' }] });
    const client = genai();
    const ask = { type: 'user_input' as const, content: [{ type: 'text' as const, text: 'Deploy please.' }] };
    const first = await client.interactions.create({ model: MODEL, input: [ask], store: false });
    assert.equal(
      (first.steps?.[0] as { summary?: { text?: string }[] }).summary?.[0]?.text,
      `I will deploy with ${AWS_KEY}`,
    );
    stack.sim.reset();
    // Changed, the thought would be refused (400 Thought signature is not valid).
    const second = await client.interactions.create({
      model: MODEL,
      store: false,
      input: [
        ask,
        ...(first.steps ?? []),
        { type: 'user_input', content: [{ type: 'text', text: 'Go on.' }] },
      ],
    });
    assert.equal(second.status, 'completed');
    const body = stack.sim.received[0]?.body.toString() ?? '';
    assert.ok(body.includes(`"text":"I will deploy with ${AWS_KEY}"`), 'the signed thought went as written');
    const event = await lastEvent();
    const found = event.findings.find((f) => f.path === '$.input[1].summary[0].text');
    assert.equal(found?.action, 'audit');
  });
});
