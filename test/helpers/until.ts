/** Waiting in tests for something that happens in the background (a flush, a file reload). */

/**
 * Polls `check` every `stepMs` until it is true; throws `timed out waiting for <what>` when it
 * is still false after `timeoutMs`.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
  stepMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
