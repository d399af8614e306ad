/**
 * The `airlock` binary loads only what the command it runs needs: `--help` registers every
 * command without importing the gateway, the audit stores or the scanner, and `scan` does not
 * import the gateway. Checked without timing: a child process records every module URL that
 * ESM resolution returns (a `module.register()` resolve hook, chained after tsx), runs main(),
 * and the test reads the list.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'airlock-lazy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HOOK = join(dir, 'record-resolve.mjs');
writeFileSync(
  HOOK,
  `import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(out, result.url + '\\n');
  return result;
}
`,
);

/** Runs main(argv) in a child with the recording hook; the resolved URLs, exit code and output. */
function resolvedBy(name: string, argv: string[]): { urls: string[]; code: number; stdout: string } {
  const out = join(dir, `${name}.txt`);
  writeFileSync(out, '');
  const script = [
    "import { register } from 'node:module';",
    `register(${JSON.stringify(pathToFileURL(HOOK).href)}, { data: { out: ${JSON.stringify(out)} } });`,
    `const { main } = await import(${JSON.stringify(MAIN)});`,
    `process.exitCode = await main(${JSON.stringify(argv)});`,
  ].join('\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
  assert.equal(r.error, undefined);
  const urls = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  return { urls, code: r.status ?? -1, stdout: r.stdout };
}

/** Modules only the gateway, the proxy or the audit stores need. */
const GATEWAY_ONLY = [
  '/src/app.ts',
  '/src/gateway/',
  '/node_modules/undici/',
  '/node_modules/better-sqlite3/',
  '/node_modules/pg/',
  '/node_modules/ioredis/',
];

function loaded(urls: string[], fragments: string[]): string[] {
  return fragments.filter((f) => urls.some((u) => u.includes(f)));
}

test('airlock --help registers every command without loading any implementation', () => {
  const { urls, code, stdout } = resolvedBy('help', ['--help']);
  assert.equal(code, 0);
  assert.match(stdout, /scan \[options\] \[paths\.\.\.\]/);
  // The hook sees the CLI's own modules (so an empty list cannot pass).
  assert.ok(
    urls.some((u) => u.endsWith('/src/cli/register/scan.ts')),
    'hook recorded the CLI modules',
  );
  assert.deepEqual(
    loaded(urls, [
      ...GATEWAY_ONLY,
      '/src/scan/run.ts',
      '/src/policy/',
      '/src/audit/',
      '/src/run/run.ts',
      '/node_modules/yaml/',
      '/node_modules/zod/',
    ]),
    [],
  );
});

test('airlock scan loads the scanner but not the gateway', () => {
  const file = join(dir, 'request.json');
  writeFileSync(file, JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] }));
  const { urls, code, stdout } = resolvedBy('scan', ['scan', file, '--format', 'json', '--no-progress']);
  assert.equal(code, 0);
  assert.equal((JSON.parse(stdout) as { findings: unknown[] }).findings.length, 0);
  assert.ok(
    urls.some((u) => u.endsWith('/src/scan/run.ts')),
    'the scanner was loaded',
  );
  assert.deepEqual(loaded(urls, GATEWAY_ONLY), []);
});
