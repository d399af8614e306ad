/**
 * OpenAI Chat Completions: POST /v1/chat/completions (JSON, or SSE chunks ending in `[DONE]`).
 * https://platform.openai.com/docs/api-reference/chat
 */
import type { AnswerField, Dialect, Role, Segment } from './types.js';
import {
  addUrl,
  addLeaves,
  addText,
  arrayOf,
  asksForStream,
  fieldAt,
  isObject,
  modelInBody,
  SCHEMA_STRUCTURE_KEYS,
  TOOL,
  WHOLE,
  WHOLE_TOOL,
} from './walk.js';

const ROLES: Readonly<Record<string, Role>> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  assistant: 'assistant',
  tool: 'tool_result',
  function: 'tool_result',
};

/** Top-level request fields that identify the end user or the session. */
const ID_FIELDS = ['user', 'safety_identifier', 'prompt_cache_key'] as const;

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  arrayOf(body.messages).forEach((message, i) => {
    if (!isObject(message)) return;
    const role = ROLES[String(message.role)] ?? 'user';
    const path = ['messages', i];
    // `name` is a free participant name: often the user's own.
    addText(out, message, 'name', path, 'metadata');
    if (typeof message.content === 'string') addText(out, message, 'content', path, role);
    else {
      arrayOf(message.content).forEach((part, j) => {
        if (!isObject(part)) return;
        const at = [...path, 'content', j];
        if (part.type === 'text') addText(out, part, 'text', at, role);
        // An image or a file by its address or name; their bytes are no text.
        else if (part.type === 'image_url' && isObject(part.image_url))
          addUrl(out, part.image_url, 'url', [...at, 'image_url'], role);
        else if (part.type === 'file' && isObject(part.file))
          addText(out, part.file, 'filename', [...at, 'file'], role);
      });
    }
    arrayOf(message.tool_calls).forEach((call, j) => {
      if (isObject(call) && isObject(call.function)) {
        addText(out, call.function, 'arguments', [...path, 'tool_calls', j, 'function'], 'tool_use');
      }
    });
    if (isObject(message.function_call)) {
      addText(out, message.function_call, 'arguments', [...path, 'function_call'], 'tool_use');
    }
  });
  arrayOf(body.tools).forEach((tool, i) => {
    if (!isObject(tool) || !isObject(tool.function)) return;
    const path = ['tools', i, 'function'];
    addText(out, tool.function, 'name', path, 'tool_definition');
    addText(out, tool.function, 'description', path, 'tool_definition');
    addLeaves(
      out,
      tool.function.parameters,
      [...path, 'parameters'],
      'tool_definition',
      SCHEMA_STRUCTURE_KEYS,
    );
  });
  // Predicted Outputs: usually the current content of the file being rewritten.
  if (isObject(body.prediction)) {
    const prediction = body.prediction;
    if (typeof prediction.content === 'string') addText(out, prediction, 'content', ['prediction'], 'user');
    else {
      arrayOf(prediction.content).forEach((part, j) => {
        if (isObject(part)) addText(out, part, 'text', ['prediction', 'content', j], 'user');
      });
    }
  }
  for (const key of ID_FIELDS) addText(out, body, key, [], 'metadata');
  if (isObject(body.metadata)) {
    for (const key of Object.keys(body.metadata)) addText(out, body.metadata, key, ['metadata'], 'metadata');
  }
  return out;
}

/** Tool calls of a message or a delta; a delta names its call by `index`, not by position. */
function toolCallFields(out: AnswerField[], calls: unknown, prefix: string, whole: boolean): void {
  arrayOf(calls).forEach((call, j) => {
    if (!isObject(call) || !isObject(call.function)) return;
    const index = typeof call.index === 'number' ? call.index : j;
    fieldAt(out, call.function, 'arguments', `${prefix}:tool:${index}`, true, whole ? WHOLE_TOOL : TOOL);
  });
}

function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  if (!isObject(answer)) return out;
  arrayOf(answer.choices).forEach((choice, i) => {
    if (!isObject(choice)) return;
    const prefix = String(typeof choice.index === 'number' ? choice.index : i);
    // A whole answer has `message`, a stream chunk `delta`; both have the same inner shape.
    const whole = isObject(choice.message);
    const msg = whole ? choice.message : choice.delta;
    if (!isObject(msg)) return;
    fieldAt(out, msg, 'content', `${prefix}:content`, false, whole ? WHOLE : {});
    toolCallFields(out, msg.tool_calls, prefix, whole);
    if (isObject(msg.function_call)) {
      fieldAt(out, msg.function_call, 'arguments', `${prefix}:function`, true, whole ? WHOLE_TOOL : TOOL);
    }
  });
  return out;
}

export const openaiChat: Dialect = {
  id: 'openai-chat',
  provider: 'openai',
  segments,
  model: modelInBody,
  streaming: asksForStream,
  answerFields,
};
