/**
 * Gemini Files API uploads through a whole Airlock to the simulator, with @google/genai's
 * `files.upload` (the resumable protocol: a start request with the metadata, then the bytes to
 * the upload URL its answer names). The display name and a text file's text are inspected, so
 * planted values never reach the provider; the upload URL leads back through the gateway; a
 * binary file goes as it came and is listed as uninspected; a policy that blocks refuses the
 * upload in Gemini's shape, and nothing of the file leaves.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { makeFakeEnv, type FakeEnv } from '../helpers/fake-env.js';
import {
  BLOCKING_CLIENT,
  BLOCKING_POLICY,
  leaks,
  PLANTED_KEY,
  plantedText,
  plantedValues,
} from '../helpers/planted.js';
import { asV1beta } from '../helpers/gemini-version.js';

let fe: FakeEnv;
let stack: AirlockStack;
let dir: string;
before(async () => {
  fe = makeFakeEnv();
  dir = mkdtempSync(join(tmpdir(), 'airlock-gemini-files-'));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, BLOCKING_POLICY);
  stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } }, { fe, policyFile });
});
after(async () => {
  await stack.close();
  fe.cleanup();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => stack.sim.reset());

const genai = (userAgent?: string) =>
  new GoogleGenAI({
    apiKey: 'gm-test',
    httpOptions: {
      baseUrl: stack.via.gemini,
      ...(userAgent ? { headers: { 'user-agent': userAgent } } : {}),
    },
  });

/** The start and the finalize the simulator received, checked for planted values. */
function seenUpstream(): { start: string; bytes: Buffer; startHeaders: Record<string, string> } {
  const received = stack.sim.received;
  assert.deepEqual(
    received.map((r) => [
      asV1beta(r.path).replace(/upload_id=\w+/, 'upload_id=ID'),
      r.headers['x-goog-upload-command'],
    ]),
    [
      ['/upload/v1beta/files', 'start'],
      ['/upload/v1beta/files?upload_id=ID&upload_protocol=resumable', 'upload, finalize'],
    ],
  );
  assert.deepEqual(leaks(stack.sim, plantedValues(fe)), [], 'planted values reached the provider');
  return {
    start: received[0]!.body.toString(),
    bytes: received[1]!.body,
    startHeaders: received[0]!.headers,
  };
}

describe('Gemini Files API uploads', () => {
  test('files.upload of a text file: display name and text inspected, the name restored', async () => {
    const text = `# Notes\n\n${plantedText(fe)}`;
    const file = await genai().files.upload({
      file: new Blob([text], { type: 'text/plain' }),
      config: { displayName: `notes of ${fe.user}`, mimeType: 'text/plain' },
    });
    assert.equal(file.displayName, `notes of ${fe.user}`, 'the echoed display name is restored');
    assert.equal(file.state, 'ACTIVE');
    const { start, bytes, startHeaders } = seenUpstream();
    assert.match(start, /"displayName":"notes of /);
    assert.match(bytes.toString(), /^# Notes\n\nWorking directory: \/home\/user\//);
    // The text changed length: the declared size is not sent, or the upstream would refuse it.
    assert.equal(startHeaders['x-goog-upload-header-content-length'], undefined);
    assert.equal(file.sizeBytes, String(bytes.length));
  });

  test('files.upload of a file by its path: the file name the SDK sends in a header inspected', async () => {
    // The SDK sends the path's last segment as X-Goog-Upload-File-Name, with the start and with
    // the bytes: request headers are inspected as the body is (the policy's planHeaders).
    const path = join(dir, `${fe.user}-acme-secrets.txt`);
    writeFileSync(path, '# Notes\n');
    const file = await genai().files.upload({ file: path, config: { mimeType: 'text/plain' } });
    assert.equal(file.state, 'ACTIVE');
    seenUpstream();
    const names = stack.sim.received.map((r) => r.headers['x-goog-upload-file-name']);
    assert.equal(names.length, 2);
    for (const name of names) assert.match(name ?? '', /^user-\d+-acme-secrets\.txt$/);
  });

  test('the upload URL in the start answer leads back through the gateway', async () => {
    const res = await fetch(`${stack.via.gemini}/upload/v1beta/files`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-goog-api-key': 'gm-test',
        'x-goog-upload-protocol': 'resumable',
        'x-goog-upload-command': 'start',
      },
      body: JSON.stringify({ file: { display_name: 'a.txt' } }),
    });
    assert.equal(res.status, 200);
    const url = res.headers.get('x-goog-upload-url') ?? '';
    assert.ok(
      url.startsWith(`${stack.via.gemini}/upload/v1beta/files?upload_id=`),
      `${url} is not the gateway's`,
    );
  });

  test('a binary file goes as it came, listed as uninspected in the audit log', async () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      Buffer.from(fe.user),
    ]);
    await genai().files.upload({
      file: new Blob([png], { type: 'image/png' }),
      config: { displayName: 'chart', mimeType: 'image/png' },
    });
    const received = stack.sim.received;
    assert.equal(received.length, 2);
    assert.deepEqual(received[1]!.body, png, 'the bytes are unchanged');
    await stack.airlock.recorder.flush();
    const { events } = await stack.airlock.store.query({ kind: 'request', limit: 1 });
    assert.equal(events[0]?.dialect, 'gemini-files');
    assert.deepEqual(events[0]?.uninspected, [
      { bytes: png.length, field: 'body', type: 'application/json' },
    ]);
  });

  test("a policy that blocks refuses the upload in Gemini's shape, and nothing of the file leaves", async () => {
    const send = (url: string, command: string, body: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': BLOCKING_CLIENT,
          'x-goog-api-key': 'gm-test',
          'x-goog-upload-protocol': 'resumable',
          'x-goog-upload-command': command,
          'x-goog-upload-offset': '0',
        },
        body,
      });
    const refused = async (res: Response, path: RegExp) => {
      assert.equal(res.status, 403);
      const error = (await res.json()) as { error: { code: number; status: string; message: string } };
      assert.equal(error.error.status, 'PERMISSION_DENIED');
      assert.match(error.error.message, path);
    };
    const start = await send(
      `${stack.via.gemini}/upload/v1beta/files`,
      'start',
      JSON.stringify({ file: { display_name: 'env.txt' } }),
    );
    assert.equal(start.status, 200);
    await refused(
      await send(start.headers.get('x-goog-upload-url')!, 'upload, finalize', plantedText(fe)),
      /secret\.openai-key.*\btext\b/s,
    );
    // The start (clean metadata) went; the file did not.
    assert.deepEqual(
      stack.sim.received.map((r) => r.headers['x-goog-upload-command']),
      ['start'],
    );

    stack.sim.reset();
    await refused(
      await send(
        `${stack.via.gemini}/upload/v1beta/files`,
        'start',
        JSON.stringify({ file: { display_name: `key ${PLANTED_KEY}` } }),
      ),
      /secret\.openai-key.*metadata\.file\.display_name/s,
    );
    assert.deepEqual(stack.sim.received, [], 'nothing reached the provider');
  });
});
