/**
 * A private address at a line's start followed by one word (`10.1.2.3 Refused`, `10.1.2.4 OK`:
 * what a loop checking hosts prints) was taken for a section number, its parts being small, and
 * left the gateway. A section's heading has a title and a step a sentence: one word alone on the
 * line is a status, and the quad an address. Marked headings and titled sections stay numbers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const check = [
  '$ for h in 10.1.2.3 10.1.2.4 10.1.2.5; do nc -z -w1 $h 22 && echo "$h OK" || echo "$h Refused"; done',
  '10.1.2.3 Refused',
  '10.1.2.4 OK',
  '10.1.2.5 Unreachable.',
].join('\n');

describe('a private address alone on a line with one word', () => {
  it('is an address, not a section number', () => {
    assert.deepEqual(
      findingsIn('10.1.2.3 Refused').filter((f) => f.startsWith('env.ipv4')),
      ['env.ipv4 10.1.2.3'],
    );
    const found = findingsIn(check.split('\n').slice(1).join('\n'));
    assert.deepEqual(found, ['env.ipv4 10.1.2.3', 'env.ipv4 10.1.2.4', 'env.ipv4 10.1.2.5']);
  });

  it('leaves titled and marked headings as section numbers', () => {
    for (const text of [
      '10.1.6.3 ValidateAndApplyPropertyDescriptor ( O, P )\n',
      'intro\n  10.2.1.3 Let x be the input',
      '## 10.2.1.3 Introduction',
      ' * 10.2.1.3 Overview',
      '10.2.1.3. Introduction',
    ])
      assert.deepEqual(findingsIn(text), [], text);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(check);
    for (const real of ['10.1.2.3', '10.1.2.4', '10.1.2.5']) assert.ok(!r.sent.includes(real), r.sent);
    assert.equal(r.answer(r.sent), check);
  });
});
