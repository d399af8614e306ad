/**
 * A server command's stdout carries its banner (and the simulator's request lines) only: a
 * reader that stops reading (`airlock start | grep -m1 listening`, a script waiting for the
 * banner) must not take the server down with it. Unhandled, the write's EPIPE ended the process
 * with a stack trace while assistants were pointed at it. Later writes to the closed pipe are
 * dropped; any other stdout error is still thrown.
 */
export function keepServingWhenStdoutCloses(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}
