/**
 * The error of a config or policy file that is invalid or cannot be read, apart from the
 * YAML/zod machinery that raises the first: the CLI's error handling checks
 * `instanceof ConfigError` without loading yaml and zod.
 */
import { readFileSync } from 'node:fs';

export class ConfigError extends Error {
  readonly problems: readonly string[];
  /** `unreadable`: the file could not be read at all (one problem, naming it), not invalid. */
  constructor(file: string, problems: string[], kind: 'invalid' | 'unreadable' = 'invalid') {
    super(kind === 'unreadable' ? problems.join('\n') : `Invalid ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }

  /** A `what` file that could not be read: one line naming it and the reason. */
  static unreadable(file: string, what: 'config' | 'policy', err: unknown): ConfigError {
    return new ConfigError(
      file,
      [`${file}: cannot read ${what} file: ${(err as Error).message}`],
      'unreadable',
    );
  }
}

/** The text of a config or policy file; a file that cannot be read is a ConfigError naming it. */
export function readConfigText(file: string, what: 'config' | 'policy'): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw ConfigError.unreadable(file, what, err);
  }
}
