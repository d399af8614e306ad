/** Masked previews: enough to tell two values apart, never the value; secrets keep less. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { maskValue, visible } from '../../src/detect/mask.js';

describe('maskValue', () => {
  it('keeps up to three characters at the start and two at the end, fewer for short values', () => {
    assert.equal(maskValue('/home/jdoe/projects', false), '/ho…ts');
    assert.equal(maskValue('/home/jdoe', false), '/h…oe');
    assert.equal(maskValue('Linux', false), 'L…x');
    assert.equal(maskValue('x64', false), '…');
  });

  it('keeps at most two at each end of a secret, one under 16 characters, none under 8', () => {
    assert.equal(maskValue('AKIAQ3EGZ7PLXN4TRW6M', true), 'AK…6M');
    assert.equal(maskValue('Zq81-kLmT0pXv44-uuRw9', true), 'Zq…w9');
    assert.equal(maskValue('hunter2hunter', true), 'h…r');
    assert.equal(maskValue('hunter2', true), '… (7 chars)');
    assert.equal(maskValue('abc', true), '…');
  });

  it('counts characters, not UTF-16 units: an emoji is never cut in half', () => {
    assert.equal(maskValue('😀😀😀😀😀😀😀😀', false), '😀😀…😀😀');
  });

  it('shows the invisible characters of a value that is not a secret, as code points', () => {
    assert.equal(maskValue('\u200B\u200C', false), '\\u{200B}\\u{200C}');
    assert.equal(maskValue('a\u{E0041}\u{E0042}', false), 'a\\u{E0041}\\u{E0042}');
    assert.equal(
      maskValue('plain value with no tricks', false),
      'pla…ks',
      'no regex state kept between calls',
    );
    assert.equal(maskValue('\u200B'.repeat(40), false).length, 48);
    assert.equal(visible('tab\t'), 'tab\\u{9}');
  });

  it('a secret with invisible characters is masked like any secret', () => {
    assert.equal(maskValue('sk-live-\u200B4f9a8b7c6d5e4f3a', true), 'sk…3a');
  });

  it('never shows more than five characters of a value, nor two-thirds of a short one', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 0, maxLength: 80 }),
        fc.boolean(),
        (value, secret) => {
          const masked = maskValue(value, secret);
          if (!secret && /[\p{Cc}\p{Cf}]/u.test(value)) return;
          const shown = Array.from(masked.replace(/… \(\d+ chars\)|…/u, '')).length;
          const n = Array.from(value).length;
          assert.ok(shown <= (secret ? 4 : 5), `${JSON.stringify(value)} → ${JSON.stringify(masked)}`);
          assert.ok(
            shown === 0 || shown * 3 <= n * 2,
            `${JSON.stringify(value)} → ${JSON.stringify(masked)}`,
          );
        },
      ),
    );
  });
});
