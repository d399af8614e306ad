/**
 * Anthropic Message Batches: POST /v1/messages/batches creates a batch, `{requests: [{custom_id,
 * params}]}`, each `params` a Messages request listed as anthropic-messages lists a body. The
 * answer is the batch's metadata: no model text. The results, fetched later by GET (passthrough),
 * carry the surrogates the requests were sent with, not restored.
 * https://docs.anthropic.com/en/api/creating-message-batches
 */
import { anthropicMessages } from './anthropic-messages.js';
import type { Dialect, Segment } from './types.js';
import { addNested, arrayOf, isObject, str } from './walk.js';

function segments(body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  // custom_id is left as it is: the results are matched to the requests by it.
  arrayOf(body.requests).forEach((request, i) => {
    if (isObject(request))
      addNested(out, request.params, ['requests', i, 'params'], anthropicMessages.segments);
  });
  return out;
}

/** The model every request of the batch names (a top-level `model` first), else undefined. */
function model(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const top = str(body.model);
  if (top !== undefined) return top;
  let named: string | undefined;
  for (const request of arrayOf(body.requests)) {
    const m = isObject(request) && isObject(request.params) ? str(request.params.model) : undefined;
    if (m === undefined || (named !== undefined && m !== named)) return undefined;
    named = m;
  }
  return named;
}

export const anthropicBatches: Dialect = {
  id: 'anthropic-batches',
  provider: 'anthropic',
  segments,
  model,
  streaming: () => false,
  answerFields: () => [],
  textlessAnswer: true,
};
