/**
 * Member names of JSON objects carry data too: a tool input keyed by file path, a schema whose
 * properties are named after directories. They are pseudonymized on the way out like values,
 * and restored in tool-call input that comes back as an object (Anthropic's JSON answer,
 * Gemini's functionCall args), keeping their place among the other members.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAirlock, type Airlock } from '../../src/app.js';
import { testConfig } from '../helpers/stack.js';

const HOME = '/home/jsmith';
const PROJECT = `${HOME}/acme-api`;

/** An upstream that answers with a tool call keyed by the project path it was sent. */
function startUpstream(received: string[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      received.push(text);
      // The project path as the provider saw it, from the system prompt.
      const seen = /working directory: ([^"\s]+)/.exec(text)?.[1] ?? 'none';
      const input = { [`${seen}/src/x.ts`]: { size: 1 }, note: `under ${seen}`, [`${seen}/README.md`]: 2 };
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/v1beta/')) {
        res.end(
          JSON.stringify({
            candidates: [
              {
                content: { role: 'model', parts: [{ functionCall: { name: 'stat', args: input } }] },
                index: 0,
              },
            ],
          }),
        );
        return;
      }
      res.end(
        JSON.stringify({
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5',
          content: [{ type: 'tool_use', id: 'toolu_1', name: 'Stat', input }],
          stop_reason: 'tool_use',
          usage: { input_tokens: 1, output_tokens: 1 },
        }),
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('member names', () => {
  const received: string[] = [];
  let upstream: Server;
  let airlock: Airlock;
  let dataDir: string;
  before(async () => {
    upstream = await startUpstream(received);
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    dataDir = mkdtempSync(join(tmpdir(), 'airlock-names-'));
    airlock = await startAirlock({
      config: testConfig({ egress_proxy: { port: 0 } }, url),
      dataDir,
      canaries: [],
      dashboardToken: 'test-dashboard-token',
    });
  });
  after(async () => {
    await airlock.close();
    await new Promise((resolve) => upstream.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leave as surrogates and come back as the real names, in order (Anthropic)', async () => {
    const body = {
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      system: `Primary working directory: ${PROJECT}`,
      messages: [
        { role: 'user', content: 'stat the sources' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 't0', name: 'Stat', input: { [`${PROJECT}/src/y.ts`]: { size: 3 } } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't0', content: 'ok' }] },
      ],
      tools: [
        {
          name: 'Stat',
          description: 'stat files',
          input_schema: { type: 'object', properties: { [PROJECT]: { type: 'string' } } },
        },
      ],
    };
    const res = await fetch(`${airlock.gateway.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200);
    const sent = received.at(-1) ?? '';
    assert.ok(!sent.includes('jsmith'), `the provider saw the real home: ${sent}`);
    assert.match(
      sent,
      /"\/home\/[^"/]+\/[^"/]+\/src\/y\.ts":\{"size":3\}/,
      'a tool input name, pseudonymized',
    );
    assert.match(sent, /"properties":\{"\/home\/[^"/]+\/[^"/]+":\{"type":"string"\}\}/, 'a schema name');

    const answer = (await res.json()) as { content: { input: Record<string, unknown> }[] };
    const input = answer.content[0]?.input ?? {};
    assert.deepEqual(Object.keys(input), [`${PROJECT}/src/x.ts`, 'note', `${PROJECT}/README.md`]);
    assert.deepEqual(input[`${PROJECT}/src/x.ts`], { size: 1 });
    assert.equal(input.note, `under ${PROJECT}`);
  });

  it('come back as the real names in functionCall args (Gemini)', async () => {
    const res = await fetch(`${airlock.gateway.url}/gemini/v1beta/models/gemini-2.5-pro:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({
        systemInstruction: { parts: [{ text: `Primary working directory: ${PROJECT}` }] },
        contents: [{ role: 'user', parts: [{ text: 'stat it' }] }],
      }),
    });
    assert.equal(res.status, 200);
    assert.ok(!(received.at(-1) ?? '').includes('jsmith'));
    const answer = (await res.json()) as {
      candidates: { content: { parts: { functionCall: { args: Record<string, unknown> } }[] } }[];
    };
    const args = answer.candidates[0]?.content.parts[0]?.functionCall.args ?? {};
    assert.deepEqual(Object.keys(args), [`${PROJECT}/src/x.ts`, 'note', `${PROJECT}/README.md`]);
    assert.equal(args[`${PROJECT}/README.md`], 2);
  });
});
