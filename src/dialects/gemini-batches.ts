/**
 * Gemini Batch Mode: POST /v1beta/models/{model}:batchGenerateContent and
 * :asyncBatchEmbedContent create a batch, `{batch: {displayName, inputConfig: {requests:
 * {requests: [{request, metadata}]}}}}`, each `request` a GenerateContentRequest (listed as
 * generateContent lists a body) or an EmbedContentRequest (as :embedContent does). `metadata`
 * is the caller's own data, returned with the results: inspected whole. A batch read from an
 * uploaded file (`inputConfig.fileName`) names the file only. The answer is an Operation whose
 * metadata is the batch's: only its display name, echoed back, is restored. The results,
 * fetched later by GET (passthrough), carry the surrogates the requests were sent with.
 * https://ai.google.dev/api/batch-mode
 */
import { gemini, modelInPath, spelled } from './gemini.js';
import { geminiEmbed } from './gemini-embed.js';
import type { AnswerField, Dialect, DialectId, JsonPath, Segment } from './types.js';
import { addLeaves, addNested, addText, arrayOf, fieldAt, isObject, WHOLE } from './walk.js';

function batchSegments(list: (body: unknown) => Segment[]): (body: unknown) => Segment[] {
  return (body) => {
    const out: Segment[] = [];
    if (!isObject(body) || !isObject(body.batch)) return out;
    const batch = body.batch;
    const at: JsonPath = ['batch'];
    for (const key of spelled(batch, 'displayName', 'display_name')) addText(out, batch, key, at, 'metadata');
    for (const configKey of spelled(batch, 'inputConfig', 'input_config')) {
      const config = batch[configKey];
      if (!isObject(config) || !isObject(config.requests)) continue;
      arrayOf(config.requests.requests).forEach((inlined, i) => {
        if (!isObject(inlined)) return;
        const here = [...at, configKey, 'requests', 'requests', i];
        addNested(out, inlined.request, [...here, 'request'], list);
        addLeaves(out, inlined.metadata, [...here, 'metadata'], 'metadata');
      });
    }
    return out;
  };
}

/** The display name the Operation's metadata echoes. */
function answerFields(answer: unknown): AnswerField[] {
  const out: AnswerField[] = [];
  if (isObject(answer) && isObject(answer.metadata))
    fieldAt(out, answer.metadata, 'displayName', 'displayName', false, WHOLE);
  return out;
}

function batchDialect(id: DialectId, list: (body: unknown) => Segment[]): Dialect {
  return {
    id,
    provider: 'gemini',
    segments: batchSegments(list),
    model: (_body, path) => modelInPath(path),
    streaming: () => false,
    answerFields,
  };
}

/** :batchGenerateContent, each request a GenerateContentRequest. */
export const geminiBatchGenerate = batchDialect('gemini-batch-generate', gemini.segments);

/** :asyncBatchEmbedContent, each request an EmbedContentRequest. */
export const geminiBatchEmbed = batchDialect('gemini-batch-embed', geminiEmbed.segments);
