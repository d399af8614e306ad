/**
 * The locale's surrogate: a locale code keeps its form in en-US; a date written in the user's
 * language (Gemini CLI's session context) becomes the same date in en-US, instead of a locale
 * code's treatment that replaced its first letters with `en` and kept the rest.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localeShape } from '../../src/redact/shapes.js';

test('locale codes keep their form', () => {
  assert.equal(localeShape('de_DE.UTF-8'), 'en_US.UTF-8');
  assert.equal(localeShape('fr_CA.utf8'), 'en_US.utf8');
  assert.equal(localeShape('de-DE'), 'en-US');
  assert.equal(localeShape('sr_RS@latin'), 'en_US@latin');
});

test('a date in the user’s language becomes the same date in en-US', () => {
  assert.equal(localeShape('dimanche 29 novembre 2026'), 'Sunday, November 29, 2026');
  assert.equal(localeShape('Sonntag, 29. November 2026'), 'Sunday, November 29, 2026');
  assert.equal(localeShape('środa, 25 listopada 2026'), 'Wednesday, November 25, 2026');
  assert.equal(localeShape('dimanche 5 juillet 2026'), 'Sunday, July 5, 2026');
  assert.equal(localeShape('2026年11月29日日曜日'), 'Sunday, November 29, 2026');
  assert.equal(localeShape('2026년 11월 29일 일요일'), 'Sunday, November 29, 2026');
  // A region's own spelling not in the list is still read by its month name.
  assert.equal(localeShape('domingo 29 de noviembre de 2026'), 'Sunday, November 29, 2026');
  assert.equal(localeShape('no date here'), 'en-US');
});
