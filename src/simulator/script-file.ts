/**
 * Scripts from files (`airlock simulate --script FILE.json|yaml`): validated once with zod, with
 * one error listing every problem, so a typo in a script is reported instead of silently
 * answering the default text.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import type { ArgValue, FromRequest, Reply, Script } from './types.js';

const fromRequestSchema: z.ZodType<FromRequest> = z
  .object({
    fromRequest: z.string().min(1),
    flags: z
      .string()
      .regex(/^[dgimsuvy]*$/)
      .optional(),
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

const argValueSchema: z.ZodType<ArgValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    fromRequestSchema,
    z.array(argValueSchema),
    z.record(z.string(), argValueSchema),
  ]),
);

const stepSchema = z.union([
  z.object({ text: z.union([z.string(), fromRequestSchema]) }).strict(),
  z
    .object({
      toolCall: z
        .object({
          name: z.string().min(1),
          args: z.record(z.string(), argValueSchema),
          id: z.string().min(1).optional(),
        })
        .strict(),
    })
    .strict(),
]);

const count = z.number().int().nonnegative();

const answerSchema = z
  .object({
    reply: z.array(stepSchema),
    pacingMs: count.optional(),
    chunkSize: z.number().int().positive().optional(),
    argsChunkSize: z.number().int().positive().optional(),
    dropAfterEvents: count.optional(),
    stallAfterEvents: count.optional(),
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

const replySchema: z.ZodType<Reply> = z.union([answerSchema, errorSchema, hangSchema]);

const scriptSchema = z.union([
  replySchema,
  z.array(replySchema),
  z.object({ turns: z.array(replySchema), turnBy: z.enum(['arrival', 'history']).optional() }).strict(),
]);

export class ScriptFileError extends Error {
  override name = 'ScriptFileError';
}

/** Validate a script read from JSON or YAML; throws one error that lists every problem. */
export function parseScript(value: unknown, source = 'script'): Script {
  const result = scriptSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  throw new ScriptFileError(`Invalid simulator script ${source}:\n${problems.join('\n')}`);
}

/** Read a `.json`, `.yaml` or `.yml` script file. */
export async function loadScriptFile(file: string): Promise<Script> {
  const text = await readFile(file, 'utf8');
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
