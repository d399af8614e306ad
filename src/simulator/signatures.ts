/**
 * Signatures over the model's own reasoning, as the providers give them (an Anthropic thinking
 * block's `signature`, a Gemini part's `thoughtSignature`) and check them: a request that sends
 * such text back changed is refused, so a gateway that edits it is caught here as it would be
 * by the real API. Only signatures this simulator minted are checked: recorded captures carry
 * real providers' ones, which it cannot verify and accepts as they are.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** The simulator's own signing key, new with each process, as a provider's is its secret. */
const KEY = randomBytes(32);
const MINTED = 'AirlockSim1';

export function signText(text: string): string {
  return MINTED + createHmac('sha256', KEY).update(text, 'utf8').digest('base64');
}

/** False only for a signature this simulator minted over other text. */
export function signatureHolds(text: string, signature: string): boolean {
  return !signature.startsWith(MINTED) || signature === signText(text);
}
