/**
 * The script machinery without HTTP: splitting text and arguments, resolving `fromRequest`
 * against JSON-unescaped request text, choosing turns, and validating script files.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  planAnswer,
  requestText,
  resolveArg,
  splitCodePoints,
  splitWords,
} from '../../src/simulator/plan.js';
import { ScriptMismatchError } from '../../src/simulator/plan.js';
import { ScriptRunner } from '../../src/simulator/script.js';
import type { RequestView } from '../../src/simulator/script.js';
import { loadScriptFile, parseScript } from '../../src/simulator/index.js';
import type { RecordedRequest, Reply } from '../../src/simulator/index.js';

function request(json: unknown, path = '/v1/messages'): RecordedRequest {
  const body = Buffer.from(JSON.stringify(json));
  return { method: 'POST', path, headers: {}, body, json, at: 0 };
}

/** A request view as the server builds it, with a fixed count of assistant turns. */
function view(req: RecordedRequest, turns = 0, model = 'm'): RequestView {
  return {
    req,
    assistantTurns: () => turns,
    toolResultTurns: () => turns + 100,
    model: () => model,
    text: () => requestText(req.json, req.body),
    body: () => req.body.toString('utf8'),
  };
}

const defaults = { pacingMs: 0, argsChunkSize: 4, chunkSize: undefined };

describe('simulator script: splitting', () => {
  it('splits text by words, keeping whitespace, so the pieces join back exactly', () => {
    assert.deepEqual(splitWords('Hello  from\nthe sim. '), ['Hello  ', 'from\n', 'the ', 'sim. ']);
    assert.deepEqual(splitWords(''), []);
    assert.deepEqual(splitWords('  lead'), ['  lead']);
  });

  it('splits by code points and never inside a surrogate pair', () => {
    const text = 'a😀b😀c';
    const pieces = splitCodePoints(text, 2);
    assert.deepEqual(pieces, ['a😀', 'b😀', 'c']);
    for (const piece of splitCodePoints(text, 1)) assert.ok(!/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(piece));
  });

  it('cuts tool arguments into fragments of the configured size that join to the arguments JSON', () => {
    const plan = planAnswer(
      {
        reply: [{ toolCall: { name: 'Write', args: { path: '/tmp/a b', content: 'x"y\\z' } } }],
        argsChunkSize: 3,
      },
      { requestText: () => '', inputTokens: () => 1, defaults },
    );
    const step = plan.steps[0];
    assert.ok(step?.kind === 'tool');
    assert.equal(step.fragments.join(''), JSON.stringify({ path: '/tmp/a b', content: 'x"y\\z' }));
    assert.ok(step.fragments.slice(0, -1).every((f) => Array.from(f).length === 3));
  });

  it('uses chunkSize for text when set, and estimates output usage from the size', () => {
    const plan = planAnswer(
      { reply: [{ text: 'abcdefgh' }], chunkSize: 3 },
      { requestText: () => 'q'.repeat(40), inputTokens: () => 10, defaults },
    );
    assert.deepEqual(plan.steps[0]?.kind === 'text' ? plan.steps[0].deltas : [], ['abc', 'def', 'gh']);
    assert.equal(plan.inputTokens, 10);
    assert.equal(plan.outputTokens, 2);
  });
});

describe('simulator script: fromRequest', () => {
  it('searches the JSON-unescaped string leaves, not the raw JSON text', () => {
    const req = request({
      system: [{ type: 'text', text: 'Working directory: C:\\Users\\bob\\"proj"' }],
      n: 3,
    });
    const text = requestText(req.json, req.body);
    assert.ok(!text.includes('\\\\'), 'escapes are undone');
    const value = resolveArg(
      { dir: { fromRequest: 'Working directory: (.+)' }, keep: [1, { fromRequest: 'bob\\\\(\\S+)' }] },
      () => text,
    );
    assert.deepEqual(value, { dir: 'C:\\Users\\bob\\"proj"', keep: [1, '"proj"'] });
  });

  it('honours flags and fallback, and throws a ScriptMismatchError naming the pattern otherwise', () => {
    assert.equal(
      resolveArg({ fromRequest: 'HOST=(\\w+)', flags: 'ig' }, () => 'host=alpha'),
      'alpha',
    );
    assert.equal(
      resolveArg({ fromRequest: 'nothing (x)', fallback: 'dflt' }, () => 'abc'),
      'dflt',
    );
    assert.equal(
      resolveArg({ fromRequest: 'file (\\S+)', template: 'cat $1 # $1' }, () => 'file /a/b c'),
      'cat /a/b # /a/b',
    );
    assert.throws(
      () => resolveArg({ fromRequest: 'nothing (x)' }, () => 'abc'),
      (err: unknown) => {
        assert.ok(err instanceof ScriptMismatchError);
        assert.match(err.message, /\/nothing \(x\)\//);
        return true;
      },
    );
  });

  it('falls back to the raw body text when the body is not JSON', () => {
    assert.equal(requestText(undefined, Buffer.from('plain user=zed')), 'plain user=zed');
  });
});

describe('simulator script: turns', () => {
  const first: Reply = { reply: [{ text: 'first' }] };
  const second: Reply = { reply: [{ text: 'second' }] };
  const textOf = (r: Reply) => ('reply' in r ? r.reply[0] : undefined);

  it('walks a list by arrival, repeating the last, and restarts on set()/reset()', async () => {
    const runner = new ScriptRunner([first, second]);
    const req = request({});
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push(textOf(await runner.next(view(req))));
    assert.deepEqual(seen, [{ text: 'first' }, { text: 'second' }, { text: 'second' }]);
    runner.reset();
    assert.deepEqual(textOf(await runner.next(view(req))), { text: 'first' });
  });

  it('picks by conversation history with turnBy: history', async () => {
    const runner = new ScriptRunner({ turns: [first, second], turnBy: 'history' });
    const req = request({});
    assert.deepEqual(textOf(await runner.next(view(req, 1))), { text: 'second' });
    assert.deepEqual(textOf(await runner.next(view(req))), { text: 'first' });
    assert.deepEqual(textOf(await runner.next(view(req, 7))), { text: 'second' });
  });

  it('routes side requests to their own replies, each route walking its own turns', async () => {
    const runner = new ScriptRunner({
      routes: [
        {
          when: { body: '"responseMimeType":"application/json"' },
          script: { reply: [{ text: '{"score":1}' }] },
        },
        { when: { path: ':generateContent$', model: 'lite', text: 'hello' }, script: [first, second] },
      ],
      otherwise: [second, first],
    });
    const classifier = request({ contents: [], generationConfig: { responseMimeType: 'application/json' } });
    const lite = request(
      { contents: [{ parts: [{ text: 'hello there' }] }] },
      '/v1beta/models/x-lite:generateContent',
    );
    const other = request(
      { contents: [{ parts: [{ text: 'bye' }] }] },
      '/v1beta/models/x-lite:generateContent',
    );
    assert.deepEqual(textOf(await runner.next(view(classifier))), { text: '{"score":1}' });
    assert.deepEqual(textOf(await runner.next(view(lite, 0, 'x-lite'))), { text: 'first' });
    assert.deepEqual(
      textOf(await runner.next(view(other, 0, 'x-lite'))),
      { text: 'second' },
      'otherwise, first turn',
    );
    assert.deepEqual(textOf(await runner.next(view(lite, 0, 'x-lite'))), { text: 'second' });
    assert.deepEqual(
      textOf(await runner.next(view(lite, 0, 'x-pro'))),
      { text: 'first' },
      'model must match too',
    );
    assert.deepEqual(textOf(await runner.next(view(classifier))), { text: '{"score":1}' });
  });

  it('picks by returned tool results with turnBy: toolResults', async () => {
    const runner = new ScriptRunner({ turns: [first, second], turnBy: 'toolResults' });
    // view() reports 100 more tool-result turns than assistant turns: the last reply repeats.
    assert.deepEqual(textOf(await runner.next(view(request({}), 0))), { text: 'second' });
  });

  it('passes the recorded request to a script function', async () => {
    const runner = new ScriptRunner((req) => ({ reply: [{ text: `you sent ${req.path}` }] }));
    assert.deepEqual(textOf(await runner.next(view(request({})))), { text: 'you sent /v1/messages' });
  });
});

describe('simulator script files', () => {
  it('loads a YAML script with turns and fromRequest arguments', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-sim-'));
    try {
      const file = path.join(dir, 'script.yaml');
      await writeFile(
        file,
        [
          'turnBy: history',
          'turns:',
          '  - reply:',
          '      - toolCall:',
          '          name: Read',
          '          args:',
          '            file_path: { fromRequest: "Working directory: (\\\\S+)" }',
          '    argsChunkSize: 2',
          '  - reply: [{ text: Done. }]',
          '',
        ].join('\n'),
      );
      const script = await loadScriptFile(file);
      assert.deepEqual(script, {
        turnBy: 'history',
        turns: [
          {
            reply: [
              {
                toolCall: { name: 'Read', args: { file_path: { fromRequest: 'Working directory: (\\S+)' } } },
              },
            ],
            argsChunkSize: 2,
          },
          { reply: [{ text: 'Done.' }] },
        ],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a wrong script with one error listing every problem', () => {
    assert.throws(
      () => parseScript({ reply: [{ txt: 'typo' }], pacingMs: -1 }, 'bad.json'),
      (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /Invalid simulator script bad\.json/);
        assert.match(err.message, /reply|pacingMs/);
        return true;
      },
    );
    assert.throws(
      () => parseScript({ reply: [{ toolCall: { name: 'x', args: { a: { fromRequest: '(' } } } }] }),
      /valid regular expression/,
    );
    assert.throws(() => parseScript({ error: { status: 200 } }));
    assert.deepEqual(parseScript([{ hang: true }, { error: { status: 529 } }]), [
      { hang: true },
      { error: { status: 529 } },
    ]);
  });
});

describe('simulator script: adjacent texts', () => {
  it('merges adjacent steps of one kind (text, thinking) into one block, keeping their deltas', () => {
    const plan = planAnswer(
      {
        reply: [
          { thinking: 'Let me ' },
          { thinking: 'think.' },
          { text: 'The value is ' },
          { text: { fromRequest: 'v=(\\w+)' } },
          { toolCall: { name: 't', args: {} } },
          { text: 'after' },
        ],
      },
      { requestText: () => 'v=42', inputTokens: () => 1, defaults },
    );
    assert.deepEqual(
      plan.steps.map((s) => (s.kind === 'tool' ? s.name : [s.kind, s.text, s.deltas])),
      [
        ['thinking', 'Let me think.', ['Let ', 'me ', 'think.']],
        ['text', 'The value is 42', ['The ', 'value ', 'is ', '42']],
        't',
        ['text', 'after', ['after']],
      ],
    );
  });
});

describe('simulator script files that cannot be read', () => {
  it('say which script and why, not a bare ENOENT', async () => {
    const file = path.join(os.tmpdir(), `airlock-no-such-script-${process.pid}.yaml`);
    await assert.rejects(loadScriptFile(file), (err: Error) => {
      assert.equal(err.name, 'ScriptFileError');
      assert.ok(err.message.startsWith(`Cannot read simulator script ${file}: ENOENT`), err.message);
      return true;
    });
  });
});
