/** Loads data for a page and aborts the fetch when the page or its inputs change. */
import { useEffect, useState } from 'preact/hooks';

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
}

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ loading: true });
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(abort.signal).then(
      (data) => setState({ data, loading: false }),
      (err: unknown) => {
        if (!abort.signal.aborted) setState({ error: (err as Error).message, loading: false });
      },
    );
    return () => abort.abort();
  }, deps);
  return state;
}
