/**
 * A whole JSON answer that the gateway collects to restore surrogates in it (the request had
 * something pseudonymized) and that the upstream breaks off, lets stall, or makes larger than
 * limits.max_answer: nothing of it went out yet, so the client gets the gateway's error for what
 * happened upstream (502, 504) in its provider's shape, never a 500 that calls it a bug.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';

const PROMPT = 'My project is at /home/alice/acme, what is in it?';
const TEXT = 'one two three four five six seven eight nine ten';

const HEADERS = {
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  'x-api-key': 'k',
  'x-goog-api-key': 'k',
};

function post(stack: AirlockStack, path: string, body: unknown): Promise<Response> {
  return fetch(`${stack.airlock.gateway.url}${path}`, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify(body),
  });
}

const anthropicBody = (model: string) => ({
  model,
  max_tokens: 64,
  messages: [{ role: 'user' as const, content: PROMPT }],
});

describe('an upstream that fails while the answer is collected for restoring', () => {
  let stack: AirlockStack;
  before(async () => {
    stack = await startAirlockStack(
      {
        script: {
          routes: [
            { when: { model: 'drop' }, script: { reply: [{ text: TEXT }], dropAfterEvents: 4 } },
            { when: { model: 'stall' }, script: { reply: [{ text: TEXT }], stallAfterEvents: 4 } },
          ],
          otherwise: { reply: [{ text: 'It is ' }, { text: { fromRequest: 'project is at ([^,]+)' } }] },
        },
      },
      { config: { timeouts: { idle_ms: 300 } } },
    );
  });
  after(() => stack.close());

  test('the answer restored whole when nothing fails (the path these tests break)', async () => {
    const res = await post(stack, '/anthropic/v1/messages', anthropicBody('claude-ok'));
    assert.equal(res.status, 200);
    assert.ok(!stack.sim.received.at(-1)!.body.toString().includes('/home/alice/'), 'pseudonymized');
    const body = (await res.json()) as { content: { text: string }[] };
    assert.equal(body.content.map((c) => c.text).join(''), 'It is /home/alice/acme');
  });

  test('broken off halfway: 502 AIRLOCK_UPSTREAM_BROKE_OFF in the Anthropic shape', async () => {
    const res = await post(stack, '/anthropic/v1/messages', anthropicBody('claude-drop'));
    assert.equal(res.status, 502);
    assert.equal(res.headers.get('x-airlock-error'), 'AIRLOCK_UPSTREAM_BROKE_OFF');
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'api_error');
    assert.doesNotMatch(body.error.message, /bug/);
  });

  test('broken off halfway: 502 in the OpenAI shape', async () => {
    const res = await post(stack, '/openai/v1/chat/completions', {
      model: 'gpt-drop',
      messages: [{ role: 'user', content: PROMPT }],
    });
    assert.equal(res.status, 502);
    const body = (await res.json()) as { error: { code: string; type: string } };
    assert.deepEqual([body.error.code, body.error.type], ['AIRLOCK_UPSTREAM_BROKE_OFF', 'api_error']);
  });

  test('silent past timeouts.idle_ms: 504 AIRLOCK_UPSTREAM_TIMEOUT in the Gemini shape', async () => {
    const res = await post(stack, '/gemini/v1beta/models/gemini-stall:generateContent', {
      contents: [{ role: 'user', parts: [{ text: PROMPT }] }],
    });
    assert.equal(res.status, 504);
    assert.equal(res.headers.get('x-airlock-error'), 'AIRLOCK_UPSTREAM_TIMEOUT');
    const body = (await res.json()) as { error: { code: number; status: string; message: string } };
    assert.deepEqual([body.error.code, body.error.status], [504, 'DEADLINE_EXCEEDED']);
    assert.match(body.error.message, /did not answer in time/);
  });

  test('the SDK shows the gateway error; the audit log records the upstream failure', async () => {
    const client = new Anthropic({
      apiKey: 'sk-ant-test',
      baseURL: stack.via.anthropic,
      maxRetries: 0,
    });
    await assert.rejects(
      client.messages.create(anthropicBody('claude-drop')),
      (err: InstanceType<typeof Anthropic.APIError>) => {
        assert.equal(err.status, 502);
        assert.match(err.message, /answer broke off before it was complete/);
        return true;
      },
    );
    await stack.airlock.recorder.flush();
    const { events } = await stack.airlock.store.query({ kind: 'request' });
    const errors = events.map((e) => e.error).filter((e) => e !== undefined);
    assert.ok(!errors.includes('AIRLOCK_INTERNAL'), errors.join());
    assert.ok(errors.includes('AIRLOCK_UPSTREAM_BROKE_OFF'), errors.join());
    assert.ok(errors.includes('AIRLOCK_UPSTREAM_TIMEOUT'), errors.join());
  });
});

describe('an answer to restore larger than limits.max_answer', () => {
  let stack: AirlockStack;
  before(async () => {
    stack = await startAirlockStack(
      { script: { reply: [{ text: TEXT.repeat(10) }] } },
      { config: { limits: { max_answer: '200B' } } },
    );
  });
  after(() => stack.close());

  test('502 AIRLOCK_ANSWER_TOO_LARGE naming the setting; the SDK does not retry it', async () => {
    const res = await post(stack, '/anthropic/v1/messages', anthropicBody('claude-big'));
    assert.equal(res.status, 502);
    assert.equal(res.headers.get('x-airlock-error'), 'AIRLOCK_ANSWER_TOO_LARGE');
    assert.equal(res.headers.get('x-should-retry'), 'false');
    const body = (await res.json()) as { error: { type: string; message: string } };
    assert.equal(body.error.type, 'api_error');
    assert.match(body.error.message, /Raise `limits\.max_answer`/);
    assert.doesNotMatch(body.error.message, /bug/);

    // The SDKs retry a 5xx twice by default; each retry would be another whole generation.
    stack.sim.reset();
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: stack.via.anthropic });
    await assert.rejects(client.messages.create(anthropicBody('claude-big')), { status: 502 });
    assert.equal(stack.sim.received.length, 1);
  });
});

describe('a streamed answer that the upstream breaks off', () => {
  let stack: AirlockStack;
  before(async () => {
    // The answer's last delta ends with the home's surrogate, which the restorer holds back (the
    // next character could make it part of a longer word); then the connection drops.
    const reply = [{ text: 'It is ' }, { text: { fromRequest: 'project is at (/home/[a-z]+)' } }];
    stack = await startAirlockStack({
      script: {
        routes: [
          { when: { model: 'claude-drop' }, script: { reply, dropAfterEvents: 6 } },
          { when: { model: 'gpt-drop' }, script: { reply, dropAfterEvents: 4 } },
        ],
        otherwise: { reply },
      },
    });
  });
  after(() => stack.close());

  async function events(res: Response): Promise<{ event?: string; data: Record<string, unknown> }[]> {
    return (await res.text())
      .split('\n\n')
      .filter((block) => block.includes('data: {'))
      .map((block) => ({
        event: /^event: (.+)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.+)$/m.exec(block)![1]!) as Record<string, unknown>,
      }));
  }

  test('Anthropic: the held text arrives restored, then the error event', async () => {
    const res = await post(stack, '/anthropic/v1/messages', {
      ...anthropicBody('claude-drop'),
      stream: true,
    });
    assert.equal(res.status, 200);
    const got = await events(res);
    const text = got.map((e) => (e.data.delta as { text?: string } | undefined)?.text ?? '').join('');
    assert.equal(text, 'It is /home/alice');
    assert.equal(got.at(-1)?.event, 'error');
    const message = (got.at(-1)?.data.error as { message: string }).message;
    assert.match(message, /answer broke off before it was complete/);
  });

  test('OpenAI: the same', async () => {
    const res = await post(stack, '/openai/v1/chat/completions', {
      model: 'gpt-drop',
      stream: true,
      messages: [{ role: 'user', content: PROMPT }],
    });
    assert.equal(res.status, 200);
    const got = await events(res);
    const text = got
      .map(
        (e) => (e.data.choices as { delta?: { content?: string } }[] | undefined)?.[0]?.delta?.content ?? '',
      )
      .join('');
    assert.equal(text, 'It is /home/alice');
    assert.ok('error' in got.at(-1)!.data, JSON.stringify(got.at(-1)));
  });
});
