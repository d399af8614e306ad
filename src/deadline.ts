/**
 * A bound in time on a promise: the store append, the audit stream's wait on PostgreSQL and the
 * inspection all give up on what does not answer, each with its own error.
 */

/**
 * `pending`, or a rejection with `late()`'s error once it has taken `ms`; what `pending` does
 * after that is ignored. The timer is cleared when it settles first. (A plain promise and one
 * `then`, not Promise.race in an async function: the inspection is on every request's path.)
 */
export function withinMs<T>(pending: Promise<T>, ms: number, late: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(late()), ms);
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err as Error);
      },
    );
  });
}
