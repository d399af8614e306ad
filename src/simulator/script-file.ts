/**
 * Scripts from files (`airlock simulate --script FILE.json|yaml`): validated once with zod, with
 * one error listing every problem, so a typo in a script is reported instead of silently
 * answering the default text.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import type { FromRequest, Script } from './types.js';

const fromRequestSchema: z.ZodType<FromRequest> = z
  .object({
    fromRequest: z.string().min(1),
    flags: z
      .string()
      .regex(/^[dgimsuvy]*$/)
      .optional(),
    template: z.string().optional(),
    fallback: z.string().optional(),
  })
  .strict()
  .refine((ref) => isValidRegExp(ref.fromRequest, ref.flags), {
    message: 'fromRequest is not a valid regular expression',
  });

function isValidRegExp(source: string, flags: string | undefined): boolean {
  try {
    new RegExp(source, (flags ?? '').replace(/[gy]/g, ''));
    return true;
  } catch {
    return false;
  }
}

/**
 * Argument values are checked by hand rather than by a zod union: any object with a
 * `fromRequest` key is a reference (as plan.ts treats it), so a broken one must be reported as
 * such instead of being accepted as a literal object.
 */
function checkArgValue(value: unknown, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) ctx.addIssue({ code: 'custom', path, message: 'numbers must be finite' });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkArgValue(item, [...path, i], ctx));
    return;
  }
  if (typeof value === 'object') {
    if ('fromRequest' in value) {
      const result = fromRequestSchema.safeParse(value);
      for (const issue of result.error?.issues ?? []) {
        ctx.addIssue({ code: 'custom', path: [...path, ...issue.path.map(String)], message: issue.message });
      }
      return;
    }
    for (const [key, item] of Object.entries(value)) checkArgValue(item, [...path, key], ctx);
    return;
  }
  ctx.addIssue({ code: 'custom', path, message: 'not a JSON value' });
}

const argsSchema = z.record(z.string(), z.unknown()).superRefine((args, ctx) => checkArgValue(args, [], ctx));

const textStepSchema = z.object({ text: z.union([z.string(), fromRequestSchema]) }).strict();
const thinkingStepSchema = z.object({ thinking: z.union([z.string(), fromRequestSchema]) }).strict();
const toolStepSchema = z
  .object({
    toolCall: z
      .object({ name: z.string().min(1), args: argsSchema, id: z.string().min(1).optional() })
      .strict(),
  })
  .strict();

/** Pick the step schema by its key, so errors name the field that is wrong. */
const stepSchema = z.unknown().superRefine((step, ctx) => {
  const has = (key: string) => typeof step === 'object' && step !== null && key in step;
  const schema = has('toolCall') ? toolStepSchema : has('thinking') ? thinkingStepSchema : textStepSchema;
  for (const issue of schema.safeParse(step).error?.issues ?? []) {
    ctx.addIssue({ code: 'custom', path: issue.path.map(String), message: issue.message });
  }
});

const count = z.number().int().nonnegative();

const answerSchema = z
  .object({
    reply: z.array(stepSchema),
    pacingMs: count.optional(),
    chunkSize: z.number().int().positive().optional(),
    argsChunkSize: z.number().int().positive().optional(),
    dropAfterEvents: count.optional(),
    stallAfterEvents: count.optional(),
    compress: z.enum(['gzip', 'deflate', 'br']).optional(),
    streamError: z
      .object({
        afterEvents: count,
        status: z.number().int().min(400).max(599).optional(),
        type: z.string().optional(),
        message: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const errorSchema = z
  .object({
    error: z
      .object({
        status: z.number().int().min(400).max(599),
        message: z.string().optional(),
        type: z.string().optional(),
        headers: z.record(z.string(), z.string()).optional(),
      })
      .strict(),
  })
  .strict();

const hangSchema = z.object({ hang: z.literal(true) }).strict();

/** Pick the reply schema by its key (`error`, `hang`, else an answer) for precise messages. */
const replySchema = z.unknown().superRefine((reply, ctx) => {
  const has = (key: string) => typeof reply === 'object' && reply !== null && key in reply;
  const schema = has('error') ? errorSchema : has('hang') ? hangSchema : answerSchema;
  for (const issue of schema.safeParse(reply).error?.issues ?? []) {
    ctx.addIssue({ code: 'custom', path: issue.path.map(String), message: issue.message });
  }
});

const turnScriptSchema = z
  .object({ turns: z.array(replySchema), turnBy: z.enum(['arrival', 'history', 'toolResults']).optional() })
  .strict();

/** A plain script: a list of replies, turns, or one reply (chosen by shape, for precise errors). */
const plainScriptSchema = z.unknown().superRefine((value, ctx) => {
  const schema = Array.isArray(value)
    ? z.array(replySchema)
    : typeof value === 'object' && value !== null && 'turns' in value
      ? turnScriptSchema
      : replySchema;
  for (const issue of schema.safeParse(value).error?.issues ?? []) {
    ctx.addIssue({ code: 'custom', path: issue.path.map(String), message: issue.message });
  }
});

const regexSource = z
  .string()
  .refine((source) => isValidRegExp(source, 'u'), { message: 'not a valid regular expression' });

const routedScriptSchema = z
  .object({
    routes: z.array(
      z
        .object({
          when: z
            .object({ path: regexSource, text: regexSource, body: regexSource, model: regexSource })
            .partial()
            .strict(),
          script: plainScriptSchema,
        })
        .strict(),
    ),
    otherwise: plainScriptSchema.optional(),
  })
  .strict();

export class ScriptFileError extends Error {
  override name = 'ScriptFileError';
}

/** Validate a script read from JSON or YAML; throws one error that lists every problem. */
export function parseScript(value: unknown, source = 'script'): Script {
  const routed = typeof value === 'object' && value !== null && 'routes' in value;
  const result = (routed ? routedScriptSchema : plainScriptSchema).safeParse(value);
  // The schemas above check every field; what passed them has the shape of a Script.
  if (result.success) return value as Script;
  const problems = result.error.issues.map(
    (issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  throw new ScriptFileError(`Invalid simulator script ${source}:\n${problems.join('\n')}`);
}

/** Read a `.json`, `.yaml` or `.yml` script file. */
export async function loadScriptFile(file: string): Promise<Script> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ScriptFileError(`Cannot read simulator script ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ScriptFileError(
      `Cannot parse simulator script ${file}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return parseScript(value, file);
}
