/**
 * Why a record is not JSON, for a warning. V8 quotes the text around an unexpected token
 * (`Unexpected token 'A', "AKIAQ3EGZ7"... is not valid JSON`), and that text is the record's
 * own: a secret, printed unmasked in every report format, or terminal control bytes. Only V8's
 * words and the token are kept; a control character is written as an escape.
 */
export function jsonErrorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const token = /^Unexpected token '([\s\S])', [\s\S]* is not valid JSON$/.exec(message);
  if (token) return `Unexpected token ${printable(token[1]!)}`;
  if (/ is not valid JSON$/.test(message)) return 'not valid JSON';
  // The other messages name a position and at most a JSON punctuation mark ("Expected ',' or '}'
  // after property value in JSON at position 6"): nothing of the record itself.
  return message;
}

function printable(char: string): string {
  const code = char.charCodeAt(0);
  return code < 0x20 || (code >= 0x7f && code < 0xa0)
    ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
    : `'${char}'`;
}
