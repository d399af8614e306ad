/** `FILE:line:col: ...` problems sorted by line and column (zod lists them in schema order). */
export function byPosition(file: string, problems: readonly string[]): string[] {
  const place = (problem: string): [number, number] => {
    const m = problem.startsWith(`${file}:`) ? /^(\d+):(\d+): /.exec(problem.slice(file.length + 1)) : null;
    // A problem without a place (the file as a whole) comes last.
    return m ? [Number(m[1]), Number(m[2])] : [Number.MAX_SAFE_INTEGER, 0];
  };
  return problems
    .map((problem) => ({ problem, at: place(problem) }))
    .sort((a, b) => a.at[0] - b.at[0] || a.at[1] - b.at[1])
    .map((p) => p.problem);
}
