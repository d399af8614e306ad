/**
 * The JSON Schema of the policy file, generated from the zod schema (zod 4 `toJSONSchema`) so
 * editors (YAML language server: `# yaml-language-server: $schema=...`) complete and check keys.
 * `schema/policy.schema.json` is this output; test/policy/json-schema.test.ts fails when the
 * committed file is stale. Regenerate: `npx tsx src/policy/json-schema.ts` (or `airlock policy schema --write FILE`).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isMainModule } from '../main-module.js';
import { policySchema } from './schema.js';

export function policyJsonSchema(): Record<string, unknown> {
  // `input`: keys with defaults are optional in the file.
  const generated = z.toJSONSchema(policySchema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
  });
  return {
    ...generated,
    $id: 'https://airlock.dev/schema/policy.schema.json',
    title: 'Airlock policy',
    description: 'What Airlock does with findings in requests to model providers. See docs/policy.md.',
  };
}

export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}

/** `npx tsx src/policy/json-schema.ts` regenerates schema/policy.schema.json. */
if (isMainModule(import.meta.url)) {
  const target = fileURLToPath(new URL('../../schema/policy.schema.json', import.meta.url));
  writeFileSync(target, policyJsonSchemaText());
  process.stdout.write(`wrote ${target}\n`);
}
