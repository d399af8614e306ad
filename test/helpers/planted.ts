/**
 * Values planted in a request to show that none reaches the provider: a made-up machine's
 * project path, user and host names (learnt as canaries, see canariesOf) and an API key written
 * in the text. With BLOCKING_POLICY, requests from the BLOCKING_CLIENT user agent are refused
 * for the key instead, so that one gateway shows both outcomes.
 */
import type { FakeEnv } from './fake-env.js';
import type { Simulator } from '../../src/simulator/types.js';

/** An OpenAI project key's shape (secret.openai-key), made up. */
export const PLANTED_KEY = `sk-proj-${'Q7vR2mK9tZ4wX1cB8nL5pH3jF6dG0sA'.repeat(2)}`;

export const BLOCKING_CLIENT = 'airlock-block-test/1.0';

/** The built-in policy, but secrets in requests of BLOCKING_CLIENT are refused. */
export const BLOCKING_POLICY = `scopes:
  - match: { client: ['airlock-block-test/*'] }
    categories: { secret: block }
`;

/** A prompt naming every planted value. */
export function plantedText(fe: FakeEnv): string {
  return (
    `Working directory: ${fe.project}\n` +
    `Logged in on ${fe.host} as ${fe.user}.\n` +
    `OPENAI_API_KEY=${PLANTED_KEY}\n`
  );
}

export function plantedValues(fe: FakeEnv): string[] {
  return [fe.home, fe.user, fe.host, PLANTED_KEY];
}

/** The planted values (shortened) found in anything the simulator received: path, headers, body. */
export function leaks(sim: Simulator, values: readonly string[]): string[] {
  const everything = sim.received
    .map((r) => `${r.path}\n${JSON.stringify(r.headers)}\n${r.body.toString('latin1')}\n${r.body.toString()}`)
    .join('\n');
  return values.filter((v) => everything.includes(v)).map((v) => `${v.slice(0, 8)}…`);
}
