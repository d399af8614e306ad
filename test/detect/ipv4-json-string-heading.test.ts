/**
 * A heading or a step of a spec that starts a JSON string ({"text":"## 10.2.1.3 Introduction"}, a
 * transcript's lines as an array) was reported as an IPv4 address: env.ipv4 reads a quad as a
 * section number only at a line's start, and a JSON string's opening quote was none. A host's
 * status alone in a string ({"output":"10.1.2.3 Refused"}) is still an address.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn } from '../helpers/inspect-message.js';

const addresses = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('env.ipv4'));

const spec = ['From the spec:', '## 10.2.1.3 Introduction', '10.2.1.4 Let x be the value of the property.'];

describe('a quad that starts a JSON string', () => {
  it('is a section number where a heading or a step numbers it', () => {
    const text = spec.join('\n');
    assert.deepEqual(addresses(text), []);
    assert.deepEqual(addresses(JSON.stringify(text).slice(1, -1)), []);
    assert.deepEqual(addresses(JSON.stringify({ text: spec[1] })), []);
    assert.deepEqual(addresses(JSON.stringify({ lines: spec })), []);
    assert.deepEqual(addresses(JSON.stringify(JSON.stringify({ lines: spec })).slice(1, -1)), []);
  });

  it("is an address where it is a host's status or inside a sentence", () => {
    const status = ['10.1.2.3 Refused', '10.1.2.4 OK'];
    const expected = ['env.ipv4 10.1.2.3', 'env.ipv4 10.1.2.4'];
    assert.deepEqual(addresses(status.join('\n')), expected);
    assert.deepEqual(addresses(JSON.stringify({ output: status.join('\n') })), expected);
    assert.deepEqual(addresses(JSON.stringify({ lines: status })), expected);
    assert.deepEqual(addresses(JSON.stringify(JSON.stringify({ lines: status })).slice(1, -1)), expected);
    assert.deepEqual(addresses(JSON.stringify({ text: 'connect to 10.2.1.3 Connection refused' })), [
      'env.ipv4 10.2.1.3',
    ]);
  });
});
