/**
 * Text from scanned files (file names, JSON paths, revealed values, warnings) shown on a
 * terminal: a control character in it (ESC, BEL, a C1 code) would be obeyed, not shown (a file
 * named with an escape sequence can set the window title or hide lines). Each is written as an
 * escape instead; the JSON, SARIF and HTML reports keep the text as it is.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function terminalSafe(text: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
