/**
 * Report formats: JSON (the report object), SARIF 2.1.0 validated against the official schema
 * with ajv, text grouped by file and category with colour only when asked, and `--output`.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import AjvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { renderSarif } from '../../src/scan/report/sarif.js';
import type { ScanReport } from '../../src/scan/types.js';
import { AWS, FIXTURES, fixture, scanWithTestEngine, tempDir } from './helpers/run.js';

async function sarifValidator() {
  const schema = JSON.parse(
    await readFile(new URL('../fixtures/scan/sarif-schema-2.1.0.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  // The official schema's `language` pattern has a stray `]` that is only legal without the u flag.
  // Both are CommonJS with `exports.default`: the form that types and runs the same under NodeNext.
  const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
  ajvFormats.default(ajv);
  return ajv.compile(schema);
}

describe('reports', () => {
  it('json: the whole report, masked unless --reveal', async () => {
    const result = await scanWithTestEngine([FIXTURES], { format: 'json' });
    const report = JSON.parse(result.output) as ScanReport;
    assert.ok(report.findings.length > 20);
    assert.equal(report.totals.findings, report.findings.length);
    assert.ok(!result.output.includes(AWS), 'no raw secret without --reveal');
    assert.ok(
      report.findings.every((f) => f.value === undefined),
      'values only with --reveal',
    );
    const revealed = await scanWithTestEngine([FIXTURES], { format: 'json', reveal: true });
    assert.ok(revealed.output.includes(AWS));
    const values = (JSON.parse(revealed.output) as ScanReport).findings.map((f) => f.value);
    assert.equal(values.length, report.findings.length);
    report.findings.forEach((f, i) =>
      assert.notEqual(f.preview, values[i], `preview of ${f.ruleId} must not be the value`),
    );
  });

  it('sarif: valid against the SARIF 2.1.0 schema, with rules, levels, lines and fingerprints', async () => {
    const validate = await sarifValidator();
    const result = await scanWithTestEngine([FIXTURES], { format: 'sarif' });
    const log = JSON.parse(result.output) as {
      runs: {
        tool: { driver: { rules: { id: string; properties: Record<string, unknown> }[] } };
        results: Record<string, unknown>[];
        invocations: { toolExecutionNotifications: unknown[] }[];
      }[];
    };
    const ok = validate(log);
    assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    const run = log.runs[0]!;
    assert.deepEqual(
      run.tool.driver.rules.map((r) => r.id),
      ['test.aws-access-key', 'test.email', 'test.github-token', 'test.home-path', 'test.stainless-os'],
    );
    assert.equal(run.tool.driver.rules[0]!.properties['security-severity'], '9.5');
    const aws = run.results.find((r) => r.ruleId === 'test.aws-access-key') as {
      level: string;
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
      partialFingerprints: Record<string, string>;
    };
    assert.equal(aws.level, 'error');
    assert.equal(aws.locations[0]!.physicalLocation.artifactLocation.uri, 'audit-export.jsonl');
    assert.equal(aws.locations[0]!.physicalLocation.region.startLine, 2);
    assert.match(aws.partialFingerprints['airlockValueHash/v1']!, /^[0-9a-f]{32}$/);
    // The warnings (binary file, truncated line, cut HAR) travel as tool notifications.
    assert.equal(run.invocations[0]!.toolExecutionNotifications.length, 3);
  });

  it('sarif: a report with no findings, odd file names and absolute paths is still valid', async () => {
    const validate = await sarifValidator();
    const empty: ScanReport = {
      tool: { name: 'airlock', version: '0.1.0' },
      startedAt: new Date(0).toISOString(),
      durationMs: 5,
      roots: ['x'],
      failOn: 'high',
      findings: [],
      warnings: [
        { file: '/abs/dir with space/é.jsonl', line: 3, message: 'not valid JSON' },
        { file: 'C:\\Users\\x\\a b.har', message: 'binary file' },
      ],
      files: [],
      totals: {
        files: 0,
        filesSkipped: 0,
        linesSkipped: 0,
        linesAsText: 0,
        bytes: 0,
        records: 0,
        findings: 0,
        baselined: 0,
        bySeverity: { low: 0, medium: 0, high: 0, critical: 0 },
        byCategory: {},
      },
      truncated: false,
    };
    const log = renderSarif(empty);
    assert.ok(validate(log), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
  });

  it('text: grouped by file then category, totals, skipped counts; colour only when asked', async () => {
    const plain = await scanWithTestEngine([FIXTURES], { format: 'text' });
    assert.ok(!plain.output.includes('\x1b['), 'no escape codes without colour');
    const lines = plain.output.split('\n');
    const fileHeader = lines.findIndex((l) => l.startsWith('claude-code-session.jsonl'));
    assert.ok(fileHeader > 0);
    assert.deepEqual(
      lines.slice(fileHeader + 1, fileHeader + 3).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' ')),
      ['environment', 'MEDIUM 2'],
    );
    assert.match(plain.output, /Totals: \d+ findings \(critical \d+, high \d+, medium \d+, low \d+\)/);
    // The cut HAR's lost entry is skipped; truncated.jsonl's cut line was read, as text.
    assert.match(plain.output, /^Skipped: 1 file, 1 line or entry \(see warnings\)$/m);
    assert.match(
      plain.output,
      /^Scanned as plain text \(not valid JSON\): 1 line or document \(see warnings\)$/m,
    );
    assert.match(plain.output, /binary\.bin: binary file, skipped/);
    const coloured = await scanWithTestEngine([FIXTURES], { format: 'text', color: true });
    assert.ok(coloured.output.includes('\x1b[1;35mCRITICAL'));
  });

  it('text: one of a thing is singular, in the header, the file group, the totals and the skipped counts', async () => {
    const dir = await tempDir();
    // One record (a cut JSON line, scanned as text): one finding, one line read as text, none skipped.
    await writeFile(path.join(dir, 'one.jsonl'), `{"note": "${AWS}"\n`);
    const one = (await scanWithTestEngine([dir], { format: 'text', cwd: dir })).output;
    assert.match(one, /^airlock scan: 1 file, [\d.]+ B, 1 record in /);
    assert.match(one, /^one\.jsonl {2}\([\w-]+, 1 finding\)$/m);
    assert.match(one, /^Totals: 1 finding \(critical 1, high 0, medium 0, low 0\); by category: secret 1$/m);
    assert.match(one, /^Scanned as plain text \(not valid JSON\): 1 line or document \(see warnings\)$/m);
    assert.doesNotMatch(one, /^Skipped:/m);
    assert.match(one, /^Fail on high: 1 finding at or above$/m);
    await writeFile(path.join(dir, 'two.jsonl'), `{"ok": 1}\n{"note": "${AWS}"\n`);
    const two = (await scanWithTestEngine([dir], { format: 'text', cwd: dir })).output;
    assert.match(two, /^airlock scan: 2 files, [\d.]+ B, 3 records in /);
    assert.match(two, /^Totals: 2 findings /m);
    assert.match(two, /^Scanned as plain text \(not valid JSON\): 2 lines or documents /m);
  });

  it('text: control characters from the files (names, values, warnings) are shown escaped, not obeyed', async () => {
    const dir = await tempDir();
    const name = 'evil\u001b]0;PWNED\u0007.jsonl';
    await writeFile(
      path.join(dir, name), // A value holding ESC (escaped in the JSON), then a line that is not JSON: a warning.
      `{"k":"key ${AWS}\\u001b[2J"}\n{"k": \u001b]0;x\u0007}\n`,
    );
    const text = (await scanWithTestEngine([dir], { format: 'text', cwd: dir, reveal: true })).output;
    // Warnings go to stderr when the report is not text for the terminal.
    const stderr = (await scanWithTestEngine([dir], { format: 'json', cwd: dir })).errors;
    for (const shown of [text, stderr]) {
      // eslint-disable-next-line no-control-regex -- control characters are what must not be there
      assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(shown), JSON.stringify(shown));
      assert.match(shown, /evil\\u001b\]0;PWNED\\u0007\.jsonl/);
    }
    assert.match(text, /jsonl:2: not valid JSON \(Unexpected token U\+001B\)/);
  });

  it('--output writes the report to a file and returns no output', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'report.sarif');
    const result = await scanWithTestEngine([fixture('claude-code-session.jsonl')], {
      format: 'sarif',
      output: out,
    });
    assert.equal(result.output, '');
    const log = JSON.parse(await readFile(out, 'utf8')) as {
      version: string;
      runs: { results: unknown[] }[];
    };
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs[0]!.results.length, 5);
  });
});
