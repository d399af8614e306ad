/**
 * Gemini CLI writes today's date in the user's language into its session context ("Today's
 * date is dimanche 29 novembre 2026 (formatted according to the user's locale)"), which names
 * the locale. The real CLI, run in the made-up environment (LANG=fr_CA.UTF-8, TZ
 * America/Halifax), must reach the provider with that same date in en-US: the locale's
 * surrogate used to be built as for a locale code, which turned the date's first letters into
 * `en` (`enanche 29 novembre 2026`) and left its French month and weekday in the prompt.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RecordedRequest, Reply } from '../../src/simulator/types.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { jsonForSchema, runCli } from '../helpers/cli-runs.js';
import { makeFakeEnv, unshareAvailable, type FakeEnv } from '../helpers/fake-env.js';

const skip = unshareAvailable() ? false : 'needs unshare --uts (root) for the made-up host name';
let fe: FakeEnv;
let stack: AirlockStack;

function script(req: RecordedRequest): Reply {
  const config = (req.json as { generationConfig?: Record<string, unknown> } | undefined)?.generationConfig;
  if (config?.responseMimeType === 'application/json')
    return {
      reply: [{ text: JSON.stringify(jsonForSchema(config.responseJsonSchema ?? config.responseSchema)) }],
    };
  return { reply: [{ text: 'Bonjour.' }] };
}

before(async () => {
  if (skip) return;
  fe = makeFakeEnv();
  stack = await startAirlockStack({ script }, { fe });
});
after(async () => {
  if (skip) return;
  await stack.close();
  fe.cleanup();
});

test(
  "Gemini CLI's date in the user's language reaches the provider as the same date in en-US",
  { skip, timeout: 180_000 },
  async () => {
    const options: Intl.DateTimeFormatOptions = {
      weekday: 'long',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
      timeZone: fe.env.TZ,
    };
    const now = new Date();
    const french = now.toLocaleDateString('fr-CA', options);
    const english = now.toLocaleDateString('en-US', options);
    const result = await runCli('gemini', 'say hello', stack.via, fe);
    assert.equal(result.code, 0, result.output.slice(-2000));
    assert.match(result.output, /Bonjour/);

    const sent = stack.sim.received.map((r) => r.body.toString()).join('\n');
    const dates = [
      ...sent.matchAll(/Today's date is ([^(\\]*) \(formatted according to the user's locale\)/g),
    ];
    assert.ok(dates.length > 0, 'the session context with its date reached the provider');
    for (const [, date] of dates) assert.equal(date, english);
    // Neither the French date nor its weekday or month name is anywhere in what left.
    assert.ok(!sent.includes(french), `the French date left: ${french}`);
    for (const word of french.split(/\s+/).filter((w) => /^\p{L}{3,}$/u.test(w)))
      assert.ok(!new RegExp(`\\b${word}\\b`, 'iu').test(sent), `"${word}" (of ${french}) left`);
  },
);
