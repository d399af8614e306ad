/**
 * Each reader on real-shaped files (record shapes taken from the CLIs' own code: Claude Code
 * and Codex transcripts, Gemini CLI JSONL and legacy JSON sessions, Qwen Code JSONL, HAR 1.2,
 * audit exports, request bodies, text): format recognised by content, and each planted value
 * found at the right line, JSON path and role, and nowhere it was not sent.
 */
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
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
        `3c9a/chats/session-2025-09-01T10-00-9f8e7d6c.json 7 messages.0.content user test.email ${EMAIL}`,
        `3c9a/chats/session-2025-09-01T10-00-9f8e7d6c.json 13 messages.1.content assistant test.github-token ${GHP}`,
        '3c9a/logs.json 2 0.message user test.home-path /home/jdoe',
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
    const findings = await findingsOf([fixture('capture.har')]);
    assert.deepEqual(findings.map(where), [
      '10 log.entries.0.request.headers.2.value header test.stainless-os Linux',
      `10 log.entries.0.request.postData.text.messages.2.content.0.content tool_result test.email ${EMAIL}`,
      '10 log.entries.0.request.postData.text.system.0.text system test.home-path /home/jdoe',
      `10 log.entries.0.response.content.text.sse:4.delta.text assistant test.github-token ${GHP}`,
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
      '1 messages.0.content system test.home-path /home/jdoe',
      `1 messages.1.content user test.aws-access-key ${AWS}`,
      `1 user metadata test.email ${EMAIL}`,
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
});
