/**
 * airlock.yaml goes through the same YAML reader as a policy file (src/config/yaml-zod.ts): an
 * alias bomb and a second document are problems of the file, with its line and column, there
 * too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/yaml-zod.js';
import { ALIAS_BOMB } from '../helpers/yaml-bomb.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-config-yaml-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problems(path: string): readonly string[] {
  try {
    loadConfig(path, {});
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected the config to be refused');
}

test('a config alias bomb is refused at the alias where expanding stopped', () => {
  const path = file('bomb.yaml', ALIAS_BOMB);
  assert.deepEqual(problems(path), [
    `${path}:4:8: aliases expand to too much data here (refused as a possible "alias bomb")`,
  ]);
});

test('a second document in the config file is named at its `---`', () => {
  const path = file('two.yaml', 'listen:\n  port: 9000\n---\nlisten:\n  port: 9001\n');
  assert.deepEqual(problems(path), [
    `${path}:3:1: the file must hold one YAML document; found a second one here`,
  ]);
});
