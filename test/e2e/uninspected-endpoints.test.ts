/**
 * A request with a body for an endpoint Airlock does not inspect (OpenAI moderations, a Gemini
 * action it does not know), through a whole Airlock to the simulator with the official SDKs.
 * By default it is forwarded as it came, as docs/policy.md says, and its audit event lists the
 * body as sent uninspected (as a binary upload's file is), so that nobody reads "forward" as
 * "checked". With `uninspected_endpoints: block` it is refused in the provider's own shape and
 * nothing leaves, while the requests that carry no text by design (cancels, deletes, an upload's
 * /complete, a cache's new lifetime) still work; `mode: monitor` only records.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI, { toFile } from 'openai';
import type { AuditEvent } from '../../src/audit/types.js';
import { stackForDescribe, startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { makeFakeEnv, type FakeEnv } from '../helpers/fake-env.js';
import { leaks, plantedText, plantedValues } from '../helpers/planted.js';
import { until } from '../helpers/until.js';

let fe: FakeEnv;
let dir: string;
before(() => {
  fe = makeFakeEnv();
  dir = mkdtempSync(join(tmpdir(), 'airlock-uninspected-'));
});
after(() => {
  fe.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A gateway under this policy (undefined: the built-in one) for the tests of one describe. */
const gatewayWith = (policy: string | undefined) => ({
  stack: stackForDescribe(policy, { script: { reply: [{ text: 'ok' }] } }, () => fe),
});

const openai = (s: AirlockStack, userAgent?: string) =>
  new OpenAI({
    apiKey: 'sk-test',
    baseURL: s.via.openai,
    maxRetries: 0,
    ...(userAgent ? { defaultHeaders: { 'user-agent': userAgent } } : {}),
  });
const anthropic = (s: AirlockStack) =>
  new Anthropic({ apiKey: 'sk-ant-test', baseURL: s.via.anthropic, maxRetries: 0 });
const genai = (s: AirlockStack) =>
  new GoogleGenAI({ apiKey: 'gm-test', httpOptions: { baseUrl: s.via.gemini } });

/** The latest request event whose path matches. */
async function eventAt(s: AirlockStack, path: string | RegExp): Promise<AuditEvent> {
  await s.airlock.recorder.flush();
  const { events } = await s.airlock.store.query({ kind: 'request', limit: 50 });
  const event = events.find((e) => (typeof path === 'string' ? e.path === path : path.test(e.path ?? '')));
  assert.ok(event, `no audit event for ${String(path)}: ${events.map((e) => e.path).join(', ')}`);
  return event;
}

/** Went through: forwarded, nothing listed as uninspected. */
async function forwardedChecked(s: AirlockStack, path: string | RegExp): Promise<void> {
  const event = await eventAt(s, path);
  assert.equal(event.decision, 'forward', `${event.path}: ${event.error}`);
  assert.equal(event.error, undefined);
  assert.equal(event.uninspected, undefined, `${event.path} listed as uninspected`);
}

describe('under the built-in policy (uninspected_endpoints: allow)', () => {
  const { stack } = gatewayWith(undefined);

  test('a body that left uninspected is forwarded and listed so in the audit event', async () => {
    const s = stack();
    const result = await openai(s).moderations.create({ input: plantedText(fe) });
    assert.equal(result.results[0]?.flagged, false);
    const sent = s.sim.received.at(-1);
    assert.equal(sent?.path, '/v1/moderations');
    const event = await eventAt(s, '/v1/moderations');
    assert.equal(event.decision, 'forward');
    assert.deepEqual(event.uninspected, [
      { bytes: sent?.body.length, field: 'body', type: 'application/json' },
    ]);
    assert.ok(
      event.findings.every((f) => f.role === 'header'),
      'headers are inspected, the body is not',
    );
  });

  test('a POST without a body, and an inspected one, list nothing', async () => {
    const s = stack();
    const res = await fetch(`${s.via.openai}/batches/batch_1/cancel`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test' },
    });
    await res.arrayBuffer();
    await forwardedChecked(s, '/v1/batches/batch_1/cancel');

    await openai(s).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal((await eventAt(s, '/v1/chat/completions')).uninspected, undefined);
  });
});

describe('uninspected_endpoints: block', () => {
  const { stack } = gatewayWith(
    'uninspected_endpoints: block\n' +
      'scopes:\n' +
      "  - match: { provider: [openai], client: ['moderation-bot/*'] }\n" +
      '    uninspected_endpoints: allow\n',
  );

  test('OpenAI: moderations is refused with a 403 in OpenAI shape, nothing leaves, the event says block', async () => {
    const s = stack();
    await assert.rejects(openai(s).moderations.create({ input: plantedText(fe) }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
      assert.equal(err.status, 403);
      assert.equal(err.type, 'permission_error');
      // Codex's word for a refusal it must not retry; Airlock's own code is in the header.
      assert.equal(err.code, 'inference_hook_denied');
      assert.equal(err.headers.get('x-airlock-error'), 'AIRLOCK_UNINSPECTED_BLOCKED');
      assert.equal(err.headers.get('x-should-retry'), 'false');
      const message = (err.error as { message: string }).message;
      assert.match(message, /POST \/openai\/v1\/moderations/);
      assert.match(message, /policy entry uninspected_endpoints says block/);
      assert.match(message, /set uninspected_endpoints to allow/);
      return true;
    });
    assert.deepEqual(s.sim.received, [], 'nothing reached the provider');
    const event = await eventAt(s, '/v1/moderations');
    assert.equal(event.decision, 'block');
    assert.equal(event.error, 'AIRLOCK_UNINSPECTED_BLOCKED');
    assert.equal(event.status, 403);
    assert.equal(event.uninspected?.[0]?.field, 'body');
    assert.ok((event.uninspected?.[0]?.bytes ?? 0) > 0);
  });

  test('Anthropic: a body to an endpoint not inspected (a dream over memory stores) gets permission_error', async () => {
    const s = stack();
    await assert.rejects(
      anthropic(s).beta.dreams.create({
        inputs: [{ type: 'memory_store', memory_store_id: 'memstore_011abc' }],
        model: 'claude-sonnet-4-6',
        instructions: plantedText(fe),
      } as never),
      (err: unknown) => {
        assert.ok(err instanceof Anthropic.PermissionDeniedError, String(err));
        assert.deepEqual(Object.keys(err.error as object), ['type', 'error']);
        const body = err.error as { type: string; error: { type: string; message: string } };
        assert.equal(body.type, 'error');
        assert.equal(body.error.type, 'permission_error');
        assert.match(body.error.message, /POST \/anthropic\/v1\/dreams/);
        return true;
      },
    );
    assert.deepEqual(s.sim.received, []);
    assert.equal((await eventAt(s, /^\/v1\/dreams(\?|$)/)).decision, 'block');
  });

  test('Gemini: a File Search store and an action Airlock does not know (:predict) get PERMISSION_DENIED', async () => {
    const s = stack();
    // A File Search store's display name goes to an endpoint no dialect reads.
    await assert.rejects(
      genai(s).fileSearchStores.create({ config: { displayName: plantedText(fe) } }),
      (err: unknown) => {
        const e = err as { status?: number; message?: string };
        assert.equal(e.status, 403, String(err));
        assert.match(e.message ?? '', /PERMISSION_DENIED/);
        assert.match(e.message ?? '', /POST \/gemini\/v1(beta)?\/fileSearchStores/);
        return true;
      },
    );
    assert.equal((await eventAt(s, /\/fileSearchStores$/)).error, 'AIRLOCK_UNINSPECTED_BLOCKED');
    // A model action no dialect reads (Imagen's :predict; the SDK sends it only to Vertex AI).
    const res = await fetch(`${s.via.gemini}/v1beta/models/imagen-4.0-generate-001:predict`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'gm-test', 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [{ prompt: plantedText(fe) }] }),
    });
    assert.equal(res.status, 403);
    const body = (await res.json()) as { error: { status: string; message: string } };
    assert.equal(body.error.status, 'PERMISSION_DENIED');
    assert.match(body.error.message, /imagen-4\.0-generate-001:predict/);
    assert.deepEqual(s.sim.received, [], 'nothing reached the provider');
    const event = await eventAt(s, /imagen-4\.0-generate-001:predict$/);
    assert.equal(event.decision, 'block');
    assert.equal(event.error, 'AIRLOCK_UNINSPECTED_BLOCKED');
  });

  test('Gemini: Interactions (interactions.create) is inspected, so it goes under block', async () => {
    const s = stack();
    const interaction = await genai(s).interactions.create({
      model: 'gemini-3-flash-preview',
      input: plantedText(fe),
    });
    assert.equal(interaction.output_text, 'ok');
    assert.deepEqual(leaks(s.sim, plantedValues(fe)), []);
    const event = await eventAt(s, /\/interactions$/);
    assert.equal(event.decision, 'pseudonymize');
    assert.equal(event.uninspected, undefined);
  });

  test('requests without text by design still work: OpenAI batch cancel, file delete, an upload completed', async () => {
    const s = stack();
    const client = openai(s);
    assert.equal((await client.batches.cancel('batch_abc123')).status, 'cancelling');
    await forwardedChecked(s, '/v1/batches/batch_abc123/cancel');
    assert.equal((await client.files.delete('file-abc123')).deleted, true);
    await forwardedChecked(s, '/v1/files/file-abc123');

    const upload = await client.uploads.create({
      filename: 'notes.txt',
      purpose: 'assistants',
      bytes: 5,
      mime_type: 'text/plain',
    });
    const part = await client.uploads.parts.create(upload.id, {
      data: await toFile(Buffer.from('hello'), 'blob'),
    });
    const done = await client.uploads.complete(upload.id, { part_ids: [part.id] });
    assert.equal(done.status, 'completed');
    await forwardedChecked(s, `/v1/uploads/${upload.id}/complete`);
    assert.deepEqual(leaks(s.sim, plantedValues(fe)), []);
  });

  test('an upload completed with a body of another shape is refused: only the exact shape is textless', async () => {
    const s = stack();
    const res = await fetch(`${s.via.openai}/uploads/upload_abc/complete`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
      body: JSON.stringify({ part_ids: ['part_abc'], note: plantedText(fe) }),
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-airlock-error'), 'AIRLOCK_UNINSPECTED_BLOCKED');
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'inference_hook_denied');
    assert.deepEqual(s.sim.received, []);
  });

  test('a compressed body is not read, so never textless', async () => {
    const s = stack();
    const res = await fetch(`${s.via.openai}/uploads/upload_abc/complete`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer sk-test',
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: gzipSync(JSON.stringify({ part_ids: ['part_abc'] })),
    });
    assert.equal(res.status, 403);
    assert.deepEqual(s.sim.received, []);
  });

  test('Anthropic: a Message Batch cancel still works', async () => {
    const s = stack();
    const batch = await anthropic(s).messages.batches.cancel('msgbatch_abc123');
    assert.equal(batch.processing_status, 'canceling');
    await forwardedChecked(s, '/v1/messages/batches/msgbatch_abc123/cancel');
  });

  test('Gemini: a batch cancel, a file delete ({} bodies) and a cache update (PATCH ttl) still work', async () => {
    const s = stack();
    const ai = genai(s);
    await ai.batches.cancel({ name: 'batches/abc123' });
    await forwardedChecked(s, /\/batches\/abc123:cancel$/);
    await ai.files.delete({ name: 'files/abc123' });
    await forwardedChecked(s, /\/files\/abc123$/);
    const cache = await ai.caches.update({ name: 'cachedContents/abc123', config: { ttl: '7200s' } });
    assert.equal(cache.name, 'cachedContents/abc123');
    const patch = s.sim.received.at(-1);
    assert.equal(patch?.method, 'PATCH');
    assert.deepEqual(patch?.json, { ttl: '7200s' });
    await forwardedChecked(s, /\/cachedContents\/abc123$/);
  });

  test('a scopes entry allows it for the client it matches, and only for that one', async () => {
    const s = stack();
    const result = await openai(s, 'moderation-bot/1.0').moderations.create({ input: 'hello' });
    assert.equal(result.results.length, 1);
    const event = await eventAt(s, '/v1/moderations');
    assert.equal(event.decision, 'forward');
    assert.equal(event.uninspected?.[0]?.field, 'body');
    await assert.rejects(
      openai(s, 'other-bot/1.0').moderations.create({ input: 'hello' }),
      OpenAI.PermissionDeniedError,
    );
  });
});

describe('uninspected_endpoints: block with mode: monitor', () => {
  const { stack } = gatewayWith('mode: monitor\nuninspected_endpoints: block\n');

  test('records and refuses nothing: the request goes, its event lists the body', async () => {
    const s = stack();
    const result = await openai(s).moderations.create({ input: plantedText(fe) });
    assert.equal(result.results.length, 1);
    assert.equal(s.sim.received.at(-1)?.path, '/v1/moderations');
    const event = await eventAt(s, '/v1/moderations');
    assert.equal(event.decision, 'forward');
    assert.equal(event.mode, 'monitor');
    assert.equal(event.error, undefined);
    assert.equal(event.uninspected?.[0]?.field, 'body');
  });
});

describe('uninspected_endpoints changed in a running gateway', () => {
  test('a reloaded policy that blocks refuses the next such request', async () => {
    const policyFile = join(dir, 'reloaded.yaml');
    writeFileSync(policyFile, 'uninspected_endpoints: allow\n');
    const s = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } }, { fe, policyFile });
    try {
      assert.equal((await openai(s).moderations.create({ input: 'hello' })).results.length, 1);
      writeFileSync(policyFile, 'uninspected_endpoints: block\n');
      await until(
        () => s.airlock.policy().policy.uninspected_endpoints === 'block',
        'the reloaded policy in force',
        10_000,
        25,
      );
      await assert.rejects(openai(s).moderations.create({ input: 'hello' }), OpenAI.PermissionDeniedError);
      assert.equal(s.sim.received.length, 1, 'only the first one reached the provider');
    } finally {
      await s.close();
    }
  });
});
