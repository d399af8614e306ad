/** Sealing: the fast serializer is canonical JSON, spool lines round-trip, ULIDs sort by time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from '../../src/audit/canonical.js';
import {
  eventDocLatin1,
  eventDocParts,
  eventFromDoc,
  findingRuns,
  LineSealedEvent,
  parseSpoolLine,
  prepareFindingsJson,
  seal,
  sealIntoLine,
  sealOrdered,
  sha256Hex,
  SPOOL_DOC_START,
  spoolLine,
  spoolLineBytes,
  storedForm,
  wholeDocParts,
} from '../../src/audit/chain.js';
import {
  auditFindings,
  buildEventBody,
  buildEventFields,
  type AuditEventInput,
} from '../../src/audit/event.js';
import type { AuditEvent, AuditEventBody, AuditFinding, SealedEvent } from '../../src/audit/types.js';
import { ulid, ulidTime } from '../../src/audit/ulid.js';
import { eventColumns, findingRows, storeRow } from '../../src/audit/sql-reader.js';

/** The recorder's line (the document's parts written one after the other) is the whole document's. */
function assertSameLine(fields: Omit<AuditEvent, 'hash'>, doc: string): void {
  const parts = eventDocParts(fields);
  assert.equal(parts.length, doc.length);
  const room = spoolLineBytes(parts);
  const ours = Buffer.alloc(room + 2, 0xee);
  const theirs = Buffer.alloc(room + 2, 0xee);
  assert.deepEqual(sealIntoLine(ours, 1, parts), sealIntoLine(theirs, 1, wholeDocParts(doc)));
  assert.deepEqual(ours, theirs);
}

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const text = fc.string({ unit: 'binary', maxLength: 40 });
const num = fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true }));

const finding = fc.record({
  ruleId: text,
  category: fc.constantFrom(
    'environment',
    'secret',
    'pii',
    'tracking',
    'hidden-unicode',
    'header-fingerprint',
  ),
  severity: fc.constantFrom('low', 'medium', 'high', 'critical'),
  role: fc.constantFrom('system', 'user', 'assistant', 'tool_result', 'header'),
  path: text,
  action: fc.constantFrom('allow', 'audit', 'pseudonymize', 'redact', 'strip', 'block'),
  valueHash: text,
  preview: text,
});

const body: fc.Arbitrary<AuditEventBody> = fc.record(
  {
    time: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    kind: fc.constantFrom('request', 'egress'),
    client: fc.record({ agent: text, user: opt(text) }, { requiredKeys: ['agent'] }),
    provider: opt(fc.constantFrom('anthropic', 'openai', 'gemini')),
    dialect: opt(fc.constantFrom('anthropic-messages', 'openai-chat', 'passthrough')),
    model: opt(text),
    method: opt(text),
    path: opt(text),
    status: opt(fc.nat(599)),
    latency_ms: fc.record({ total: num, upstream: opt(num), inspect: opt(num) }, { requiredKeys: ['total'] }),
    bytes_in: fc.nat(),
    bytes_out: fc.nat(),
    decision: fc.constantFrom('forward', 'pseudonymize', 'block', 'allow', 'deny', 'error'),
    mode: opt(text),
    findings: fc.array(finding, { maxLength: 4 }),
    egress: opt(
      fc.record({ host: text, port: fc.nat(65535), rule: opt(text) }, { requiredKeys: ['host', 'port'] }),
    ),
    error: opt(text),
    forensic: opt(fc.record({ body: text, bytes: fc.nat(), truncated: fc.boolean() })),
    uninspected: opt(
      fc.array(
        fc.record(
          { bytes: fc.nat(), field: text, name: opt(text), type: text },
          { requiredKeys: ['bytes', 'field', 'type'] },
        ),
        { minLength: 1, maxLength: 3 },
      ),
    ),
  },
  { requiredKeys: ['time', 'kind', 'client', 'latency_ms', 'bytes_in', 'bytes_out', 'decision', 'findings'] },
) as fc.Arbitrary<AuditEventBody>;

const num2 = fc.oneof(num, fc.constantFrom(Number.NaN, Infinity, -5));
const input = fc.record(
  {
    time: opt(fc.date({ noInvalidDate: true }).map((d) => d.getTime())),
    kind: fc.constantFrom('request', 'egress'),
    userAgent: opt(text),
    user: opt(text),
    provider: opt(fc.constantFrom('anthropic', 'openai', 'gemini')),
    dialect: opt(fc.constantFrom('anthropic-messages', 'openai-chat', 'passthrough')),
    model: opt(text),
    method: opt(text),
    path: opt(fc.string({ maxLength: 40 })),
    status: opt(num2),
    latency_ms: fc.record(
      { total: num2, upstream: opt(num2), inspect: opt(num2) },
      { requiredKeys: ['total'] },
    ),
    bytes_in: opt(num2),
    bytes_out: opt(num2),
    decision: fc.constantFrom('forward', 'pseudonymize', 'block', 'allow', 'deny', 'error'),
    mode: opt(text),
    findings: opt(
      fc.array(
        fc.record({
          finding: fc.record({
            ruleId: text,
            category: fc.constantFrom('environment', 'secret', 'pii'),
            severity: fc.constantFrom('low', 'medium', 'high', 'critical'),
            kind: fc.constant('text'),
            input: fc.nat(),
            path: fc.array(fc.oneof(text, fc.nat()), { maxLength: 5 }),
            role: fc.constantFrom('system', 'user', 'tool_result'),
            start: fc.nat(),
            end: fc.nat(),
          }),
          action: fc.constantFrom('allow', 'audit', 'pseudonymize', 'block'),
          valueHash: text,
          preview: text,
        }),
        { maxLength: 4 },
      ),
    ),
    egress: opt(fc.record({ host: text, port: num2, rule: opt(text) }, { requiredKeys: ['host', 'port'] })),
    error: opt(text),
    forensicBody: opt(text),
    uninspected: opt(
      fc.array(
        fc.record(
          { field: text, type: text, bytes: num2, filename: opt(text) },
          { requiredKeys: ['field', 'type', 'bytes'] },
        ),
        { maxLength: 3 },
      ),
    ),
  },
  { requiredKeys: ['kind', 'latency_ms', 'decision'] },
) as unknown as fc.Arbitrary<AuditEventInput>;

const position = { id: '01JABCDEFGHJKMNPQRSTVWXYZ0', instance: 'gw-1', seq: 7, prevHash: 'a'.repeat(64) };

describe('audit chain sealing', () => {
  it('serializes every event exactly as canonical JSON, so an export can be re-verified', () => {
    fc.assert(
      fc.property(body, (b) => {
        const sealed = seal(b, position);
        const { hash, ...unsigned } = JSON.parse(JSON.stringify(sealed.event)) as AuditEvent;
        assert.equal(sealed.doc, canonicalJson(storedForm(unsigned)));
        assert.equal(hash, sha256Hex(sealed.doc));
        // Read back, the document gives the event as sealed, findings one by one in order.
        assert.deepEqual(eventFromDoc(sealed.doc, hash), sealed.event);
      }),
      { numRuns: 300 },
    );
  });

  it('stores consecutive findings of one value as one run of places, and reads them back one by one', () => {
    const f = (path: string, role: AuditFinding['role'], valueHash = 'h1') =>
      ({
        action: 'pseudonymize',
        category: 'environment',
        path,
        preview: '/ho…ts',
        role,
        ruleId: 'env.project-path',
        severity: 'medium',
        valueHash,
      }) as const;
    const findings = [
      f('$.system[1].text', 'system'),
      f('$.system[1].text', 'system', 'h2'),
      f('$.messages[1].content[0].input.file_path', 'tool_use'),
      f('$.messages[3].content[0].input.file_path', 'tool_use'),
      f('$.messages[5].content[0].text', 'tool_result'),
    ];
    const runs = findingRuns(findings);
    assert.deepEqual(
      runs.map((r) => [r.valueHash, r.at.length]),
      [
        ['h1', 1],
        ['h2', 1],
        ['h1', 3],
      ],
    );
    assert.deepEqual(runs[2]!.at[2], ['$.messages[5].content[0].text', 'tool_result']);
    const sealed = seal({ ...fc.sample(body, 1)[0]!, findings }, position);
    assert.ok(sealed.doc.includes('"at":[["$.messages[1].content[0].input.file_path","tool_use"],['));
    assert.deepEqual(eventFromDoc(sealed.doc, sealed.event.hash).findings, findings);
  });

  it('reads documents written before runs (one object per finding) as they are', () => {
    fc.assert(
      fc.property(body, (b) => {
        const sealed = seal(b, position);
        const { hash, ...unsigned } = sealed.event;
        const firstFormat = JSON.stringify(unsigned);
        assert.deepEqual(eventFromDoc(firstFormat, hash), sealed.event);
      }),
      { numRuns: 100 },
    );
    // An edited row can hold anything there; it is read as it is (verify reports the edit).
    for (const findings of ['{"at":1}', '[null,{"at":[]}]', '"x"']) {
      const doc = `{"findings":${findings},"id":"x","seq":1}`;
      assert.doesNotThrow(() => eventFromDoc(doc, 'h'));
    }
  });

  it("builds the recorder's event with its keys already in canonical order (same doc as seal of the body)", () => {
    fc.assert(
      fc.property(input, fc.constantFrom(0, 16), (i, forensicMax) => {
        const time = i.time ?? Date.now();
        const fixed = { ...i, time };
        const sealed = sealOrdered(
          buildEventFields(fixed, forensicMax, position) as Omit<AuditEvent, 'hash'>,
        );
        assert.equal(sealed.doc, seal(buildEventBody(fixed, forensicMax), position).doc);
        const { hash, ...unsigned } = JSON.parse(JSON.stringify(sealed.event)) as AuditEvent;
        assert.equal(sealed.doc, canonicalJson(storedForm(unsigned)));
        assert.equal(hash, sha256Hex(sealed.doc));
      }),
      { numRuns: 300 },
    );
  });

  it("writes the recorder's document member by member exactly as JSON.stringify does", () => {
    // Few distinct values, so that findings repeat the previous one's members in every mix.
    const few = (values: string[]) => fc.constantFrom(...values);
    const repeating = fc.array(
      fc.record({
        finding: fc.record({
          ruleId: few(['env.project-path', 'tracking.metadata-id', 'r"q']),
          category: few(['environment', 'secret']),
          severity: few(['medium', 'critical']),
          kind: fc.constant('text'),
          input: fc.constant(0),
          path: fc.array(fc.oneof(text, fc.nat()), { maxLength: 4 }),
          role: few(['system', 'tool_use']),
          start: fc.constant(0),
          end: fc.constant(1),
        }),
        action: few(['pseudonymize', 'block']),
        valueHash: few(['-PejSdiHq2z8', 'U7QMX\\FUJ']),
        preview: few(['/ho…ts', '5f0…d1', 'a\ud800b', '😀']),
      }),
      { maxLength: 16 },
    );
    fc.assert(
      fc.property(
        input,
        fc.option(repeating, { nil: undefined }),
        fc.constantFrom(0, 16),
        (i, findings, max) => {
          const fields = buildEventFields(
            { ...i, ...(findings ? { findings } : {}) } as AuditEventInput,
            max,
            position,
          ) as Omit<AuditEvent, 'hash'>;
          const doc = eventDocLatin1(fields);
          assert.equal(Buffer.from(doc, 'latin1').toString('utf8'), JSON.stringify(storedForm(fields)));
          assertSameLine(fields, doc);
          // The gateway's way: findings and their JSON made ahead, the same document after.
          if (findings) {
            const preparedFindings = auditFindings(findings as AuditEventInput['findings'] & object);
            prepareFindingsJson(preparedFindings);
            const ahead = buildEventFields(
              { ...i, time: new Date(fields.time), findings: [], preparedFindings } as AuditEventInput,
              max,
              position,
            ) as Omit<AuditEvent, 'hash'>;
            assert.equal(eventDocLatin1(ahead), doc);
            assert.ok(Buffer.isBuffer(eventDocParts(ahead).findings), 'the prepared bytes are used');
            assertSameLine(ahead, doc);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trips spool lines and rejects torn or edited ones', () => {
    fc.assert(
      fc.property(body, (b) => {
        const sealed = seal(b, position);
        const line = spoolLine(sealed);
        assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
        assert.deepEqual(parseSpoolLine(line.slice(0, -1)), sealed);
        assert.equal(parseSpoolLine(line.slice(0, -5)), undefined);
        assert.equal(parseSpoolLine(line.slice(0, -1).replace('"seq":7', '"seq":8')), undefined);
      }),
      { numRuns: 100 },
    );
  });

  it('seals straight into spool line bytes: the same line, hash and document bytes as spoolLine', () => {
    const check = (sealed: SealedEvent, at: number) => {
      // The document as UTF-8 bytes, one per character (the form eventDocLatin1 gives).
      const parts = wholeDocParts(Buffer.from(sealed.doc, 'utf8').toString('latin1'));
      const buf = Buffer.alloc(at + spoolLineBytes(parts) + 7, 0xee);
      const { hash, length } = sealIntoLine(buf, at, parts);
      assert.equal(hash, sealed.event.hash);
      assert.equal(buf.subarray(at, at + length).toString('utf8'), spoolLine(sealed));
      assert.equal(buf.subarray(at + SPOOL_DOC_START, at + length - 2).toString('utf8'), sealed.doc);
      assert.equal(buf[at + length], 0xee, 'nothing written past the line');
      assert.equal(buf[at - 1], at ? 0xee : undefined, 'nothing written before it');
      assert.equal(spoolLineBytes(parts), length, 'its room is exactly the line');
      // The recorder's queued form: the line and the store row; the event decoded back from it.
      const row = { columns: eventColumns(sealed.event), findings: findingRows(sealed.event) };
      const queued = new LineSealedEvent(buf.subarray(at, at + length), row);
      assert.equal(queued.doc, sealed.doc);
      assert.deepEqual(queued.event, sealed.event);
      assert.deepEqual(storeRow(queued), storeRow({ event: queued.event, doc: queued.doc }));
    };
    fc.assert(
      fc.property(body, fc.nat(64), (b, at) => check(seal(b, position), at)),
      { numRuns: 200 },
    );
    // Non-ASCII previews, astral characters and lone surrogates (JSON.stringify escapes those).
    const odd = { agent: 'a…b 😀 \ud800 x\udc00 "q" \u0001' };
    check(seal({ ...seal(fc.sample(body, 1)[0]!, position).event, client: odd }, position), 3);
  });

  it('makes ULIDs that sort in creation order and carry their time', () => {
    const t = Date.parse('2026-04-01T10:00:00Z');
    const ids = [ulid(t), ulid(t), ulid(t), ulid(t + 1), ulid(t + 1000)];
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.equal(ulidTime(ids[0]!), t);
    assert.equal(ulidTime(ids[4]!), t + 1000);
  });
});
