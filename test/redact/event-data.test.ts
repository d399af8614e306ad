/**
 * The restorer reads Anthropic's delta events without JSON.parse when they are written exactly
 * as the API writes them; whatever the data, it must get what parseEventData gets: the same
 * value, the same keys in the same order, undefined where that is undefined.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { eventData } from '../../src/redact/restore-stream.js';
import { parseEventData } from '../../src/sse/event-data.js';

function same(data: string, comment = false): void {
  const ev = { data, comment };
  const want = parseEventData(ev);
  const got = eventData(ev);
  assert.deepStrictEqual(got, want, data);
  assert.equal(JSON.stringify(got), JSON.stringify(want), data);
}

const TEXT = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('a', ' ', '"', '\\', '/', '\n', '\u0000', '\u001f', 'é', '\u2028'),
    maxLength: 12,
  }),
);
const DELTA_TYPES = ['text_delta', 'input_json_delta', 'thinking_delta', 'signature_delta', 'x'];
const FIELDS = ['text', 'partial_json', 'thinking', 'signature', 'x'];

describe('eventData', () => {
  it('gives what parseEventData gives, for deltas as the API writes them and near misses', () => {
    fc.assert(
      fc.property(
        TEXT,
        fc.constantFrom(...DELTA_TYPES),
        fc.constantFrom(...FIELDS),
        fc.oneof(fc.nat(), fc.constantFrom(-1, 1.5, 1e21, '1', null)),
        fc.constantFrom('none', 'space', 'extra', 'order', 'dup', 'raw', 'cut', 'comment'),
        (text, type, field, index, change) => {
          const delta = { type, [field]: text };
          let data = JSON.stringify({ type: 'content_block_delta', index, delta });
          if (change === 'space') data = data.replace('":', '": ');
          else if (change === 'extra') data = data.replace('"delta":', '"x":1,"delta":');
          else if (change === 'order') data = JSON.stringify({ index, type: 'content_block_delta', delta });
          else if (change === 'dup') data = data.replace('"index":', '"index":7,"index":');
          else if (change === 'raw') data = data.replace(JSON.stringify(text), `"${text}"`);
          else if (change === 'cut') data = data.slice(0, -1);
          same(data, change === 'comment');
        },
      ),
      { numRuns: 2000 },
    );
    for (const data of [
      '{"type":"content_block_delta","index":00,"delta":{"type":"text_delta","text":"a"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}} ',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}}\n',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\\"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\\u0041"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","partial_json":"a"}}',
      '{"type":"content_block_delta","index":123456789012,"delta":{"type":"text_delta","text":"a"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"},"delta":{}}',
      '',
      '[DONE]',
    ])
      same(data);
  });
});
