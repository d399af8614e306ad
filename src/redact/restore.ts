/**
 * The restorer the inspector hands to the gateway for one request's answer: built from the
 * surrogates that request used (each turn resends the whole conversation, so those are all the
 * model can have seen).
 */
import { BoundedMemo } from '../bounded-memo.js';
import type { Dialect } from '../dialects/types.js';
import type { Restorer } from '../gateway/inspector.js';
import { SurrogateMatcher, type RestoreEntry } from './matcher.js';
import { createStreamRestorer } from './restore-stream.js';
import { isToolField, restoreWhole, type RestoreOptions } from './restore-text.js';

export type { RestoreOptions } from './restore-text.js';

/**
 * Matchers of recent entry lists. Every turn of a conversation uses the same surrogates (they are
 * deterministic), so its trie and first-character class are built once, not per request. A
 * matcher holds no state between calls: one may serve any number of answers at once.
 */
const matchers = new BoundedMemo<string, SurrogateMatcher>(64, 'oldest');

function matcherFor(entries: Iterable<RestoreEntry>): SurrogateMatcher {
  const list = [...entries];
  let key = '';
  for (const e of list) key += `${e.surrogate}\u0000${e.original}\u0000${e.secret ? 1 : 0}\u0000`;
  let matcher = matchers.get(key);
  if (matcher === undefined) {
    matcher = new SurrogateMatcher(list);
    matchers.set(key, matcher);
  }
  return matcher;
}

export function createRestorer(
  dialect: Dialect,
  entries: Iterable<RestoreEntry>,
  options: RestoreOptions,
): Restorer | undefined {
  if (dialect.textlessAnswer) return undefined;
  const matcher = matcherFor(entries);
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
