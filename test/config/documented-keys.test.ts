/**
 * Every key of `airlock.yaml` is in docs/config.md's example block (its default shown, or
 * commented out with an example value), and the block names no key the schema lacks: a new
 * option cannot land undocumented, and a removed one cannot stay in the docs. The block's
 * loading as written is tested in load.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';

/** The dotted paths of an object schema's keys, nested objects included (through defaults, unions, pipes). */
function schemaPaths(schema: z.core.$ZodType, prefix = '', out: string[] = []): string[] {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'readonly':
      return schemaPaths(def.innerType as z.core.$ZodType, prefix, out);
    case 'pipe':
      schemaPaths(def.in as z.core.$ZodType, prefix, out);
      return schemaPaths(def.out as z.core.$ZodType, prefix, out);
    case 'union':
      for (const option of def.options as z.core.$ZodType[]) schemaPaths(option, prefix, out);
      return out;
    case 'object':
      for (const [key, value] of Object.entries(def.shape as Record<string, z.core.$ZodType>)) {
        out.push(prefix + key);
        schemaPaths(value, `${prefix}${key}.`, out);
      }
      return out;
    default:
      return out;
  }
}

/** The dotted paths of the keys in a YAML block, those commented out (`# key: value`) included. */
function examplePaths(yaml: string): string[] {
  const out: string[] = [];
  const open: { indent: number; key: string }[] = [];
  for (const line of yaml.split('\n')) {
    const m = /^( *)(?:# )?([a-z_]+):(?: |$)/.exec(line);
    if (!m) continue;
    const indent = m[1]!.length;
    while (open.length > 0 && open.at(-1)!.indent >= indent) open.pop();
    out.push([...open.map((o) => o.key), m[2]].join('.'));
    open.push({ indent, key: m[2]! });
  }
  return out;
}

test("docs/config.md's example names every key of the configuration, and no other", async () => {
  const doc = await readFile(new URL('../../docs/config.md', import.meta.url), 'utf8');
  const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example, 'docs/config.md has a yaml example');
  const documented = new Set(examplePaths(example));
  const keys = new Set(schemaPaths(configSchema));
  assert.ok(
    keys.has('timeouts.send_idle_ms') && keys.has('audit.forensic.max_bytes'),
    'the schema is walked',
  );
  assert.deepEqual(
    [...keys].filter((k) => !documented.has(k)),
    [],
    'keys missing from the example in docs/config.md',
  );
  assert.deepEqual(
    [...documented].filter((k) => !keys.has(k)),
    [],
    'keys in the example of docs/config.md that the schema does not have',
  );
});
