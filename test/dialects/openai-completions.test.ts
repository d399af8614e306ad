import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openaiCompletions } from '../../src/dialects/openai-completions.js';
import { formatEvent } from '../../src/sse/writer.js';
import {
  checkAnswerRoundTrip,
  checkOddShapes,
  checkRoundTrip,
  checkStreamAnswers,
  kindsByChannel,
  streamFields,
} from './helpers.js';

const paths = (segs: { path: readonly (string | number)[] }[]) => segs.map((s) => s.path.join('.'));

const REQUEST = JSON.stringify({
  model: 'gpt-3.5-turbo-instruct',
  prompt: ['# /home/alice/acme-api/app.py\ndef handler(', '# alice: fill in\n'],
  suffix: '\n# end of /home/alice/acme-api/app.py',
  max_tokens: 64,
  stream: true,
  user: 'alice',
});

describe('openai-completions requests', () => {
  it('round-trips prompts, the suffix and the user id', () => {
    const segs = checkRoundTrip(openaiCompletions, REQUEST);
    assert.deepEqual(paths(segs), ['prompt.0', 'prompt.1', 'suffix', 'user']);
    assert.deepEqual(
      segs.map((s) => s.role),
      ['user', 'user', 'user', 'metadata'],
    );
    const one = checkRoundTrip(openaiCompletions, JSON.stringify({ model: 'm', prompt: 'Say alice' }));
    assert.deepEqual(paths(one), ['prompt']);
    assert.deepEqual(openaiCompletions.segments({ model: 'm', prompt: [[15496, 11]] }), []);
  });

  it('never throws on odd shapes', () => {
    checkOddShapes(openaiCompletions, REQUEST);
  });

  it('reads the model and whether the answer streams', () => {
    const body: unknown = JSON.parse(REQUEST);
    const q = new URLSearchParams();
    assert.equal(openaiCompletions.model(body, '/v1/completions'), 'gpt-3.5-turbo-instruct');
    assert.equal(openaiCompletions.streaming(body, '/v1/completions', q), true);
    assert.equal(openaiCompletions.streaming({ prompt: 'x' }, '/v1/completions', q), false);
  });
});

describe('openai-completions answers', () => {
  it('lists the text of every choice of a JSON answer', () => {
    const answer = {
      id: 'cmpl-1',
      object: 'text_completion',
      created: 1,
      model: 'gpt-3.5-turbo-instruct',
      choices: [
        { text: ' see /home/user/project-1', index: 0, logprobs: null, finish_reason: 'stop' },
        { text: ' done', index: 1, logprobs: null, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    };
    checkAnswerRoundTrip(openaiCompletions, answer);
    const fields = openaiCompletions.answerFields(answer);
    assert.deepEqual(
      fields.map((f) => [f.channel, f.json, f.text]),
      [
        ['0', false, ' see /home/user/project-1'],
        ['1', false, ' done'],
      ],
    );
    fields[0]?.set(' see /home/alice/acme-api');
    assert.equal(answer.choices[0]?.text, ' see /home/alice/acme-api');
  });

  it('follows a stream by choice index and ignores [DONE]', () => {
    const chunk = (text: string, index: number, finish: string | null = null) =>
      `data: ${JSON.stringify({
        id: 'cmpl-1',
        object: 'text_completion',
        created: 1,
        choices: [{ text, index, logprobs: null, finish_reason: finish }],
        model: 'gpt-3.5-turbo-instruct',
      })}\n\n`;
    const sse =
      chunk(' at /home/', 0) +
      chunk('user/project-1', 0) +
      chunk(' other', 1) +
      chunk('', 0, 'stop') +
      'data: [DONE]\n\n';
    const { byChannel, fields, objects } = streamFields(openaiCompletions, sse);
    checkStreamAnswers(openaiCompletions, objects);
    assert.deepEqual(Object.fromEntries(byChannel), { '0': ' at /home/user/project-1', '1': ' other' });
    assert.deepEqual(kindsByChannel(fields), { '0': '', '1': '' });
    assert.deepEqual(fields.at(-1), []);
    fields[1]?.[0]?.set('alice/acme-api');
    assert.match(
      formatEvent({ data: JSON.stringify(objects[1]) }),
      /^data: \{.*"text":"alice\/acme-api".*\}\n\n$/,
    );
  });
});
