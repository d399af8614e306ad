/**
 * Each reader on real-shaped files (record shapes taken from the CLIs' own code: Claude Code
 * and Codex transcripts, Gemini CLI JSONL and legacy JSON sessions, Qwen Code JSONL, HAR 1.2,
 * audit exports, request bodies, text): format recognised by content, and each planted value
 * found at the right line, JSON path and role, and nowhere it was not sent.
 */
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { claudeCodeLeaves } from '../../src/scan/readers/claude-code.js';
import { harEntryLeaves } from '../../src/scan/readers/har.js';
import { qwenLogLeaves } from '../../src/scan/readers/qwen-logs.js';
import type { Leaf } from '../../src/scan/readers/walk.js';
import type { AnswerReply, ReplyStep } from '../../src/simulator/types.js';
import {
  harOfStream,
  simulatedStream,
  STREAM_DIALECTS,
  writeHar,
  type SimulatedStream,
  type StreamDialect,
} from './helpers/har-streams.js';
import {
  AWS,
  EMAIL,
  FIXTURES,
  GHP,
  findingsOf,
  fixture,
  scanWithTestEngine,
  tempDir,
  where,
} from './helpers/run.js';

describe('readers', () => {
  it('reads Claude Code transcripts: message content, tool_use input, tool_result content; not cwd or toolUseResult', async () => {
    const found = (await findingsOf([fixture('claude-code-session.jsonl')])).map(where);
    assert.deepEqual(found, [
      '2 message.content user test.home-path /home/jdoe',
      '3 message.content.2.input.command tool_use test.home-path /home/jdoe',
      `4 message.content.0.content tool_result test.aws-access-key ${AWS}`,
      `4 message.content.0.content tool_result test.github-token ${GHP}`,
      `5 message.content.0.text assistant test.email ${EMAIL}`,
    ]);
  });

  it('reads Codex rollouts: messages, function_call arguments (JSON), function_call_output, event_msg deduplicated', async () => {
    const findings = await findingsOf([fixture('codex-rollout.jsonl')]);
    assert.deepEqual(findings.map(where), [
      '2 payload.content.0.text user test.home-path /home/jdoe',
      `3 payload.content.0.text user test.github-token ${GHP}`,
      '7 payload.arguments.workdir tool_use test.home-path /home/jdoe',
      `8 payload.output.output tool_result test.aws-access-key ${AWS}`,
    ]);
    // The user message is in a response_item and mirrored in an event_msg: one finding, seen twice.
    assert.equal(findings.find((f) => f.ruleId === 'test.github-token')?.occurrences, 2);
    assert.ok(findings.every((f) => f.assistant === 'codex' && f.format === 'codex'));
    assert.equal(findings[0]?.timestamp, '2026-11-19T14:00:00.100Z');
  });

  it('reads Gemini CLI JSONL sessions: content parts, tool args and results; info notices are not sent', async () => {
    const findings = await findingsOf([fixture('gemini-session.jsonl')]);
    assert.deepEqual(findings.map(where), [
      '2 content.0.text user test.home-path /home/jdoe',
      '4 toolCalls.0.args.absolute_path tool_use test.home-path /home/jdoe',
      `4 toolCalls.0.result.0.functionResponse.response.output tool_result test.aws-access-key ${AWS}`,
    ]);
    // Message m2 is re-appended when it completes: the same values count twice, not as new findings.
    assert.ok(findings.slice(1).every((f) => f.occurrences === 2));
  });

  it('reads legacy Gemini session documents and logs.json element by element', async () => {
    const findings = await findingsOf([fixture('gemini-tmp')]);
    assert.deepEqual(
      findings.map((f) => `${f.file} ${where(f)}`),
      [
        `3c9a/chats/session-2025-09-01T10-00-9f8e7d6c.json 11 messages.0.content user test.email ${EMAIL}`,
        `3c9a/chats/session-2025-09-01T10-00-9f8e7d6c.json 17 messages.1.content assistant test.github-token ${GHP}`,
        '3c9a/logs.json 6 0.message user test.home-path /home/jdoe',
      ].map((s) => `gemini-tmp/${s}`),
    );
    assert.ok(findings.every((f) => f.format === 'gemini-cli'));
  });

  it('reads Qwen Code sessions: parts, functionCall args, functionResponse; system records are local', async () => {
    const findings = await findingsOf([fixture('qwen-session.jsonl')]);
    assert.deepEqual(findings.map(where), [
      '1 message.parts.0.text user test.home-path /home/jdoe',
      '2 message.parts.1.functionCall.args.absolute_path tool_use test.home-path /home/jdoe',
      `3 message.parts.0.functionResponse.response.output tool_result test.email ${EMAIL}`,
      `3 message.parts.0.functionResponse.response.output tool_result test.github-token ${GHP}`,
    ]);
  });

  it('scans member names that are not plain words: a tool input keyed by file path', async () => {
    const dir = await tempDir();
    const record = {
      type: 'assistant',
      uuid: 'u1',
      sessionId: 's',
      message: {
        role: 'assistant',
        content: [
          {
            type: 'tool_use',
            id: 't',
            name: 'Stat',
            input: { '/home/jdoe/acme/x.ts': { size: 1 }, paths: [] },
          },
        ],
      },
    };
    const file = path.join(dir, 'session.jsonl');
    await writeFile(file, `${JSON.stringify(record)}\n`);
    const findings = await findingsOf([file]);
    assert.deepEqual(findings.map(where), ['1 message.content.0.input tool_use test.home-path /home/jdoe']);
  });

  it('recognises a Gemini-shaped legacy session under .qwen/ as Qwen Code', async () => {
    const dir = await tempDir();
    const target = path.join(dir, '.qwen', 'tmp', 'abc', 'chats');
    await import('node:fs/promises').then((fs) => fs.mkdir(target, { recursive: true }));
    await copyFile(
      fixture('gemini-tmp/3c9a/chats/session-2025-09-01T10-00-9f8e7d6c.json'),
      path.join(target, 'session-1.json'),
    );
    const findings = await findingsOf([dir]);
    assert.equal(findings.length, 2);
    assert.ok(findings.every((f) => f.format === 'qwen-code' && f.assistant === 'qwen-code'));
  });

  it('reads HAR entries: headers with their names, request bodies through the dialects, SSE answers', async () => {
    // Each finding names the line of its own value in the pretty-printed capture (a body's
    // findings, that of the string holding the body), not the line where its entry starts.
    const findings = await findingsOf([fixture('capture.har')]);
    assert.deepEqual(findings.map(where), [
      '28 log.entries.0.request.headers.2.value header test.stainless-os Linux',
      `58 log.entries.0.request.postData.text.messages.2.content.0.content tool_result test.email ${EMAIL}`,
      '58 log.entries.0.request.postData.text.system.0.text system test.home-path /home/jdoe',
      `79 log.entries.0.response.content.text.sse:4.delta.text assistant test.github-token ${GHP}`,
    ]);
    assert.equal(findings[0]?.assistant, 'claude-code', 'assistant from the user-agent header');
    assert.equal(findings[0]?.timestamp, '2026-11-22T16:30:00.000Z');
    // The second entry (Qwen Code through OpenAI) repeats the home path in its system message.
    assert.equal(findings[2]?.occurrences, 2);
  });

  it('reads Airlock audit exports, skipping hashes and masked previews', async () => {
    const findings = await findingsOf([fixture('audit-export.jsonl')]);
    assert.deepEqual(findings.map(where), [`2 note metadata test.aws-access-key ${AWS}`]);
    assert.equal(findings[0]?.format, 'airlock-audit');
    assert.equal(
      findings[0]?.timestamp,
      '2026-11-24T09:01:00.000Z',
      'the event time, for the over-time chart',
    );
  });

  it('reads raw request bodies with the dialect roles, and text line by line', async () => {
    const body = await findingsOf([fixture('request-body.json')]);
    assert.deepEqual(body.map(where), [
      '6 messages.0.content system test.home-path /home/jdoe',
      `10 messages.1.content user test.aws-access-key ${AWS}`,
      `13 user metadata test.email ${EMAIL}`,
    ]);
    const text = await findingsOf([fixture('build-output.txt')]);
    assert.deepEqual(text.filter((f) => f.ruleId !== 'test.email' || f.value === EMAIL).map(where), [
      `3  user test.email ${EMAIL}`,
      `4  user test.aws-access-key ${AWS}`,
    ]);
    assert.equal(text[0]?.format, 'text');
  });

  it('recognises formats by content, not by file name', async () => {
    const dir = await tempDir();
    await copyFile(fixture('claude-code-session.jsonl'), path.join(dir, 'notes.txt'));
    await copyFile(fixture('capture.har'), path.join(dir, 'capture.json'));
    const result = await scanWithTestEngine([dir]);
    const formats = Object.fromEntries(result.report!.files.map((f) => [path.basename(f.file), f.format]));
    assert.deepEqual(formats, { 'capture.json': 'har', 'notes.txt': 'claude-code' });
  });
});

describe('readers on transcripts written by the real CLIs', () => {
  // test/fixtures/scan/real/: session files the CLIs wrote against the simulator after reading a
  // .env through their own file tool (regenerate: AIRLOCK_SCAN_SAVE_REAL=<that dir> node --import
  // tsx --test test/scan/real-transcripts.test.ts).
  const REAL = path.join(FIXTURES, '..', 'real');
  for (const format of ['claude-code', 'codex', 'gemini-cli', 'qwen-code'] as const) {
    it(`${format}: recognised by content, the key found in the tool result and in the answer`, async () => {
      const result = await scanWithTestEngine([path.join(REAL, `${format}.jsonl`)], { reveal: true });
      const report = result.report!;
      assert.equal(report.files[0]?.format, format);
      assert.deepEqual(report.warnings, []);
      const roles = report.findings.filter((f) => f.value === 'AKIAZ7QWERTYUIOPLKJH').map((f) => f.role);
      assert.deepEqual(roles, ['tool_result', 'assistant']);
      assert.ok(report.findings.some((f) => f.ruleId === 'test.github-token' && f.role === 'tool_result'));
    });
  }

  it('claude-code: told by its first record, a queue-operation, when a pasted prompt makes it longer than the head', async () => {
    // Claude Code 2.x opens a session with the queued prompt; 1.2 MB of it leave no whole line in
    // the first megabyte read, so the first record alone says whose file it is.
    const lines = (await readFile(path.join(REAL, 'claude-code.jsonl'), 'utf8')).split('\n');
    const first = JSON.parse(lines[0]!) as { type: string; content: string };
    assert.equal(first.type, 'queue-operation');
    first.content = `${'a pasted build log line with nothing secret in it\n'.repeat(25_000)}${first.content}`;
    lines[0] = JSON.stringify(first);
    const file = path.join(await tempDir(), 'pasted.jsonl');
    await writeFile(file, lines.join('\n'));
    const report = (await scanWithTestEngine([file], { reveal: true })).report!;
    assert.equal(report.files[0]?.format, 'claude-code');
    // Only the conversation: not the UI's copy of the tool result (toolUseResult), nor ids.
    assert.deepEqual(
      report.findings.map((f) => `${f.line} ${f.path.join('.')} ${f.role} ${f.assistant}`),
      [
        '8 message.content.0.content tool_result claude-code',
        '8 message.content.0.content tool_result claude-code',
        '9 message.content.0.text assistant claude-code',
      ],
    );
  });

  it('qwen-code: the history a /compress checkpoint keeps is read, the model summary in it too', async () => {
    // The session above continued with `qwen -c -p /compress`: a system record `chat_compression`
    // holds the history sent from then on, opening with the summary the model wrote.
    const found = await findingsOf([path.join(REAL, 'qwen-code-compressed.jsonl')]);
    assert.deepEqual(
      found
        .filter((f) => f.value === 'AKIAZ7QWERTYUIOPLKJH')
        .map((f) => `${f.line} ${f.path.join('.')} ${f.role}`),
      [
        '6 message.parts.0.functionResponse.response.output tool_result',
        '8 message.parts.0.text assistant',
        '10 systemPayload.compressedHistory.0.parts.0.text user',
      ],
    );
    // UI telemetry (line 9 repeats the summary as the answer it was) stays local.
    assert.ok(found.every((f) => f.format === 'qwen-code' && !f.path.includes('uiEvent')));
  });

  it('gemini-cli: $set updates are read: the summary, the memory scratchpad, new members; not bookkeeping', async () => {
    // Gemini CLI appends `{$set: {...}}` when it updates a session: `summary` (the model's, or a
    // subagent's final answer) and `memoryScratchpad` (made from the messages) as its session
    // summary service writes them; both go into the index later sessions are given.
    const lines = (await readFile(path.join(REAL, 'gemini-cli.jsonl'), 'utf8')).trimEnd().split('\n');
    const updates = [
      { $set: { summary: `Read deploy.env and reported the key ${AWS}` } },
      {
        $set: {
          memoryScratchpad: {
            version: 1,
            workflowSummary: `read_file deploy.env; token ${GHP}`,
            toolSequence: ['read_file'],
            touchedPaths: ['/srv/app/deploy.env'],
          },
        },
      },
      { $set: { lastUpdated: '2026-11-25T15:50:00.000Z', directories: ['/home/jdoe/project'] } },
      { $set: { futureNotes: `mail ${EMAIL}` } },
    ];
    const file = path.join(await tempDir(), 'session-2026-11-25T15-49-f3bf85b2.jsonl');
    await writeFile(file, `${[...lines, ...updates.map((u) => JSON.stringify(u))].join('\n')}\n`);
    const report = (await scanWithTestEngine([file], { reveal: true })).report!;
    assert.equal(report.files[0]?.format, 'gemini-cli');
    const n = lines.length;
    assert.deepEqual(report.findings.filter((f) => f.line > n).map(where), [
      `${n + 1} $set.summary assistant test.aws-access-key ${AWS}`,
      `${n + 2} $set.memoryScratchpad.workflowSummary metadata test.github-token ${GHP}`,
      `${n + 4} $set.futureNotes metadata test.email ${EMAIL}`,
    ]);
  });

  it('gemini-cli: the summary of a first record and of a legacy session document is read', async () => {
    const dir = await tempDir();
    // Not in the legacy session's messages: found again there, it would be the same finding.
    const OTHER_AWS = 'AKIAZ7QWERTYUIOPLKJH';
    // A session resumed from a legacy .json is rewritten as JSONL with its summary in the first record.
    const first = {
      sessionId: 'f3bf85b2-5de9-44d0-9d4a-968755f797c4',
      projectHash: 'f8bd3e',
      startTime: '2026-11-25T15:49:42.292Z',
      lastUpdated: '2026-11-25T15:49:42.292Z',
      kind: 'main',
      summary: `Deploy with ${AWS}`,
    };
    const jsonl = path.join(dir, 'session-2026-11-25T15-49-f3bf85b2.jsonl');
    await writeFile(jsonl, `${JSON.stringify(first)}\n`);
    const legacy = path.join(dir, 'session-2025-09-01T10-00-9f8e7d6c.json');
    const doc = JSON.parse(
      await readFile(fixture('gemini-tmp/3c9a/chats/session-2025-09-01T10-00-9f8e7d6c.json'), 'utf8'),
    ) as Record<string, unknown>;
    await writeFile(legacy, JSON.stringify({ ...doc, summary: `Key ${OTHER_AWS}` }, null, 2));
    const report = (await scanWithTestEngine([jsonl, legacy], { reveal: true, cwd: dir })).report!;
    const legacyLine =
      (await readFile(legacy, 'utf8')).split('\n').findIndex((l) => l.includes('"summary"')) + 1;
    assert.deepEqual(
      report.findings.filter((f) => f.path.includes('summary')).map((f) => `${f.file} ${where(f)}`),
      [
        `session-2025-09-01T10-00-9f8e7d6c.json ${legacyLine} summary assistant test.aws-access-key ${OTHER_AWS}`,
        `session-2026-11-25T15-49-f3bf85b2.jsonl 1 summary assistant test.aws-access-key ${AWS}`,
      ],
    );
    assert.ok(report.findings.every((f) => f.format === 'gemini-cli'));
  });

  it('claude-code 2.1.3xx: the requests it records as sent, the queued and last prompts and the rendered attachments are read, with their roles', async () => {
    // Claude Code 2.1.332 run with HOME=/tmp/scanfx/claude/home/dev and a CLAUDE.md naming an
    // email (SOURCES.md): besides the conversation it writes each request as sent, the system
    // prompt and tools (api-request-shape), the messages that differ from the conversation's
    // (api-request-blob; the environment block as a system message), and the other parameters.
    const file = path.join(REAL, 'claude-code-requests.jsonl');
    const records = (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const leaves = records.flatMap((rec, i) => {
      const out: (Leaf & { line: number; type: unknown })[] = [];
      claudeCodeLeaves(rec, (leaf) => out.push({ ...leaf, line: i + 1, type: rec.type }));
      return out;
    });
    // Where the home and the CLAUDE.md's email went: every place they were sent from.
    assert.deepEqual(
      leaves
        .filter((l) => /\/home\/dev|jane\.doe/.test(l.text))
        .map((l) => `${l.line} ${String(l.type)} ${l.path.join('.')} ${l.role}`),
      [
        '1 queue-operation content user',
        '3 user message.content user',
        '4 attachment attachment.snapshot.workingDirectory user',
        '4 attachment rendered.0.content system',
        '10 attachment attachment.files.0.path user',
        '10 attachment attachment.files.0.content user',
        '10 attachment rendered.0.content user',
        '14 attachment attachment.systemPrompt.5 system',
        '15 api-request-shape shape.system.1.text system',
        '16 api-request-blob message.content.0.text user',
        '16 api-request-blob message.content.2.text user',
        '17 api-request-blob message.content.0.text system',
        '21 assistant message.content.0.input.file_path tool_use',
        '22 last-prompt lastPrompt user',
        '25 attachment attachment.systemPrompt.5 system',
        '28 last-prompt lastPrompt user',
      ],
    );
    const rolesOf = (type: string) =>
      [...new Set(leaves.filter((l) => l.type === type).map((l) => `${String(l.path[0])}:${l.role}`))].sort();
    assert.deepEqual(rolesOf('api-request-shape'), ['shape:system', 'shape:tool_definition']);
    assert.deepEqual(rolesOf('api-request'), ['params:metadata']);
    // The prompt snapshot an attachment keeps: the same system prompt and tools.
    assert.deepEqual(
      [...new Set(leaves.filter((l) => l.line === 25).map((l) => `${String(l.path[1])}:${l.role}`))].sort(),
      ['cliPrefix:system', 'contextRendering:system', 'systemPrompt:system', 'tools:tool_definition'],
    );
    assert.ok(leaves.some((l) => l.type === 'api-request' && l.path.join('.') === 'params.model'));
    // Bookkeeping stays out: hashes, ids, costs, the tools used.
    for (const type of ['cost-state', 'tools-used', 'atis-latch'])
      assert.equal(leaves.filter((l) => l.type === type).length, 0, type);
    assert.ok(
      !leaves.some((l) => ['hash', 'shapeHash', 'requestDigest', 'tail'].includes(String(l.path[0]))),
    );

    // The scan: the environment block is found as sent, a system message, not only as the
    // attachment's data; a file of a request's records alone (shape, blobs, parameters) is
    // still Claude Code's.
    const report = (await scanWithTestEngine([file], { reveal: true })).report!;
    assert.equal(report.files[0]?.format, 'claude-code');
    assert.deepEqual(report.warnings, []);
    assert.ok(
      report.findings.some((f) => where(f) === '4 rendered.0.content system test.home-path /home/dev'),
    );
    const tail = path.join(await tempDir(), 'from-a-request.jsonl');
    await writeFile(
      tail,
      `${records
        .slice(14, 18)
        .map((r) => JSON.stringify(r))
        .join('\n')}\n`,
    );
    const fromRequest = (await scanWithTestEngine([tail], { reveal: true })).report!;
    assert.equal(fromRequest.files[0]?.format, 'claude-code');
    assert.ok(
      fromRequest.findings.some((f) => where(f) === '1 shape.system.1.text system test.home-path /home/dev'),
    );
  });

  it("qwen-code: ~/.qwen/usage_record.jsonl is recognised as Qwen Code's, and nothing in it was sent", async () => {
    // Qwen Code 0.24 run twice against the simulator: one line per session, counts and the
    // project folder. As unknown JSONL every string of it was scanned (the folder, the session id).
    const report = (
      await scanWithTestEngine([path.join(REAL, 'qwen-code-usage_record.jsonl')], { reveal: true })
    ).report!;
    assert.deepEqual(
      report.files.map((f) => `${f.format} ${f.records} ${f.findings}`),
      ['qwen-code 2 0'],
    );
    assert.deepEqual(report.warnings, []);
  });

  it('qwen-code: an OpenAI API log (--openai-logging) is read as the request it sent and the answer it got', async () => {
    // `qwen -p ... --openai-logging` wrote <project>/logs/openai/openai-<time>-<id>.json, one
    // pretty-printed document per request: this one is the second, after the tool call.
    const file = path.join(REAL, 'qwen-code-openai-log.json');
    const report = (await scanWithTestEngine([file], { reveal: true })).report!;
    assert.equal(report.files[0]?.format, 'qwen-code');
    assert.deepEqual(report.findings.map(where), [
      '8 request.messages.0.content system test.home-path /home/dev',
      '19 request.messages.1.content.1.text user test.home-path /home/dev',
      '44 request.messages.2.tool_calls.0.function.arguments tool_use test.home-path /home/dev',
      '55 request.messages.3.content.0.text tool_result test.aws-access-key AKIAZ7QWERTYUIOPLKJH',
      '55 request.messages.3.content.0.text tool_result test.github-token ghp_Zq4Lm8Nx2Vb6Cs1Dr5Ft9Gy3Hu7Jk0Pe4Wa8',
      '216 request.tools.5.function.parameters.properties.file_path.description tool_definition test.home-path /home/user',
      '373 response.choices.0.message.content assistant test.aws-access-key AKIAZ7QWERTYUIOPLKJH',
    ]);
    assert.ok(
      report.findings.every((f) => f.assistant === 'qwen-code' && f.timestamp === '2026-11-29T09:23:19.590Z'),
    );
    // The log's own members were never sent: the host name, the session id.
    const doc = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    const paths: string[] = [];
    qwenLogLeaves(doc, (leaf) => paths.push(String(leaf.path[0])));
    assert.deepEqual([...new Set(paths)].sort(), ['request', 'response']);
    // Logs gathered onto the lines of one JSONL file are read the same way.
    const gathered = path.join(await tempDir(), 'openai-logs.jsonl');
    await writeFile(gathered, `${JSON.stringify(doc)}\n${JSON.stringify(doc)}\n`);
    const lines = (await scanWithTestEngine([gathered], { reveal: true })).report!;
    assert.equal(lines.files[0]?.format, 'qwen-code');
    assert.ok(
      lines.findings.some(
        (f) =>
          where(f) ===
          '1 request.messages.3.content.0.text tool_result test.aws-access-key AKIAZ7QWERTYUIOPLKJH',
      ),
    );
  });

  it("claude-code: a local command's output (system local_command) is read as the user text it is sent as", async () => {
    // Claude Code 2.1.332 `-p /context` with a CLAUDE.md in the project (SOURCES.md): its output,
    // which lists the memory file's path, is written as a system record and sent with the next
    // request; `contextUsage` (the same figures as data, for the UI) and `commandRun` are not.
    const file = path.join(REAL, 'claude-code-local-command.jsonl');
    const report = (await scanWithTestEngine([file], { reveal: true })).report!;
    assert.equal(report.files[0]?.format, 'claude-code');
    assert.deepEqual(report.findings.filter((f) => f.line === 5).map(where), [
      '5 content user test.home-path /home/dev',
    ]);
    const rec = JSON.parse((await readFile(file, 'utf8')).split('\n')[4]!) as Record<string, unknown>;
    const leaves: Leaf[] = [];
    claudeCodeLeaves(rec, (leaf) => leaves.push(leaf));
    assert.deepEqual(
      leaves.map((l) => `${l.path.join('.')} ${l.role}`),
      ['content user'],
    );
    // Other system records are local notices.
    const notice: Leaf[] = [];
    claudeCodeLeaves({ ...rec, subtype: 'informational', content: `token ${AWS}` }, (l) => notice.push(l));
    assert.deepEqual(notice, []);
  });

  it('claude-code: a shell command run with ! in the terminal UI is read where its output went, user records', async () => {
    // Claude Code 2.1.332 in a pseudo-terminal, `!echo BANG-<key>` typed, then a prompt
    // (SOURCES.md): the command and its output are user records (<bash-input>, <bash-stdout>),
    // sent with the next request, not system records.
    const file = path.join(REAL, 'claude-code-bang-command.jsonl');
    const report = (await scanWithTestEngine([file], { reveal: true })).report!;
    assert.equal(report.files[0]?.format, 'claude-code');
    const key = 'AKIAZ7QWERTYUIOPLKJH';
    // Found first in the command typed, then again in its output (one finding, two occurrences).
    const found = report.findings.filter((f) => f.value === key);
    assert.deepEqual(
      found.map((f) => `${f.line} ${f.path.join('.')} ${f.role}`),
      ['6 message.content user'],
    );
    assert.ok((found[0]?.occurrences ?? 1) >= 2, JSON.stringify(found[0]));
    const output = JSON.parse((await readFile(file, 'utf8')).split('\n')[6]!) as Record<string, unknown>;
    const leaves: Leaf[] = [];
    claudeCodeLeaves(output, (leaf) => leaves.push(leaf));
    assert.deepEqual(
      leaves.map((l) => `${l.path.join('.')} ${l.role} ${l.text}`),
      [`message.content user <bash-stdout>BANG-${key}</bash-stdout><bash-stderr></bash-stderr>`],
    );
  });

  it("claude-code: a hook's output is read as sent where the CLI rendered it into the request, as only shown where it did not", async () => {
    // Claude Code 2.1.332 -p with UserPromptSubmit, PreToolUse and PostToolUse hooks that echo a
    // marker (SOURCES.md): the prompt hook's output has `rendered` (a system reminder) and is in
    // the next request's blobs; the tool hooks' (exit 0) have none and are in no request.
    const file = path.join(REAL, 'claude-code-hooks.jsonl');
    const records = (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const got = records.flatMap((rec, i) => {
      const out: string[] = [];
      claudeCodeLeaves(rec, (l) => {
        const hook = /HOOK(UPS|PRE|POST)/.exec(l.text)?.[1];
        if (hook && l.path.at(-1) !== 'command') out.push(`${i + 1} ${hook} ${l.path.join('.')} ${l.role}`);
      });
      return out;
    });
    assert.deepEqual(got, [
      '9 UPS attachment.content user',
      '9 UPS attachment.stdout user',
      '9 UPS rendered.0.content system',
      '20 UPS message.content.0.text system',
      '30 PRE attachment.content metadata',
      '30 PRE attachment.stdout metadata',
      '32 POST attachment.content metadata',
      '32 POST attachment.stdout metadata',
      '36 UPS attachment.content user',
      '36 UPS attachment.stdout user',
      '36 UPS rendered.0.content system',
      '37 UPS message.content.0.text system',
    ]);
  });

  it("claude-code: an api-request's withheld names the parameters CLAUDE_CODE_EXTRA_BODY added, whose values are never saved", async () => {
    // Claude Code 2.1.332 -p with CLAUDE_CODE_EXTRA_BODY={"top_k":5,"metadata_note":"EXTRA-<key>"}
    // (SOURCES.md): each api-request names them in `withheld`, and the values are in no record,
    // so a scan cannot see what the extra body sent.
    const text = await readFile(path.join(REAL, 'claude-code-extra-body.jsonl'), 'utf8');
    assert.ok(!text.includes('EXTRA-'));
    const got = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r.type === 'api-request')
      .flatMap((rec) => {
        const out: string[] = [];
        claudeCodeLeaves(rec, (l) => {
          if (l.path[0] === 'withheld') out.push(`${l.path.join('.')} ${l.role} ${l.text}`);
        });
        return out;
      });
    assert.deepEqual(got, [
      'withheld.0 metadata top_k',
      'withheld.1 metadata metadata_note',
      'withheld.0 metadata top_k',
      'withheld.1 metadata metadata_note',
    ]);
  });

  it('claude-code: progress, content-replacement and the cut and withheld members of api-request are read, with the roles of what they hold', () => {
    // Shapes as Claude Code 2.1.332's bundled code writes them (SOURCES.md): it writes progress
    // records into a session file only for forked agents, and content-replacement only when a
    // turn's tool results pass 200,000 characters, neither of which a headless run against the
    // simulator made, so these records are built to those shapes, not taken from a file.
    const base = { sessionId: 'f3c1', uuid: 'u1', timestamp: '2026-11-29T10:00:00.000Z' };
    const records: Record<string, unknown>[] = [
      {
        ...base,
        type: 'progress',
        toolUseID: 'agent_msg_1',
        parentToolUseID: 'toolu_1',
        data: {
          type: 'agent_progress',
          prompt: `check ${AWS}`,
          agentId: 'a1',
          agentType: 'general-purpose',
          message: {
            type: 'assistant',
            uuid: 'u2',
            message: {
              role: 'assistant',
              content: [
                { type: 'text', text: `found ${AWS}` },
                { type: 'tool_use', id: 'toolu_2', name: 'Bash', input: { command: `echo ${AWS}` } },
              ],
            },
          },
        },
      },
      {
        ...base,
        type: 'progress',
        data: {
          type: 'skill_progress',
          prompt: 'p',
          message: {
            type: 'user',
            message: {
              role: 'user',
              content: [{ type: 'tool_result', tool_use_id: 't', content: `out ${AWS}` }],
            },
          },
        },
      },
      {
        ...base,
        type: 'progress',
        toolUseID: 'bash-progress-0',
        data: {
          type: 'bash_progress',
          output: `line ${AWS}`,
          fullOutput: `first\nline ${AWS}`,
          elapsedTimeSeconds: 3,
          totalLines: 2,
          totalBytes: 30,
          taskId: 'b1',
        },
      },
      {
        ...base,
        type: 'progress',
        data: {
          type: 'hook_progress',
          hookEvent: 'PreToolUse',
          hookName: 'PreToolUse:Bash',
          command: `curl -H "x: ${AWS}" http://127.0.0.1/`,
          statusMessage: `checking ${AWS}`,
          promptText: `is ${AWS} safe?`,
        },
      },
      {
        ...base,
        type: 'progress',
        data: { type: 'tool_heartbeat', toolName: `Bash ${AWS}`, elapsedTimeSeconds: 30 },
      },
      {
        type: 'content-replacement',
        sessionId: 'f3c1',
        agentId: 'a1',
        replacements: [
          { kind: 'tool-result', toolUseId: `toolu_${AWS}`, replacement: `preview ${AWS} (saved)` },
        ],
      },
      {
        type: 'api-request',
        sessionId: 'f3c1',
        id: 'r1',
        shapeHash: 'abc',
        params: { model: 'claude-opus-5-5' },
        withheld: ['thread', `extra_${AWS}`],
        keep: 0,
        tail: [`h_${AWS}`],
        cut: { kind: 'tool-mark-address', cuts: 1, placeholders: 1, messages: [`m_${AWS}`] },
        cutRequestDigest: `d_${AWS}`,
      },
    ];
    const got = records.flatMap((rec) => {
      const out: string[] = [];
      claudeCodeLeaves(rec, (l) => {
        if (l.text.includes(AWS)) out.push(`${String(rec.type)} ${l.path.join('.')} ${l.role}`);
      });
      return out;
    });
    assert.deepEqual(got, [
      'progress data.message.message.content.0.text assistant',
      'progress data.message.message.content.1.input.command tool_use',
      'progress data.prompt user',
      'progress data.message.message.content.0.content tool_result',
      'progress data.output tool_result',
      'progress data.fullOutput tool_result',
      'progress data.command metadata',
      'progress data.statusMessage metadata',
      'progress data.promptText user',
      'content-replacement replacements.0.replacement tool_result',
      'api-request withheld.1 metadata',
      'api-request cut.messages.0 metadata',
    ]);
  });

  it("codex: Codex 0.16x's item_completed events are read, as user_message and exec_command_end were", async () => {
    // The UI's copy of each turn item: a command's output as it was shown (what the model got
    // may be cut short), and the answer; found first there, then again in the response items.
    const found = await findingsOf([path.join(REAL, 'codex.jsonl')]);
    const aws = found.filter((f) => f.value === 'AKIAZ7QWERTYUIOPLKJH');
    assert.deepEqual(
      aws.map((f) => `${f.path.join('.')} ${f.role} ${f.occurrences}`),
      ['payload.item.aggregated_output tool_result 2', 'payload.item.content.0.text assistant 2'],
    );
  });
});

describe('readers on streamed answers in HAR captures', () => {
  // Streams spelled by the simulator (src/simulator/), cut into deltas of 8 code points: a
  // 20-character key spans at least 3 of them.
  const SPLIT = { chunkSize: 8, argsChunkSize: 8 };
  const TEXT = `Your key is ${AWS} and token ${GHP}.`;
  const ARGS = { command: `export AWS_ACCESS_KEY_ID=${AWS} GITHUB_TOKEN=${GHP}` };

  /** Each kind of streamed part, where its delta sits in an event, per dialect that streams it. */
  const PARTS: {
    kind: string;
    step: ReplyStep;
    role: string;
    field: Partial<Record<StreamDialect, string>>;
  }[] = [
    {
      kind: 'text',
      step: { text: TEXT },
      role: 'assistant',
      field: {
        'anthropic-messages': 'delta.text',
        'openai-chat': 'choices.0.delta.content',
        'openai-responses': 'delta',
        gemini: 'candidates.0.content.parts.0.text',
      },
    },
    {
      kind: 'tool-call arguments',
      step: { toolCall: { name: 'Bash', args: ARGS } },
      role: 'tool_use',
      // Gemini sends a function call whole, in one chunk.
      field: {
        'anthropic-messages': 'delta.partial_json.command',
        'openai-chat': 'choices.0.delta.tool_calls.0.function.arguments.command',
        'openai-responses': 'delta.command',
      },
    },
    {
      kind: 'thinking',
      step: { thinking: TEXT },
      role: 'assistant',
      // Chat Completions does not stream reasoning.
      field: {
        'anthropic-messages': 'delta.thinking',
        'openai-responses': 'delta',
        gemini: 'candidates.0.content.parts.0.text',
      },
    },
  ];

  async function scanStream(stream: SimulatedStream, events = stream.events) {
    const dir = await tempDir();
    return findingsOf([await writeHar(dir, 'stream.har', harOfStream(stream, events))]);
  }

  /**
   * The events before the first that holds one of `values` whole: the Responses API repeats the
   * whole text in its `.done` events, which a capture of a stream cut short does not have.
   */
  const cutBefore = (events: string[], ...values: string[]): string[] => {
    const whole = events.findIndex((e) => values.some((v) => e.includes(v)));
    return whole === -1 ? events : events.slice(0, whole);
  };

  /** The path without the entry's line and the SSE line the joined part starts at. */
  const joinedAt = (path: readonly (string | number)[]): string =>
    path.join('.').replace(/sse:joined:\d+/, 'sse:joined:N');

  for (const part of PARTS) {
    for (const dialect of STREAM_DIALECTS) {
      const field = part.field[dialect];
      if (field === undefined) continue;
      it(`${dialect}: a key split over several ${part.kind} deltas is found whole, once`, async () => {
        const stream = simulatedStream(dialect, { reply: [part.step], ...SPLIT });
        const events = cutBefore(stream.events, AWS, GHP);
        assert.ok(!events.some((e) => e.includes(AWS) || e.includes(GHP)), 'no event holds a key whole');
        const findings = await scanStream(stream, events);
        const at = `log.entries.0.response.content.text.sse:joined:N.${field}`;
        assert.deepEqual(
          findings.map((f) => `${joinedAt(f.path)} ${f.role} ${f.ruleId} ${f.value} ${f.occurrences}`),
          [
            `${at} ${part.role} test.aws-access-key ${AWS} 1`,
            `${at} ${part.role} test.github-token ${GHP} 1`,
          ],
        );
      });
    }
  }

  it('anthropic-complete (legacy): a key split over several completion events is found', async () => {
    const stream = simulatedStream('anthropic-complete', { reply: [{ text: TEXT }], ...SPLIT });
    assert.ok(!stream.events.some((e) => e.includes(AWS)));
    const findings = await scanStream(stream);
    assert.deepEqual(
      findings.map((f) => `${joinedAt(f.path)} ${f.role} ${f.value}`),
      [AWS, GHP].map((key) => `log.entries.0.response.content.text.sse:joined:N.completion assistant ${key}`),
    );
  });

  it('openai-chat: reasoning_content (Qwen, DeepSeek) is joined apart from the content', async () => {
    const chunk = (delta: Record<string, unknown>) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', choices: [{ index: 0, delta }] })}\n\n`;
    const stream: SimulatedStream = {
      url: 'https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions',
      mimeType: 'text/event-stream',
      events: [
        chunk({ role: 'assistant', reasoning_content: 'The key AKIAQ3EG' }),
        chunk({ reasoning_content: 'Z7PLXN' }),
        chunk({ content: 'Done: ' }),
        chunk({ reasoning_content: '4TRW6M is live.' }),
        chunk({ content: 'rotated.' }),
      ],
    };
    const findings = await scanStream(stream);
    assert.deepEqual(findings.map(where), [
      `37 log.entries.0.response.content.text.sse:joined:0.choices.0.delta.reasoning_content assistant test.aws-access-key ${AWS}`,
    ]);
  });

  it("gemini without alt=sse: a key split over the chunks of the answer's JSON array is found", async () => {
    const stream = simulatedStream('gemini', { reply: [{ text: TEXT }], ...SPLIT }, true);
    assert.match(stream.mimeType, /^application\/json/);
    assert.ok(!stream.events.some((e) => e.includes(AWS)));
    const findings = await scanStream(stream);
    assert.deepEqual(findings.map(where), [
      `37 log.entries.0.response.content.text.joined:0.candidates.0.content.parts.0.text assistant test.aws-access-key ${AWS}`,
      `37 log.entries.0.response.content.text.joined:0.candidates.0.content.parts.0.text assistant test.github-token ${GHP}`,
    ]);
  });

  for (const dialect of STREAM_DIALECTS) {
    it(`${dialect}: a key inside one delta is scanned once, not again in its joined part`, async () => {
      // One delta per word, and the tool-call arguments in one fragment.
      const reply: AnswerReply = {
        reply: [
          { text: `Your key is ${AWS} and nothing else.` },
          { toolCall: { name: 'Bash', args: { command: `export GITHUB_TOKEN=${GHP}` } } },
        ],
        argsChunkSize: 1000,
      };
      const stream = simulatedStream(dialect, reply);
      const findings = await scanStream(stream);
      for (const key of [AWS, GHP]) {
        const found = findings.filter((f) => f.value === key);
        // Each event that holds the key counts once: the delta's, and the whole copies the
        // Responses API repeats in its `.done` events and snapshots (so its key has several).
        const holding = stream.events.filter((e) => e.includes(key)).length;
        assert.equal(
          found.reduce((n, f) => n + f.occurrences, 0),
          holding,
          `${key} in ${holding} events: ${found.map(where).join(', ')}`,
        );
      }
      assert.deepEqual(
        findings.filter((f) => f.value === AWS).map((f) => f.role),
        ['assistant'],
      );
      // A tool call's input is the tool call's wherever the stream repeats it (Responses: its
      // `.done` event and the item's snapshot), so a key in it is one finding.
      assert.deepEqual(
        findings.filter((f) => f.value === GHP).map((f) => f.role),
        ['tool_use'],
      );
      if (dialect !== 'openai-responses') {
        assert.deepEqual(findings.map((f) => `${f.role} ${f.value} ${f.occurrences}`).sort(), [
          `assistant ${AWS} 1`,
          `tool_use ${GHP} 1`,
        ]);
      }
    });
  }

  /** Every string in an event's JSON data. */
  const stringsOf = (value: unknown, out: Set<string>): Set<string> => {
    if (typeof value === 'string') out.add(value);
    else if (typeof value === 'object' && value !== null)
      for (const item of Object.values(value)) stringsOf(item, out);
    return out;
  };

  for (const dialect of STREAM_DIALECTS) {
    it(`${dialect}: only deltas are joined, not the ids and names every chunk repeats`, () => {
      const text = 'The config is in /srv/app/.env, line 12, as the tests said before.';
      const stream = simulatedStream(dialect, { reply: [{ text }], chunkSize: 5 });
      const events = cutBefore(stream.events, text);
      const har = harOfStream(stream, events) as { log: { entries: unknown[] } };
      const leaves: Leaf[] = [];
      harEntryLeaves(har.log.entries[0], (leaf) => leaves.push(leaf));
      const answer = leaves.filter((l) => l.text === text);
      assert.equal(answer.length, 1, 'the joined text is one leaf');
      assert.equal(answer[0]?.role, 'assistant');
      const alone = leaves.filter((l) => l !== answer[0] && text.includes(l.text));
      assert.deepEqual(alone, [], 'no delta scanned alone as well');
      // Values that come back in several events (ids, model names, fingerprints).
      const seen = new Map<string, number>();
      for (const event of events)
        for (const line of event.split(/\r?\n/))
          if (line.startsWith('data: {'))
            for (const value of stringsOf(JSON.parse(line.slice(6)), new Set()))
              seen.set(value, (seen.get(value) ?? 0) + 1);
      const repeated = [...seen].filter(([v, n]) => n > 1 && v.length >= 4 && !text.includes(v));
      assert.ok(repeated.length > 0, 'the stream repeats some ids or names');
      for (const leaf of leaves)
        for (const [value] of repeated)
          assert.equal(
            leaf.text.indexOf(value),
            leaf.text.lastIndexOf(value),
            `${value} twice in ${leaf.text}`,
          );
    });
  }
});
