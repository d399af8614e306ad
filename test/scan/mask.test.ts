/** Masked previews show enough to tell findings apart, never the value; invisible characters become visible. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fingerprint, maskValue, revealValue } from '../../src/scan/mask.js';

describe('mask', () => {
  it('keeps a few characters at each end, fewer for short values', () => {
    assert.equal(maskValue('AKIAQ3EGZ7PLXN4TRW6M'), 'AKI…6M');
    assert.equal(maskValue('/home/jdoe'), '/h…oe');
    assert.equal(maskValue('Linux'), 'L…x');
    assert.equal(maskValue('x64'), '***');
  });

  it('shows hidden characters as code points, in previews and revealed values', () => {
    assert.equal(maskValue('\u200B\u200C'), '\\u{200B}\\u{200C}');
    assert.equal(maskValue('a\u{E0041}\u{E0042}'), 'a\\u{E0041}\\u{E0042}');
    assert.equal(revealValue('tab\there\u202E'), 'tab\\there\\u{202E}');
    assert.equal(
      maskValue('plain value with no tricks'),
      'pla…ks',
      'the regex state does not leak between calls',
    );
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
