/**
 * Finds the files to scan: the paths given (files, or folders walked recursively without
 * following symlinked folders), or with no path the transcript folders of the current user.
 */
import { readdirSync, type Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ScanWarning } from './types.js';

export interface FoundFile {
  path: string;
  /** What reports call it: relative to the working directory when inside it. */
  display: string;
  /**
   * What fingerprints call it, when not `display`: relative to the baseline's folder, so that a
   * baseline matches whichever folder the scan is run from.
   */
  fingerprintName?: string;
  size: number;
}

/** Where the assistants keep their transcripts (relative to the home folder). */
export const TRANSCRIPT_FOLDERS = [
  '.claude/projects',
  '.codex/sessions',
  '.gemini/tmp',
  '.qwen/projects',
  '.qwen/tmp',
];

/**
 * Codex CLI's SQLite databases in ~/.codex that hold conversation text (readers/sqlite.ts): its
 * threads' history, their titles, memories, goals and queued messages; not its logs.
 */
export const CODEX_DATABASES = /^(thread_history|state|memories|goals|queue)_\d+\.sqlite$/;
export const CODEX_DATABASES_HELP = '~/.codex/{thread_history,state,memories,goals,queue}_N.sqlite';

/** A SQLite database's write-ahead log or shared-memory file: read with the database. */
const SQLITE_SIDE_FILE = /^(.+)-(wal|shm)$/;

/** Folders never worth scanning in a repository: VCS internals and installed packages. */
const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);

/** In the default transcript folders only session-like files are read (not caches or binaries). */
const TRANSCRIPT_FILE = /\.(jsonl|json)(\.gz)?$/i;

export function displayName(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

/**
 * The name a baseline in `baselineDir` knows a file by: relative to that folder, with `/`. Give
 * both with their symlinks resolved (realPathOf), so that a tree reached through a symlinked
 * folder, or a baseline named through one, gives the same names.
 */
export function nameFromBaseline(file: string, baselineDir: string): string {
  return path.relative(baselineDir, file).split(path.sep).join('/');
}

/** An absolute path with its symlinks resolved; the path as given when that fails. */
export async function realPathOf(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return file;
  }
}

export function defaultRoots(home = homedir()): string[] {
  const codex = path.join(home, '.codex');
  let names: string[] = [];
  try {
    names = readdirSync(codex);
  } catch {
    // No ~/.codex: no databases to add.
  }
  const databases = names.filter((n) => CODEX_DATABASES.test(n)).sort();
  return [...TRANSCRIPT_FOLDERS.map((f) => path.join(home, f)), ...databases.map((n) => path.join(codex, n))];
}

export interface Discovery {
  files: FoundFile[];
  warnings: ScanWarning[];
  /** Paths given explicitly that do not exist: an input error. */
  missing: string[];
  /**
   * Files found but not read, each with a warning: not regular files (a FIFO would block the
   * scan, a device is not a file to audit), symlink loops, files that cannot be looked at, and
   * folders that cannot be listed (each counts as one: what they hold is not known).
   */
  skipped: number;
}

/** Why a path that exists could not be looked at. */
function statProblem(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code === 'ELOOP' ? 'symlink loop, skipped' : `unreadable, skipped (${e.message})`;
}

/** A path that is not there (or runs through a file): missing, not unreadable. */
const isAbsent = (err: unknown): boolean =>
  ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

const NOT_REGULAR = 'not a regular file, skipped';

export async function discoverFiles(
  roots: string[],
  cwd: string,
  opts: { transcriptsOnly: boolean; explicit: boolean },
): Promise<Discovery> {
  const out: Discovery = { files: [], warnings: [], missing: [], skipped: 0 };
  const seen = new Set<string>();
  // A file reached twice (a symlink beside its target, or named and inside a named folder) is
  // one file: scanned twice, each of its findings would be reported twice.
  const seenFiles = new Set<string>();
  const add = (file: string, st: Stats): void => {
    // A file system without inode numbers reports 0 for every file: then by path alone.
    const id = st.ino === 0 ? undefined : `${st.dev}:${st.ino}`;
    if (seen.has(file) || (id !== undefined && seenFiles.has(id))) return;
    seen.add(file);
    if (id !== undefined) seenFiles.add(id);
    out.files.push({ path: file, display: displayName(file, cwd), size: st.size });
  };
  const skip = (file: string, message: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    out.warnings.push({ file: displayName(file, cwd), message });
    out.skipped += 1;
  };
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      out.warnings.push({
        file: displayName(dir, cwd),
        message: `folder unreadable, skipped (${(err as Error).message})`,
      });
      out.skipped += 1;
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const names = new Set(entries.map((e) => e.name));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      // Its pages are read through the database beside it; alone they are not text.
      const side = SQLITE_SIDE_FILE.exec(entry.name);
      if (side && names.has(side[1]!) && !entry.isDirectory()) continue;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(full);
        continue;
      }
      if (opts.transcriptsOnly && !TRANSCRIPT_FILE.test(entry.name)) continue;
      let st;
      try {
        st = await stat(full);
      } catch (err) {
        skip(full, statProblem(err));
        continue;
      }
      if (st.isFile()) add(full, st);
      // A symlinked folder is not followed (it may lead back up the tree).
      else if (!st.isDirectory()) skip(full, NOT_REGULAR);
    }
  };
  for (const root of roots) {
    const abs = path.resolve(cwd, root);
    let st;
    try {
      st = await stat(abs);
    } catch (err) {
      if (isAbsent(err)) {
        if (opts.explicit) out.missing.push(root);
      } else {
        skip(abs, statProblem(err));
      }
      continue;
    }
    if (st.isDirectory()) await walk(abs);
    else if (st.isFile()) add(abs, st);
    else skip(abs, NOT_REGULAR);
  }
  return out;
}
