/** The spool's segments: committed files deleted in the background, and a shutdown racing that. */
import assert from 'node:assert/strict';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SpoolSegments, type SegmentsOptions } from '../../src/audit/segments.js';
import { tempDir } from './helpers.js';

const line = (text: string): Buffer => Buffer.from(`${JSON.stringify({ text })}\n`);

describe('audit spool segments', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let n = 0;
  before(async () => {
    tmp = await tempDir('airlock-segments-');
  });
  after(() => tmp.cleanup());

  function open(extra: Partial<SegmentsOptions> = {}): {
    segments: SpoolSegments;
    dir: string;
    errors: unknown[];
  } {
    const dir = join(tmp.dir, `spool-${++n}`);
    mkdirSync(dir);
    const errors: unknown[] = [];
    const segments = new SpoolSegments({
      dir,
      instance: `segments-test-${n}`,
      fsync: 'interval',
      fsyncIntervalMs: 60_000,
      segmentBytes: 1024 * 1024,
      liveInstances: new Set([`segments-test-${n}`]),
      onError: (err) => errors.push(err),
      ...extra,
    });
    return { segments, dir, errors };
  }

  it('deletes the open segment once all of it is committed, and writes on in a new file', async () => {
    const { segments, dir, errors } = open();
    const first = segments.write(line('one'), false);
    first.pending++;
    segments.write(line('two'), false);
    first.pending++;
    assert.equal(readdirSync(dir).length, 1);
    first.pending = 0;
    segments.forgetCommitted();
    assert.equal(segments.bytes(), 0, 'a committed segment no longer counts');
    const next = segments.write(line('three'), false);
    assert.notEqual(next.path, first.path, 'a new file, not the deleted one emptied and reused');
    await segments.settled();
    assert.deepEqual(readdirSync(dir), [next.path.split('/').pop()]);
    // Nothing of the committed lines in the new file, nothing of the new line lost.
    assert.equal(readFileSync(next.path, 'utf8'), line('three').toString());
    segments.close();
    assert.deepEqual(errors, []);
  });

  it('keeps a segment while any of its events is uncommitted, and an open one with nothing written', async () => {
    const { segments, dir } = open();
    const seg = segments.write(line('held'), false);
    seg.pending = 1;
    segments.forgetCommitted();
    segments.rotate();
    segments.forgetCommitted();
    await segments.settled();
    assert.equal(readdirSync(dir).length, 1, 'the rotated segment waits for its commit');
    assert.equal(readFileSync(seg.path, 'utf8'), line('held').toString(), 'synced and closed whole');
    seg.pending = 0;
    segments.forgetCommitted();
    await segments.settled();
    assert.deepEqual(readdirSync(dir), []);
    segments.close();
  });

  it('a shutdown while a rotated segment is synced in the background closes it once, and no other file', async () => {
    const { segments, dir, errors } = open();
    const seg = segments.write(line('spilled'), true);
    segments.rotate();
    // close() takes over the descriptor the background still holds; the number is then free,
    // and a file opened now may get it. The background's callback must leave that file alone.
    segments.close();
    const other = openSync(join(dir, 'unrelated'), 'w');
    await segments.settled();
    assert.doesNotThrow(() => fstatSync(other), 'a file opened after the shutdown is still open');
    closeSync(other);
    assert.equal(readFileSync(seg.path, 'utf8'), line('spilled').toString(), 'a disk-only segment stays');
    assert.deepEqual(errors, []);
  });

  it('reports a delete that fails, and goes on', async () => {
    const { segments, errors } = open();
    const seg = segments.write(line('x'), false);
    seg.pending = 1;
    segments.rotate();
    await segments.settled();
    // A directory where the file was: unlink fails (EISDIR), which is not "already gone".
    rmSync(seg.path);
    mkdirSync(seg.path);
    seg.pending = 0;
    segments.forgetCommitted();
    await segments.settled();
    assert.equal(errors.length, 1);
    assert.match(String((errors[0] as NodeJS.ErrnoException).code), /EISDIR|EPERM/);
    const next = segments.write(line('y'), false);
    assert.equal(readFileSync(next.path, 'utf8'), line('y').toString());
    segments.close();
  });
});
