/** Policy: the policy in force, when it was loaded, and the last reload that failed. */
import { api } from '../api.js';
import { ago, fullTime } from '../format.js';
import { useLoad } from '../use-load.js';

export function Policy() {
  const { data, error } = useLoad((signal) => api.policy(signal), []);
  return (
    <main>
      <header class="page-head">
        <h2>Policy</h2>
      </header>
      {error ? <p class="error">{error}</p> : null}
      {data ? (
        <>
          <section class="card">
            <dl class="facts">
              <dt>Source</dt>
              <dd>{data.source ?? 'not reported'}</dd>
              <dt>Mode</dt>
              <dd>{data.mode ?? 'not reported'}</dd>
              <dt>Loaded</dt>
              <dd>{data.loadedAt ? `${fullTime(data.loadedAt)} (${ago(data.loadedAt)})` : 'not reported'}</dd>
            </dl>
          </section>
          {data.lastError ? (
            <section class="card error-box" data-testid="policy-error">
              <h3 title={fullTime(data.lastError.at)}>Last reload failed {ago(data.lastError.at)}</h3>
              <p>
                {data.loadedAt && Date.parse(data.loadedAt) > Date.parse(data.lastError.at)
                  ? 'A later version loaded; it is the one below.'
                  : 'The policy below stayed in force.'}
              </p>
              <pre>{data.lastError.message}</pre>
            </section>
          ) : null}
          {data.atNextStart?.length ? (
            <section class="card error-box" data-testid="policy-at-next-start">
              <h3>Waiting for a restart</h3>
              <p>
                {data.atNextStart.join(' and ')} in the text below{' '}
                {data.atNextStart.length > 1 ? 'are' : 'is'} read at start only: the gateway still uses the{' '}
                {data.atNextStart.length > 1 ? 'values' : 'value'} it started with until it is restarted.
              </p>
            </section>
          ) : null}
          <section class="card">
            <h3>Policy in force</h3>
            {data.text ? (
              <pre class="policy">{data.text}</pre>
            ) : (
              <p class="muted">The gateway did not report a policy text.</p>
            )}
          </section>
        </>
      ) : null}
    </main>
  );
}
