/**
 * An answer read back later is restored through the strings that have a surrogate's shape: every
 * shape generate.ts makes for a small-space kind, at the first attempt, after collisions and in
 * the wide space, must be found in a text that holds it; a secret's stand-in must not be.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ValueKind } from '../../src/detect/types.js';
import { generate, type Resolver } from '../../src/redact/generate.js';
import { addSurrogateCandidates } from '../../src/redact/surrogate-candidates.js';

const VALUES: readonly [ValueKind, string][] = [
  ['home-path', '/home/alice'],
  ['home-path', '/Users/alice'],
  ['home-path', 'C:\\Users\\alice'],
  ['home-path', 'c:/users/alice'],
  ['home-path', 'C:\\\\Users\\\\alice'],
  ['project-path', '/home/alice/src/acme'],
  ['project-path', 'C:\\Users\\alice\\acme'],
  ['project-path', '/srv/acme'],
  ['project-path', 'D:\\work\\acme'],
  ['home-path', '/opt/homes/alice'],
  ['path', '/srv/data/ledger.log'],
  ['path', 'E:\\data\\ledger'],
  ['url', 'http://[not a url'],
  ['hostname', 'build01'],
  ['hostname', 'build01.corp.acme.com'],
  ['username', 'alice'],
  ['person-name', 'Alice Liddell'],
  ['org', 'Acme Widgets'],
  ['cloud-project', 'acme-prod-123'],
  ['email', 'alice@acme.com'],
  ['ipv4', '10.1.2.3'],
  ['ipv6', 'fd00::7'],
  ['mac', 'aa:bb:cc:dd:ee:ff'],
  ['mac', 'AA-BB-CC-DD-EE-FF'],
];

const bytes = { next: () => 7 };

async function surrogateOf(kind: ValueKind, value: string, n: number, attempt: number): Promise<string> {
  // A part (a project's home) is chosen as its own value is, at the same attempt.
  const resolve: Resolver = async (k, v) => (await generate(k, v, bytes, n + 1, attempt)).text;
  return (await generate(kind, value, bytes, n, attempt, resolve)).text;
}

describe('addSurrogateCandidates', () => {
  for (const [kind, value] of VALUES)
    it(`finds every ${kind} surrogate of ${value}`, async () => {
      for (const attempt of [0, 1, 5, 31, 32, 40])
        for (const base of [0, 2, 12_345, 2 ** 32 - 1]) {
          const surrogate = await surrogateOf(kind, value, base + attempt, attempt);
          const found = new Set<string>();
          addSurrogateCandidates(`see "${surrogate}", then (${surrogate}/src/a.ts) and ${surrogate}.`, found);
          assert.ok(
            found.has(surrogate),
            `${surrogate} (attempt ${attempt}) not found: ${[...found].join(' | ')}`,
          );
        }
    });

  it("finds a project's home as well as the project", () => {
    const found = new Set<string>();
    addSurrogateCandidates('cd /home/user-3/project-12/src', found);
    assert.ok(found.has('/home/user-3/project-12'));
    assert.ok(found.has('/home/user-3'));
  });

  it("finds no secret's stand-in", async () => {
    const stand = (await generate('openai-key', `sk-proj-${'a'.repeat(40)}`, bytes, 1, 0)).text;
    const found = new Set<string>();
    addSurrogateCandidates(`OPENAI_API_KEY=${stand}`, found);
    assert.deepEqual([...found], []);
  });
});
