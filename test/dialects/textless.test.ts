/**
 * The bodies that carry no text by design (src/dialects/textless.ts), which
 * `uninspected_endpoints: block` lets through: only their exact shape is textless, so that a
 * member added to one, a value of another form or a member written twice is refused with the rest.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { carriesNoText } from '../../src/dialects/textless.js';

const body = (value: unknown): Buffer =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('carriesNoText', () => {
  test('a blank body and {} hold nothing, at any endpoint', () => {
    for (const text of ['', ' \n', '{}', ' { \n } '])
      assert.equal(carriesNoText('gemini', 'POST', '/v1beta/batches/abc:cancel', body(text)), true, text);
    assert.equal(carriesNoText('openai', 'DELETE', '/v1/files/file-1', body('{}')), true);
    for (const text of ['[]', 'null', '""', '{"a":1}', '{}{}', '{} x'])
      assert.equal(carriesNoText('gemini', 'POST', '/v1beta/batches/abc:cancel', body(text)), false, text);
  });

  test("an OpenAI upload's /complete: part ids and an optional md5, nothing else", () => {
    const complete = (value: unknown, path = '/v1/uploads/upload_abc/complete') =>
      carriesNoText('openai', 'POST', path, body(value));
    assert.equal(complete({ part_ids: ['part_abc', 'part_def'] }), true);
    assert.equal(complete({ part_ids: ['part_abc'], md5: 'd41d8cd98f00b204e9800998ecf8427e' }), true);
    assert.equal(complete('{ "part_ids" : [ "part_abc" ] }\n'), true, 'blanks between tokens');
    assert.equal(complete({ part_ids: ['part_abc'] }, '/uploads/upload_abc/complete'), true, 'without /v1');
    assert.equal(complete({ part_ids: ['part_abc'] }, '/v1/uploads/upload_abc/complete?x=1'), true);

    assert.equal(complete({ part_ids: ['part_abc'], note: 'hi' }), false, 'another member');
    assert.equal(complete({ part_ids: ['/home/alice/notes'] }), false, 'not a part id');
    assert.equal(complete({ part_ids: 'part_abc' }), false, 'not a list');
    assert.equal(complete({ part_ids: ['part_abc'], md5: 'not hex' }), false);
    assert.equal(complete('{"part_ids":["part_abc"],"part_ids":["part_def"]}'), false, 'a member twice');
    assert.equal(
      complete('{"part_ids":["part_abc"],"md5":"x y","md5":"d41d8cd98f00b204e9800998ecf8427e"}'),
      false,
    );
    assert.equal(complete('{"part_ids":["\\u0070art_abc"]}'), false, 'escapes');
    assert.equal(complete('{"__proto__":{"x":1},"part_ids":["part_abc"]}'), false);
    assert.equal(complete('{"part_ids":["part_abc"]'), false, 'not JSON');
    // The same shape elsewhere is no /complete.
    assert.equal(
      carriesNoText('openai', 'POST', '/v1/uploads/upload_abc/parts', body({ part_ids: ['part_a'] })),
      false,
    );
    assert.equal(
      carriesNoText('openai', 'PUT', '/v1/uploads/upload_abc/complete', body({ part_ids: ['part_a'] })),
      false,
    );
    assert.equal(
      carriesNoText('anthropic', 'POST', '/v1/uploads/upload_abc/complete', body({ part_ids: ['part_a'] })),
      false,
    );
  });

  test("a Gemini cache's new lifetime (PATCH ttl or expireTime), nothing else", () => {
    const update = (value: unknown, method = 'PATCH', path = '/v1beta/cachedContents/abc123') =>
      carriesNoText('gemini', method, path, body(value));
    assert.equal(update({ ttl: '7200s' }), true);
    assert.equal(update({ ttl: '1.5s' }, 'PATCH', '/v1/cachedContents/abc123'), true);
    assert.equal(update({ expireTime: '2026-11-29T06:00:00Z' }), true);
    assert.equal(update({ expire_time: '2026-11-29T06:00:00.123+01:00' }), true);

    assert.equal(update({ ttl: '7200s', displayName: 'notes of alice' }), false);
    assert.equal(update({ ttl: 'two hours' }), false);
    assert.equal(update({ ttl: 7200 }), false);
    assert.equal(update({ ttl: '7200s' }, 'POST'), false, 'a POST to a cache is no update');
    assert.equal(update({ ttl: '7200s' }, 'PATCH', '/v1beta/tunedModels/abc123'), false);
  });
});
