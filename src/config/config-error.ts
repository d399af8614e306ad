/**
 * The error of an invalid config or policy file, apart from the YAML/zod machinery that raises
 * it: the CLI's error handling checks `instanceof ConfigError` without loading yaml and zod.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  /** `unreadable`: the file could not be read at all (one problem, naming it), not invalid. */
  constructor(file: string, problems: string[], kind: 'invalid' | 'unreadable' = 'invalid') {
    super(kind === 'unreadable' ? problems.join('\n') : `Invalid ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
