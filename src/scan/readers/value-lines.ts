/**
 * Where each value of a JSON text that spans several lines starts, by its JSON path: so that a
 * finding in a pretty-printed document (a request body saved with indentation, a browser's HAR
 * entry of a hundred lines) names the line of its own value, not the line where the document or
 * entry begins. A JSON string holds no raw line break, so a string value's line is exact.
 *
 * Worked out only when a finding asks for it (most texts have none), then kept for the others
 * of the same text. Hand-written rather than a JSON parser with positions: this is a tokenizer
 * of a text JSON.parse has already accepted, and needs nothing but line numbers.
 */
import type { JsonPath } from '../../dialects/types.js';

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const SCALAR_END = new Set([COMMA, CLOSE_OBJECT, CLOSE_ARRAY, NEWLINE, 0x20, 0x09, 0x0d]);

export class ValueLines {
  private lines: Map<string, number> | undefined;

  /**
   * @param text a whole JSON value, as parsed
   * @param firstLine the file's line where `text` starts
   * @param prefix how many leading steps of a leaf's path lead to `text` itself (an element's
   *   place in its document) and are not part of the paths inside it
   */
  constructor(
    private text: string,
    private readonly firstLine: number,
    private readonly prefix = 0,
  ) {}

  /**
   * The line of the value at `path`, or of the closest value that contains it (a leaf inside a
   * JSON body held in a string, such as a HAR entry's `postData.text`, takes the string's line).
   */
  lineOf(path: JsonPath): number {
    this.lines ??= this.tokenize();
    for (let end = path.length; end >= this.prefix; end -= 1) {
      const line = this.lines.get(JSON.stringify(path.slice(this.prefix, end)));
      if (line !== undefined) return line;
    }
    return this.firstLine;
  }

  private tokenize(): Map<string, number> {
    const { text } = this;
    const lines = new Map<string, number>();
    const path: (string | number)[] = [];
    const inArray: boolean[] = [];
    let line = this.firstLine;
    let expectingKey = false;
    const n = text.length;
    for (let i = 0; i < n; i += 1) {
      const c = text.charCodeAt(i);
      if (c === NEWLINE) {
        line += 1;
      } else if (c === QUOTE) {
        let end = i + 1;
        while (end < n) {
          const d = text.charCodeAt(end);
          if (d === QUOTE) break;
          end += d === BACKSLASH ? 2 : 1;
        }
        if (expectingKey) {
          path[path.length - 1] = JSON.parse(text.slice(i, end + 1)) as string;
          expectingKey = false;
        } else {
          lines.set(JSON.stringify(path), line);
        }
        i = end;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        lines.set(JSON.stringify(path), line);
        const array = c === OPEN_ARRAY;
        inArray.push(array);
        path.push(array ? 0 : '');
        expectingKey = !array;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        inArray.pop();
        path.pop();
        expectingKey = false;
      } else if (c === COMMA) {
        if (inArray[inArray.length - 1]) path[path.length - 1] = (path[path.length - 1] as number) + 1;
        else expectingKey = true;
      } else if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== COLON) {
        // A number, true, false or null: on one line, ended by a delimiter or white space.
        lines.set(JSON.stringify(path), line);
        while (i + 1 < n && !SCALAR_END.has(text.charCodeAt(i + 1))) i += 1;
      }
    }
    // The text is no longer needed once its lines are known.
    this.text = '';
    return lines;
  }
}
