/**
 * A project path the simulator's answer echoes back, split over several events, so that through
 * the gateway every answer carries a surrogate to restore (e2e tests of restoration).
 */
import type { AnswerReply } from '../../src/simulator/types.js';

export const PROJECT = '/home/jdoe-airlock-test/work/billing-service';
export const PROMPT = `My project is at ${PROJECT} now`;

/** The simulator's answer to PROMPT (`shape`: pacing, compression). */
export function echoProject(shape: Omit<AnswerReply, 'reply'> = {}): AnswerReply {
  return {
    reply: [{ text: 'Your project: ' }, { text: { fromRequest: 'project is at (\\S+)' } }, { text: ' ok.' }],
    // A few code points per event: the surrogate is split over several of them.
    chunkSize: 5,
    ...shape,
  };
}

/** One chunk of a Gemini streamGenerateContent answer, as far as its text goes. */
export type GeminiChunk = { candidates: { content: { parts: { text?: string }[] } }[] };

/** The text of a Gemini streamGenerateContent answer (a JSON array of chunks). */
export function geminiArrayText(array: GeminiChunk[]): string {
  return array.map((c) => c.candidates[0]?.content.parts.map((p) => p.text ?? '').join('')).join('');
}
