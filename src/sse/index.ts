export { SseParser, SseEventTooLargeError, DEFAULT_MAX_EVENT_SIZE } from './parser.js';
export type { SseEvent, SseParserOptions } from './parser.js';
export { formatEvent, formatComment, encodeEvent, rewriteEvent, SseFieldError } from './writer.js';
export type { SseOutEvent, SseWriteOptions } from './writer.js';
export { parseEventData } from './event-data.js';
