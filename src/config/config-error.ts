/**
 * The error of an invalid config or policy file, apart from the YAML/zod machinery that raises
 * it: the CLI's error handling checks `instanceof ConfigError` without loading yaml and zod.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(file: string, problems: string[]) {
    super(`Invalid ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
