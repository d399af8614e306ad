/**
 * The restorer of answers read back later (src/redact/read-back.ts), over a vault lookup given
 * as a function: what it asks for, what it restores, and what it leaves byte for byte.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBackDialect } from '../../src/dialects/read-back.js';
import type { Dialect } from '../../src/dialects/types.js';
import { createReadBackRestorer } from '../../src/redact/read-back.js';
import { MAX_LOOKUPS_PER_ANSWER } from '../../src/redact/surrogate-candidates.js';

const VAULT = new Map([
  ['/home/user/project-3', '/home/alice/ledger'],
  ['/home/user', '/home/alice'],
  ['host-7.example.internal', 'build.corp.acme.com'],
  ['C:\\Users\\user', 'C:\\Users\\alice'],
]);

function restorerFor(dialect: Dialect, asked: string[] = []) {
  return createReadBackRestorer(
    dialect,
    (surrogate) => {
      asked.push(surrogate);
      return Promise.resolve(VAULT.get(surrogate));
    },
    { secretsInToolCalls: true },
  );
}

const same = (url: string) => url;
const dialect = (provider: 'openai' | 'anthropic' | 'gemini', path: string): Dialect => {
  const d = readBackDialect(provider, path);
  assert.ok(d, path);
  return d;
};

describe('createReadBackRestorer', () => {
  it('restores the items a conversation lists, asking the vault only for what has a surrogate shape', async () => {
    const asked: string[] = [];
    const list = {
      object: 'list',
      data: [
        {
          type: 'message',
          role: 'user',
          content: [{ type: 'input_text', text: 'cd /home/user/project-3 now' }],
        },
        {
          type: 'function_call_output',
          call_id: 'c1',
          output: 'ssh host-7.example.internal: ok, host-8 unknown',
        },
      ],
    };
    const out = await restorerFor(dialect('openai', '/v1/conversations/conv_1/items'), asked).restore(
      Buffer.from(JSON.stringify(list)),
      false,
      same,
    );
    const back = JSON.parse(out.toString()) as typeof list;
    assert.equal(back.data[0]!.content![0]!.text, 'cd /home/alice/ledger now');
    assert.equal(back.data[1]!.output, 'ssh build.corp.acme.com: ok, host-8 unknown');
    assert.deepEqual(asked.sort(), [
      '/home/user',
      '/home/user/project-3',
      'host-7.example.internal',
      'host-8',
    ]);
  });

  it('looks up at most MAX_LOOKUPS_PER_ANSWER strings of one answer', async () => {
    const asked: string[] = [];
    const hosts = Array.from({ length: MAX_LOOKUPS_PER_ANSWER + 50 }, (_, i) => `host-${i + 100}`);
    const list = {
      object: 'list',
      data: [
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: hosts.join(' ') }] },
      ],
    };
    await restorerFor(dialect('openai', '/v1/conversations/conv_1/items'), asked).restore(
      Buffer.from(JSON.stringify(list)),
      false,
      same,
    );
    assert.equal(asked.length, MAX_LOOKUPS_PER_ANSWER);
  });

  it('leaves an answer that names no known surrogate as its very bytes', async () => {
    const raw = Buffer.from('{ "object": "response", "output": [ ] ,"note":"/home/user-9"}');
    const out = await restorerFor(dialect('openai', '/v1/responses/resp_1')).restore(raw, false, same);
    assert.equal(out, raw);
  });

  it('restores JSON Lines line by line, keeping a line that is not JSON and the line ends', async () => {
    const line = (text: string) =>
      JSON.stringify({
        custom_id: 'a',
        result: {
          type: 'succeeded',
          message: { type: 'message', role: 'assistant', content: [{ type: 'text', text }] },
        },
      });
    const raw = Buffer.from(
      `${line('in /home/user')}\r\nnot json /home/user\n${line('on host-7.example.internal')}\n`,
    );
    const out = (
      await restorerFor(dialect('anthropic', '/v1/messages/batches/b1/results')).restore(raw, false, same)
    )
      .toString()
      .split(/(?<=\n)/);
    assert.equal(out.length, 3);
    assert.match(out[0]!, /"text":"in \/home\/alice"\}\]\}\}\}\r\n$/);
    assert.equal(out[1], 'not json /home/user\n');
    assert.match(out[2]!, /"text":"on build\.corp\.acme\.com"\}\]\}\}\}\n$/);
  });

  it('restores events whose deltas split a surrogate, as the live stream would be', async () => {
    const ev = (data: object) => `data: ${JSON.stringify(data)}\n\n`;
    const deltas = ['cd /ho', 'me/user/proj', 'ect-3 ok'].map((text) => ({
      event_type: 'step.delta',
      index: 0,
      delta: { type: 'text', text },
    }));
    const raw = Buffer.from([...deltas.map(ev), 'data: [DONE]\n\n'].join(''));
    const out = await restorerFor(dialect('gemini', '/v1beta/interactions/v1_x')).restore(raw, true, same);
    const text = out
      .toString()
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => (JSON.parse(e.slice(6)) as { delta: { text: string } }).delta.text)
      .join('');
    assert.equal(text, 'cd /home/alice/ledger ok');
    assert.ok(out.toString().endsWith('data: [DONE]\n\n'));
  });

  it('leaves a file that is not UTF-8 as its very bytes, whatever lines of it read as JSON', async () => {
    const line = JSON.stringify({
      custom_id: 'a',
      response: { body: { object: 'chat.completion', choices: [{ message: { content: 'in /home/user' } }] } },
    });
    const raw = Buffer.concat([Buffer.from(`${line}\n`), Buffer.from([0xff, 0xfe, 0x00, 0x0a])]);
    const out = await restorerFor(dialect('openai', '/v1/files/file-1/content')).restore(raw, false, same);
    assert.equal(out, raw);
    const text = await restorerFor(dialect('openai', '/v1/files/file-1/content')).restore(
      Buffer.from(`${line}\n`),
      false,
      same,
    );
    assert.match(text.toString(), /"content":"in \/home\/alice"/);
  });

  it('finds a Windows home in streamed tool-call arguments whose deltas split one of its escapes', async () => {
    const deltas = ['{"path":"C:\\', '\\Users\\\\user\\\\x.txt"}'];
    const raw = Buffer.from(
      deltas
        .map((delta, i) => {
          const data = {
            type: 'response.function_call_arguments.delta',
            sequence_number: i,
            output_index: 0,
            item_id: 'fc_1',
            delta,
          };
          return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
        })
        .join(''),
    );
    const out = await restorerFor(dialect('openai', '/v1/responses/r?stream=true')).restore(raw, true, same);
    const args = out
      .toString()
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => (JSON.parse(line.slice(6)) as { delta: string }).delta)
      .join('');
    assert.deepEqual(JSON.parse(args), { path: 'C:\\Users\\alice\\x.txt' });
  });

  it("rewrites a batch's results_url, with nothing to restore", async () => {
    const batch = {
      id: 'b1',
      type: 'message_batch',
      results_url: 'http://up/v1/messages/batches/b1/results',
    };
    const out = await restorerFor(dialect('anthropic', '/v1/messages/batches/b1')).restore(
      Buffer.from(JSON.stringify(batch)),
      false,
      (url) => url.replace('http://up', 'http://gw/anthropic'),
    );
    assert.equal(
      (JSON.parse(out.toString()) as typeof batch).results_url,
      'http://gw/anthropic/v1/messages/batches/b1/results',
    );
  });

  it("restores a managed agents session's events listed: messages, and tool-call input as such", async () => {
    const page = {
      data: [
        { id: 'sevt_1', type: 'agent.message', content: [{ type: 'text', text: 'in /home/user/project-3' }] },
        {
          id: 'sevt_2',
          type: 'agent.tool_use',
          name: 'read',
          input: { file_path: '/home/user/project-3/a.md', hosts: { 'host-7.example.internal': 'up' } },
        },
      ],
      next_page: null,
    };
    const out = await restorerFor(dialect('anthropic', '/v1/sessions/sesn_1/events')).restore(
      Buffer.from(JSON.stringify(page)),
      false,
      same,
    );
    const back = JSON.parse(out.toString()) as typeof page;
    assert.deepEqual(back.data[0]!.content, [{ type: 'text', text: 'in /home/alice/ledger' }]);
    assert.deepEqual(back.data[1]!.input, {
      file_path: '/home/alice/ledger/a.md',
      hosts: { 'build.corp.acme.com': 'up' },
    });
  });

  it('rejects when the vault cannot be asked (the gateway then sends the answer as it came)', async () => {
    const restorer = createReadBackRestorer(
      dialect('openai', '/v1/responses/r'),
      () => Promise.reject(new Error('vault down')),
      { secretsInToolCalls: false },
    );
    const answer = {
      object: 'response',
      output: [{ type: 'message', content: [{ type: 'output_text', text: '/home/user' }] }],
    };
    await assert.rejects(restorer.restore(Buffer.from(JSON.stringify(answer)), false, same), /vault down/);
  });
});
