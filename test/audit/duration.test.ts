/** Time arguments for --since / --until and retention. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration, parseTimeArg, TimeArgError } from '../../src/audit/duration.js';

describe('audit time arguments', () => {
  const now = Date.parse('2026-05-10T12:00:00Z');
  it('reads durations back from now', () => {
    assert.equal(parseTimeArg('24h', '--since', now).toISOString(), '2026-05-09T12:00:00.000Z');
    assert.equal(parseTimeArg('7d', '--since', now).toISOString(), '2026-05-03T12:00:00.000Z');
    assert.equal(parseTimeArg('90s', '--since', now).toISOString(), '2026-05-10T11:58:30.000Z');
    assert.equal(parseDuration('90d'), 90 * 86_400_000);
    assert.equal(parseDuration('2w'), 14 * 86_400_000);
    assert.equal(parseDuration('0d'), undefined);
    assert.equal(parseDuration('1y'), undefined);
  });
  it('reads ISO 8601 times, UTC when no offset is given', () => {
    assert.equal(parseTimeArg('2026-01-31', '--since').toISOString(), '2026-01-31T00:00:00.000Z');
    assert.equal(parseTimeArg('2026-01-31T08:30', '--since').toISOString(), '2026-01-31T08:30:00.000Z');
    assert.equal(
      parseTimeArg('2026-01-31T08:30:00+02:00', '--since').toISOString(),
      '2026-01-31T06:30:00.000Z',
    );
  });
  it('rejects a day or time of day that does not exist instead of rolling it over', () => {
    for (const bad of [
      '2026-02-30',
      '2026-04-31',
      '2026-02-29',
      '2026-00-10',
      '2026-01-31T24:00Z',
      '2026-01-31T23:60',
      '2026-01-31T23:59:60Z',
      '2026-04-31T12:00:00+02:00',
    ]) {
      assert.throws(
        () => parseTimeArg(bad, '--since'),
        (err: unknown) =>
          err instanceof TimeArgError && err.message.startsWith(`invalid --since "${bad}": no such date`),
        bad,
      );
    }
    assert.equal(parseTimeArg('2024-02-29', '--since').toISOString(), '2024-02-29T00:00:00.000Z');
    assert.equal(parseTimeArg('2026-12-31 23:59:59', '--until').toISOString(), '2026-12-31T23:59:59.000Z');
    assert.equal(parseTimeArg('0099-01-01', '--since').toISOString(), '0099-01-01T00:00:00.000Z');
  });
  it('rejects anything else, naming the option', () => {
    for (const bad of ['', 'now', '-1d', '2026-02-30T25:00Z', '2026/01/31', '1.5h']) {
      assert.throws(
        () => parseTimeArg(bad, '--until'),
        (err: unknown) => err instanceof TimeArgError && /--until/.test(err.message),
        bad,
      );
    }
  });
});
