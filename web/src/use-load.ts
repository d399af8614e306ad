/** Loads data for a page and aborts the fetch when the page or its inputs change. */
import { useLayoutEffect, useState } from 'preact/hooks';

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
}

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ loading: true });
  // A layout effect: it runs as soon as the page is rendered, where an effect waits for the next
  // frame, which a loaded browser draws hundreds of milliseconds later (the fetch, or the answer
  // web/public/boot.js already has, would wait with it).
  useLayoutEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(abort.signal).then(
      // An answer that outlived its page or inputs (the boot script's cannot be aborted) is dropped.
      (data) => {
        if (!abort.signal.aborted) setState({ data, loading: false });
      },
      (err: unknown) => {
        if (!abort.signal.aborted) setState({ error: (err as Error).message, loading: false });
      },
    );
    return () => abort.abort();
  }, deps);
  return state;
}
