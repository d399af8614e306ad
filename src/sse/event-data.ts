import type { SseEvent } from './parser.js';

/**
 * The JSON object carried by an event's data, for dialects. `[DONE]` (OpenAI's end marker),
 * comments, empty data and anything that is not JSON give undefined: they carry no text fields.
 */
export function parseEventData(ev: Pick<SseEvent, 'data' | 'comment'>): unknown {
  const data = ev.data;
  if (ev.comment || data === '' || data === '[DONE]') return undefined;
  const first = data.trimStart().charCodeAt(0);
  // Only objects and arrays carry fields; skip JSON.parse's exception path for the rest.
  if (first !== 0x7b && first !== 0x5b) return undefined;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}
