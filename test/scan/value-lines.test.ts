/**
 * The line of each value of a multi-line JSON text, by path: what a finding in a pretty-printed
 * document or HAR entry names as its line.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValueLines } from '../../src/scan/readers/value-lines.js';

describe('ValueLines', () => {
  const text = [
    '{',
    '  "a": "x",',
    '  "empty": {}, "none": [],',
    '  "list": [',
    '    "first",',
    '    {"k\\"ey": "say \\"hi\\" \\\\", "n": -1.5e3},',
    '',
    '    true',
    '  ],',
    '  "after": null,',
    '  "body": "{\\"inner\\": 1}"',
    '}',
  ].join('\r\n');
  const lines = new ValueLines(text, 10);

  it('names the line of each value: strings, numbers, literals, nested and escaped keys', () => {
    assert.equal(lines.lineOf(['a']), 11);
    assert.equal(lines.lineOf(['list', 0]), 14);
    assert.equal(lines.lineOf(['list', 1, 'k"ey']), 15);
    assert.equal(lines.lineOf(['list', 1, 'n']), 15);
    assert.equal(lines.lineOf(['list', 2]), 17);
    assert.equal(lines.lineOf(['after']), 19);
    assert.equal(lines.lineOf(['list']), 13, 'a container: the line it opens on');
    assert.equal(lines.lineOf([]), 10);
  });

  it('empty containers do not shift what follows', () => {
    assert.equal(lines.lineOf(['none']), 12);
    assert.equal(lines.lineOf(['body']), 20);
  });

  it('a path inside a string (a JSON body held in a string) takes the string line', () => {
    assert.equal(lines.lineOf(['body', 'inner']), 20);
    assert.equal(lines.lineOf(['nowhere', 3]), 10);
  });

  it('leaves out the steps that lead to the text in its document', () => {
    const element = new ValueLines('{\n  "request": {\n    "url": "u"\n  }\n}', 7, 3);
    assert.equal(element.lineOf(['log', 'entries', 4, 'request', 'url']), 9);
    assert.equal(element.lineOf(['log', 'entries', 4]), 7);
  });
});
