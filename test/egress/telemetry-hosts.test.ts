import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HOST_GROUPS, hostGroup, isHostGroup } from '../../src/egress/telemetry-hosts.js';
import { parseHostPattern } from '../../src/egress/host-pattern.js';
import { TELEMETRY_OPT_OUTS } from '../../src/run/env.js';

const doc = readFileSync(new URL('../../docs/telemetry-hosts.md', import.meta.url), 'utf8');
/** The pattern as the first cell of a table row (prettier pads cells with spaces). */
const tableCell = (pattern: string) =>
  doc.split('\n').some((line) => line.startsWith('|') && line.split('|')[1]?.trim() === `\`${pattern}\``);

test('every group pattern parses and is in a table of docs/telemetry-hosts.md', () => {
  for (const [name, entries] of Object.entries(HOST_GROUPS)) {
    assert.ok(doc.includes(`\`${name}\``), `${name} is named in the doc`);
    for (const entry of entries) {
      assert.doesNotThrow(() => parseHostPattern(entry.pattern), entry.pattern);
      assert.ok(tableCell(entry.pattern), `${entry.pattern} (${name}) is in a table of the doc`);
      assert.ok(entry.why.length > 10, `${entry.pattern} says why`);
    }
  }
});

test('@telemetry is the union of the per-assistant groups', () => {
  const union = [
    '@telemetry-claude',
    '@telemetry-codex',
    '@telemetry-gemini',
    '@telemetry-qwen',
    '@telemetry-common',
  ].flatMap((g) => hostGroup(g).map((e) => e.pattern));
  assert.deepEqual(
    hostGroup('@telemetry').map((e) => e.pattern),
    union,
  );
  assert.equal(isHostGroup('@nope'), false);
  assert.throws(() => hostGroup('@nope'), /unknown host group/);
});

test('every telemetry opt-out variable airlock run sets is documented', () => {
  for (const name of Object.keys(TELEMETRY_OPT_OUTS)) assert.ok(doc.includes(name), name);
});
