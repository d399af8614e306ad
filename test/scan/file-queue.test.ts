/**
 * The scan pool's queue: each taker keeps to one kind of file (so a thread compiles one reader's
 * code), the takers spread over the kinds, none is left waiting while files remain, a large file
 * of a kind nobody holds is not left for last, and files put back are taken again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FileQueue, kindOf } from '../../src/scan/file-queue.js';
import type { FoundFile } from '../../src/scan/files.js';

const file = (name: string, size: number): FoundFile => ({ path: `/t/${name}`, display: name, size });

function drain(take: { next(): { file: FoundFile } | undefined }): string[] {
  const names: string[] = [];
  for (let item = take.next(); item; item = take.next()) names.push(item.file.display);
  return names;
}

describe('scan file queue', () => {
  it('groups files by extension, compression suffix and case aside', () => {
    assert.equal(kindOf('/a/b/session.JSONL'), '.jsonl');
    assert.equal(kindOf('/a/b/session.jsonl.gz'), '.jsonl');
    assert.equal(kindOf('capture.har'), '.har');
    assert.equal(kindOf('/a/b.c/README'), '');
  });

  it('with one kind, gives the files largest first, each once, across takers', () => {
    const queue = new FileQueue([file('a.jsonl', 1), file('b.jsonl', 3), file('c.jsonl', 2)]);
    const one = queue.taker();
    const two = queue.taker();
    assert.equal(one.next()?.file.display, 'b.jsonl');
    assert.equal(two.next()?.file.display, 'c.jsonl');
    assert.equal(one.next()?.file.display, 'a.jsonl');
    assert.equal(two.next(), undefined);
    assert.equal(queue.size, 0);
  });

  it('spreads takers over kinds and keeps each to its kind while it has files', () => {
    const queue = new FileQueue([
      file('1.har', 10),
      file('2.jsonl', 12),
      file('3.har', 11),
      file('4.jsonl', 13),
      file('5.jsonl', 9),
      file('6.jsonl', 8),
    ]);
    // The kind with the most bytes goes to the first taker, the next kind to the second (largest
    // first over all, the second taker would get 2.jsonl).
    const first = queue.taker();
    const second = queue.taker();
    assert.equal(first.next()?.file.display, '4.jsonl');
    assert.equal(second.next()?.file.display, '3.har');
    assert.equal(first.next()?.file.display, '2.jsonl');
    assert.equal(second.next()?.file.display, '1.har');
    // Its kind used up, the second joins the other kind rather than stopping.
    assert.equal(second.next()?.file.display, '5.jsonl');
    assert.equal(first.next()?.file.display, '6.jsonl');
    assert.equal(queue.size, 0);
  });

  it('does not leave a large file of a kind nobody holds for last', () => {
    const small = Array.from({ length: 6 }, (_, i) => file(`${i}.jsonl`, 10));
    const queue = new FileQueue([...small, file('big.har', 40), file('x.json', 5)]);
    const only = queue.taker();
    // .jsonl has the most bytes, but the HAR is four times its largest file: taken first.
    assert.deepEqual(drain(only).slice(0, 2), ['big.har', '0.jsonl']);
  });

  it('takes files put back again, first, and frees the kind of a taker released', () => {
    const queue = new FileQueue([file('a.har', 5), file('b.har', 4), file('c.jsonl', 3)]);
    const dead = queue.taker();
    const taken = [dead.next()!, dead.next()!];
    assert.deepEqual(
      taken.map((q) => q.file.display),
      ['a.har', 'b.har'],
    );
    dead.release();
    queue.putBack(taken);
    assert.equal(queue.size, 3);
    // The .har kind is free again: a new taker gets it (more bytes) and its files in order.
    assert.deepEqual(drain(queue.taker()), ['a.har', 'b.har', 'c.jsonl']);
  });
});
