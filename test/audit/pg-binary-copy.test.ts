/** The binary COPY decoder, fed what the real PostgreSQL sends, cut at every kind of place. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import {
  BinaryCopyDecoder,
  BinaryCopyError,
  type CopyColumn,
  type CopyValue,
} from '../../src/audit/pg-binary-copy.js';
import { PG_URL } from './helpers.js';

const BIG = `{"doc":"${'ü\\\\n'.repeat(70_000)}"}`;
const EXPECTED: CopyValue[][] = [
  [1, 'a\tb\\c\nd "é" 😀', null],
  [-5, '', 'x'],
  [2 ** 53 - 1, BIG, '\r'],
];

async function copyBytes(client: pg.Client, sql: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of client.query(
    copyTo(`COPY (${sql}) TO STDOUT (FORMAT binary)`),
  ) as AsyncIterable<Buffer>)
    chunks.push(chunk);
  return Buffer.concat(chunks);
}

function decodeInPieces(
  bytes: Buffer,
  cuts: readonly number[],
  columns: readonly CopyColumn[] = ['int8', 'text', 'text'],
): CopyValue[][] {
  const decoder = new BinaryCopyDecoder(columns);
  const rows: CopyValue[][] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    rows.push(...decoder.push(bytes.subarray(from, cut)));
    from = cut;
  }
  decoder.finish();
  return rows;
}

describe('binary COPY decoder', () => {
  const client = new pg.Client({ connectionString: PG_URL });
  let bytes: Buffer;

  before(async () => {
    await client.connect();
    bytes = await copyBytes(
      client,
      'SELECT * FROM (VALUES ($t$1$t$::int8, $t$a\tb\\c\nd "é" 😀$t$::text, NULL::text), ' +
        `(-5, '', 'x'), (9007199254740991, $big$${BIG}$big$, E'\\r')) v`,
    );
  });
  after(() => client.end());

  it('decodes int8, text and NULL from one chunk', () => {
    assert.deepEqual(decodeInPieces(bytes, []), EXPECTED);
  });

  it('keeps a text column as its UTF-8 bytes when asked (bytes), also when cut inside one', () => {
    for (const cuts of [[], [bytes.indexOf('ü') + 1], Array.from({ length: 120 }, (_, i) => i + 1)]) {
      const rows = decodeInPieces(bytes, cuts, ['int8', 'bytes', 'bytes']);
      assert.deepEqual(
        rows.map((r) => r.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v))),
        EXPECTED,
      );
      assert.ok(rows.every((r) => Buffer.isBuffer(r[1])));
    }
  });

  it('decodes the same rows however the stream is cut', () => {
    const everyByteOfTheHead = Array.from({ length: 120 }, (_, i) => i + 1);
    assert.deepEqual(decodeInPieces(bytes, everyByteOfTheHead), EXPECTED);
    const inKilobytes = Array.from({ length: Math.floor(bytes.length / 1024) }, (_, i) => (i + 1) * 1024);
    assert.deepEqual(decodeInPieces(bytes, inKilobytes), EXPECTED);
    // A cut inside a multi-byte character of the large field and one byte before the trailer.
    assert.deepEqual(decodeInPieces(bytes, [bytes.indexOf('ü') + 1, bytes.length - 1]), EXPECTED);
  });

  it('says what is wrong with data it cannot decode', () => {
    assert.throws(() => new BinaryCopyDecoder(['int8']).push(Buffer.from('id\tname\n'.repeat(3))), {
      name: 'BinaryCopyError',
      message: /signature is missing/,
    });
    assert.throws(() => decodeInPieces(bytes.subarray(0, bytes.length - 2), []), /ended before its trailer/);
    assert.throws(() => new BinaryCopyDecoder(['int8', 'text']).push(bytes), /has 3 fields, expected 2/);
    assert.throws(() => new BinaryCopyDecoder(['int8', 'int8', 'text']).push(bytes), BinaryCopyError);
    assert.throws(() => decodeInPieces(Buffer.concat([bytes, Buffer.from([0])]), []), /after its trailer/);
  });
});
