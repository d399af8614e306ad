/**
 * Gemini Batch Mode: `:batchGenerateContent` and `:asyncBatchEmbedContent` answer at once with
 * the long-running Operation of a new batch, still pending. Its results (`GET batches/{id}`)
 * are not simulated.
 */
import type { StaticAnswer } from './endpoint.js';
import { bodyObject, isRecord } from './endpoint.js';
import { providerError } from './errors.js';
import { geminiModelFromPath } from './gemini.js';
import type { RecordedRequest } from './types.js';
import { randomId } from './wire.js';

const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8', vary: 'Origin, X-Origin, Referer' };

function invalidArgument(message: string): StaticAnswer {
  const { body, headers } = providerError('gemini', { status: 400, message });
  return { status: 400, body, headers };
}

/** The batch's input, in either spelling proto3 JSON accepts. */
function inputConfig(batch: Record<string, unknown>): Record<string, unknown> | undefined {
  const config = batch['inputConfig'] ?? batch['input_config'];
  return isRecord(config) ? config : undefined;
}

export function geminiBatchCreate(req: RecordedRequest, embed: boolean): StaticAnswer {
  if (req.json === undefined) return invalidArgument('Invalid JSON payload received.');
  const batch = bodyObject(req)['batch'];
  if (!isRecord(batch)) return invalidArgument('* batch: field is required');
  const config = inputConfig(batch);
  if (config === undefined) return invalidArgument('* batch.input_config: field is required');
  const inlined = isRecord(config['requests']) ? config['requests']['requests'] : undefined;
  const fileName = config['fileName'] ?? config['file_name'];
  if (!Array.isArray(inlined) && typeof fileName !== 'string')
    return invalidArgument('* batch.input_config: requests or file_name is required');
  const id = randomId('', 16).toLowerCase();
  const now = new Date().toISOString();
  const count = Array.isArray(inlined) ? String(inlined.length) : '0';
  const kind = embed ? 'EmbedContentBatch' : 'GenerateContentBatch';
  const metadata: Record<string, unknown> = {
    '@type': `type.googleapis.com/google.ai.generativelanguage.v1main.${kind}`,
    model: `models/${geminiModelFromPath(req.path)}`,
    createTime: now,
    updateTime: now,
    batchStats: { requestCount: count, pendingRequestCount: count },
    state: 'BATCH_STATE_PENDING',
    name: `batches/${id}`,
  };
  const displayName = batch['displayName'] ?? batch['display_name'];
  if (typeof displayName === 'string') metadata['displayName'] = displayName;
  return { status: 200, body: { name: `batches/${id}`, metadata }, headers: JSON_HEADERS };
}
