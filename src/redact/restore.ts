/**
 * The restorer the inspector hands to the gateway for one request's answer: built from the
 * surrogates that request used (each turn resends the whole conversation, so those are all the
 * model can have seen).
 */
import type { Dialect } from '../dialects/types.js';
import type { Restorer } from '../gateway/inspector.js';
import { SurrogateMatcher, type RestoreEntry } from './matcher.js';
import { createStreamRestorer } from './restore-stream.js';
import { isToolField, restoreWhole, type RestoreOptions } from './restore-text.js';

export type { RestoreOptions } from './restore-text.js';

export function createRestorer(
  dialect: Dialect,
  entries: Iterable<RestoreEntry>,
  options: RestoreOptions,
): Restorer | undefined {
  const matcher = new SurrogateMatcher(entries);
  if (matcher.size === 0) return undefined;
  return {
    json(answer: unknown): void {
      for (const field of dialect.answerFields(answer)) {
        const secrets = options.secretsInToolCalls && isToolField(field);
        const restored = restoreWhole(matcher, field.text, field.json, secrets);
        if (restored !== field.text) field.set(restored);
      }
    },
    stream: () => createStreamRestorer(dialect, matcher, options),
  };
}
