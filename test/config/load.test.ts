import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, resolveDataDir } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/yaml-zod.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('defaults: port 8789 on loopback, public provider APIs, 32 MiB body limit', () => {
  const { config } = loadConfig(undefined, {});
  assert.equal(config.listen.port, 8789);
  assert.equal(config.listen.host, '127.0.0.1');
  assert.equal(config.upstreams.anthropic, 'https://api.anthropic.com');
  assert.equal(config.upstreams.openai, 'https://api.openai.com');
  assert.equal(config.upstreams.gemini, 'https://generativelanguage.googleapis.com');
  assert.equal(config.limits.max_body, 32 * 1024 * 1024);
  assert.ok(Object.isFrozen(config.listen), 'config is frozen');
});

test('the file and then the environment override the defaults', () => {
  const path = file(
    'ok.yaml',
    'listen:\n  port: 9000\nupstreams:\n  openai: http://127.0.0.1:1234/v0\nlimits:\n  max_body: 2MiB\n',
  );
  const { config } = loadConfig(path, { AIRLOCK_UPSTREAM_ANTHROPIC: 'http://127.0.0.1:4321' });
  assert.equal(config.listen.port, 9000);
  assert.equal(config.upstreams.openai, 'http://127.0.0.1:1234/v0');
  assert.equal(config.upstreams.anthropic, 'http://127.0.0.1:4321');
  assert.equal(config.limits.max_body, 2 * 1024 * 1024);
});

test('a wrong key is an error naming file, line and key', () => {
  const path = file('typo.yaml', 'listen:\n  port: 9000\nupstreams:\n  antropic: http://x\n');
  assert.throws(
    () => loadConfig(path, {}),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(
        err.message,
        new RegExp(
          `${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:3: upstreams\\.antropic: unknown key "antropic"`,
        ),
      );
      return true;
    },
  );
});

test('a wrong value is an error naming its line and key; every problem is listed', () => {
  const path = file('bad.yaml', 'listen:\n  port: "high"\nlimits:\n  max_body: lots\n');
  assert.throws(
    () => loadConfig(path, {}),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 2);
      assert.match(err.problems[0]!, /bad\.yaml:2:3: listen\.port: /);
      assert.match(err.problems[1]!, /bad\.yaml:4:3: limits\.max_body: "lots" is not a size/);
      return true;
    },
  );
});

test('YAML syntax errors carry the line', () => {
  const path = file('syntax.yaml', 'listen:\n  port: 1\n   host: x\n');
  assert.throws(() => loadConfig(path, {}), /syntax\.yaml:2:9: Nested mappings/);
});

test('an explicit config file that does not exist is an error', () => {
  // A file that cannot be read is not called invalid: the message is the reason, naming it.
  assert.throws(
    () => loadConfig(join(dir, 'missing.yaml'), {}),
    /missing\.yaml: cannot read config file: ENOENT/,
  );
  assert.throws(
    () => loadConfig(join(dir, 'missing.yaml'), {}),
    (err: Error) => !/Invalid/.test(err.message),
  );
});

test('a bad upstream URL from the environment is refused', () => {
  assert.throws(
    () =>
      loadConfig(undefined, {
        AIRLOCK_UPSTREAM_GEMINI: 'ftp://nope',
        AIRLOCK_UPSTREAM_OPENAI: 'http://127.0.0.1:9',
      }),
    (err: Error & { problems?: string[] }) => {
      // Names the one variable at fault, not every upstream variable.
      assert.match(
        String(err.problems ?? err.message),
        /upstreams\.gemini: .*\(from AIRLOCK_UPSTREAM_GEMINI\)/,
      );
      assert.doesNotMatch(String(err.problems ?? err.message), /AIRLOCK_UPSTREAM_OPENAI|ftp:\/\/nope/);
      return true;
    },
  );
});

test('data dir: option, then AIRLOCK_DATA_DIR, then ~/.airlock', () => {
  assert.equal(resolveDataDir('/tmp/x', { AIRLOCK_DATA_DIR: '/tmp/y' }), '/tmp/x');
  assert.equal(resolveDataDir(undefined, { AIRLOCK_DATA_DIR: '/tmp/y' }), '/tmp/y');
  assert.match(resolveDataDir(undefined, {}), /\.airlock$/);
});

test('the example in docs/config.md loads as written, audit settings included', async () => {
  const doc = await readFile(new URL('../../docs/config.md', import.meta.url), 'utf8');
  const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example, 'docs/config.md has a yaml example');
  const { config } = loadConfig(file('documented.yaml', example), {
    AIRLOCK_UPSTREAM_GEMINI: 'http://127.0.0.1:9',
  });
  assert.equal(config.audit?.retain, 90 * 24 * 3600 * 1000);
  assert.equal(config.audit?.store, 'sqlite');
  assert.equal(config.upstreams.anthropic, 'https://api.anthropic.com');
  assert.equal(config.upstreams.gemini, 'http://127.0.0.1:9');
});

test('a size is at least one byte, whether written as a number or a string', () => {
  for (const [value, message] of [
    ['0', '0 is less than 1 byte'],
    ['"0"', '"0" is less than 1 byte'],
    ['"0.4b"', '"0.4b" is less than 1 byte'],
    ['"0KiB"', '"0KiB" is less than 1 byte'],
    ['1.5', '1.5 is not a whole number of bytes'],
  ] as const) {
    const path = file('size.yaml', `limits:\n  max_body: ${value}\n`);
    assert.throws(
      () => loadConfig(path, {}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.problems, [`${path}:2:3: limits.max_body: ${message}`]);
        return true;
      },
      value,
    );
  }
  const { config } = loadConfig(file('small.yaml', 'limits:\n  max_body: "0.5b"\n  max_answer: 1\n'), {});
  assert.equal(config.limits.max_body, 1);
  assert.equal(config.limits.max_answer, 1);
});

test('limits.max_answers_held below limits.max_answer is refused: no answer that large could be held', () => {
  assert.throws(
    () => loadConfig(file('held.yaml', 'limits:\n  max_answer: 64MiB\n  max_answers_held: 32MiB\n'), {}),
    /limits\.max_answers_held must be at least limits\.max_answer/,
  );
  const { config } = loadConfig(
    file('held-ok.yaml', 'limits:\n  max_answer: 8MiB\n  max_answers_held: 8MiB\n'),
    {},
  );
  assert.equal(config.limits.max_answers_held, 8 * 1024 * 1024);
});

test('forensic.max_bytes also takes 0 (off), as a number or a string', () => {
  for (const value of ['0', '"0"', '0KiB']) {
    const { config } = loadConfig(
      file('forensic.yaml', `audit:\n  forensic:\n    max_bytes: ${value}\n`),
      {},
    );
    assert.equal(config.audit?.forensic.max_bytes, 0, value);
  }
  assert.throws(
    () => loadConfig(file('forensic.yaml', 'audit:\n  forensic:\n    max_bytes: -1\n'), {}),
    /forensic\.yaml:3:5: audit\.forensic\.max_bytes: -1 is negative/,
  );
});

test('a wrong audit store is refused with the file, line and key, its password left out', () => {
  const cases: [string, RegExp][] = [
    ['audit:\n  store: mysql://x\n', /:2:3: audit\.store: unsupported audit store "mysql:\/\/x": use sqlite/],
    // The bare form: the line of the `audit` key itself.
    ['audit: mysql://u:hunter2@x\n', /:1:1: audit\.store: unsupported audit store "mysql:\/\/u@x"/],
    [
      'audit:\n  store: "postgres://u:hunter2@[::1"\n',
      /:2:3: audit\.store: the PostgreSQL audit store URL is not a valid URL/,
    ],
    [
      'audit:\n  store: postgres:db\n',
      /:2:3: audit\.store: the PostgreSQL audit store URL is not a valid URL/,
    ],
    [
      'audit:\n  store: postgres://u:hunter2@h/db?schema=Audit-Log\n',
      /:2:3: audit\.store: invalid PostgreSQL schema name "Audit-Log"/,
    ],
    ['audit:\n  store: "sqlite:"\n', /:2:3: audit\.store: "sqlite:" names no file/],
  ];
  for (const [text, expected] of cases) {
    const path = file('store.yaml', text);
    assert.throws(
      () => loadConfig(path, {}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.problems.length, 1);
        assert.match(err.problems[0]!, expected);
        assert.ok(err.problems[0]!.startsWith(`${path}:`), err.problems[0]);
        assert.doesNotMatch(err.message, /hunter2/);
        return true;
      },
      text,
    );
  }
  for (const store of [
    'sqlite',
    'sqlite:/var/lib/airlock/audit.db',
    'audit.db',
    'postgres://u@db:5432/a?schema=airlock',
  ]) {
    assert.equal(
      loadConfig(file('store.yaml', `audit:\n  store: ${store}\n`), {}).config.audit?.store,
      store,
    );
  }
});
