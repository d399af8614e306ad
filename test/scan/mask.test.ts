/** Fingerprints and revealed values (masked previews: test/detect/mask.test.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fingerprint, revealValue } from '../../src/scan/mask.js';

describe('mask', () => {
  it('reveals values with their invisible characters escaped', () => {
    assert.equal(revealValue('tab\there\u202E'), 'tab\\there\\u{202E}');
  });

  it('fingerprints change with key, rule, file and value, and not otherwise', () => {
    const base = fingerprint('k', 'r', 'f', 'v');
    assert.equal(fingerprint('k', 'r', 'f', 'v'), base);
    for (const other of [
      fingerprint('k2', 'r', 'f', 'v'),
      fingerprint('k', 'r2', 'f', 'v'),
      fingerprint('k', 'r', 'f2', 'v'),
      fingerprint('k', 'r', 'f', 'v2'),
    ])
      assert.notEqual(other, base);
    assert.notEqual(fingerprint('k', 'r', 'f\0x', 'v'), fingerprint('k', 'r', 'f', 'x\0v'));
  });
});
