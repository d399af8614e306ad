/**
 * Compiling benchmark servers with tsc, as `npm run build` compiles dist/ (what the `airlock`
 * bin runs). Run through tsx instead, every named closure the code makes per request or
 * connection also passes through tsx's keepNames wrapper (`__name`, a defineProperty call
 * each), a cost the shipped code does not have.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Compiles `files` (paths from the repository root), what they import and all of src/ (as the
 * build does) into bench/tmp/<name>-dist, keeping the repository's layout below it; returns that
 * directory. All of src/, not only what `files` import: worker threads are started from files
 * nothing imports (`startModuleWorker`), and a build without them left the audit's SQLite
 * writer failing to start in every benchmark of the whole product.
 */
export function buildWithTsc(name: string, files: readonly string[]): string {
  const tmp = fileURLToPath(new URL('../tmp/', import.meta.url));
  mkdirSync(tmp, { recursive: true });
  const config = `${tmp}tsconfig.${name}.json`;
  writeFileSync(
    config,
    JSON.stringify({
      extends: '../../tsconfig.build.json',
      compilerOptions: { rootDir: '../..', outDir: `./${name}-dist`, sourceMap: false, noEmitOnError: true },
      include: ['../../src/**/*.ts'],
      files: files.map((f) => `../../${f}`),
    }),
  );
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' });
  return `${tmp}${name}-dist`;
}
