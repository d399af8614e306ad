/**
 * What `airlock policy check` warns about in a valid policy file: keys that load but change
 * nothing, so that nobody relies on them.
 */
import { parseDocument } from 'yaml';
import { keyLocator, type KeyPath } from '../config/yaml-zod.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const DEFAULT_HAS_NO_EFFECT =
  'has no effect: every category has an action (the built-in categories table, which the file ' +
  'extends), so no finding reaches default; set categories.<category> instead';

/** `FILE:line:col: key: warning: ...` for each such key of `text`. */
export function policyWarnings(text: string, file: string): string[] {
  const raw: unknown = parseDocument(text).toJS();
  if (!isRecord(raw)) return [];
  const inert: KeyPath[] = [];
  if ('default' in raw) inert.push(['default']);
  if (Array.isArray(raw.scopes))
    raw.scopes.forEach((scope, i) => {
      if (isRecord(scope) && 'default' in scope) inert.push(['scopes', i, 'default']);
    });
  const locate = keyLocator(text);
  return inert.map((key) => `${file}:${locate(key)}: ${key.join('.')}: warning: ${DEFAULT_HAS_NO_EFFECT}`);
}
