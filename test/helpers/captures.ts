/** The requests captured from the real assistant CLIs (test/fixtures/captures), by CLI. */
import { readFileSync } from 'node:fs';
import type { Provider } from '../../src/errors.js';

export interface Capture {
  cli: string;
  /** The made-up values planted in the environment the CLI ran in, by name. */
  planted: Record<string, string>;
  requests: { method: string; path: string; headers: Record<string, string>; body: unknown }[];
}

/** Each captured CLI and the provider its requests are for. */
export const CAPTURED_CLIS: Record<string, Provider> = {
  claude: 'anthropic',
  codex: 'openai',
  gemini: 'gemini',
  qwen: 'openai',
};

export function loadCapture(cli: string): Capture {
  const url = new URL(`../fixtures/captures/${cli}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Capture;
}
