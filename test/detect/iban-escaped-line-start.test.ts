/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) an IBAN at a line's
 * start (a column of a CSV file cut out by a tool) was not found: pii.iban took the n of the
 * escaped line break before it for part of a word, so the account left as written, while the same
 * lines unescaped were redacted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ cut -d, -f4 payees.csv',
  'GB09BARC20038461927364',
  '$ cut -f2 suppliers.tsv',
  '\tPL61109010140000071219812874',
].join('\n');

const found = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('pii.iban '));

describe('an IBAN at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = ['pii.iban GB09BARC20038461927364', 'pii.iban PL61109010140000071219812874'];
    assert.deepEqual(found(output), expected);
    assert.deepEqual(found(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(found(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(found(JSON.stringify({ output: 'C:\\nGB09BARC20038461927364' })), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['GB09BARC20038461927364', 'PL61109010140000071219812874'])
      assert.ok(!r.sent.includes(real), r.sent);
  });
});
