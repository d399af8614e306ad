/**
 * The cursor of `changes()` (`audit tail --follow`, the dashboard's feed of other gateways'
 * events): the highest row_id read, and the row_ids below it not seen yet. PostgreSQL numbers a
 * row when it is inserted but shows it when its transaction commits: with two gateways on one
 * database, a batch can commit after a higher-numbered one was read, and a cursor that only asked
 * for `row_id > highest` passed it over for good. Such holes are asked for again on every read
 * for GAP_WAIT_MS. Some never fill, and are then forgotten: an append that failed and rolled
 * back, the ids a replay's `ON CONFLICT DO NOTHING` used up, ids a crash made the sequence skip.
 *
 * Written as `<after>` when nothing is awaited (the form cursors had before), else
 * `<after>;<from>-<to>@<since ms>;...`.
 */

export interface RowGap {
  from: number;
  to: number;
  /** When the hole was first seen (ms): it is given up GAP_WAIT_MS later. */
  since: number;
}

export interface ChangesCursor {
  after: number;
  gaps: RowGap[];
}

/**
 * How long a hole is waited for: an append's statements are each cut off after 30 s (the
 * PostgreSQL store's write timeout), so a transaction that still holds a row_id after two minutes
 * is not going to commit it.
 */
export const GAP_WAIT_MS = 120_000;

/** Holes remembered at most (the newest); each is one more condition of the next read. */
export const MAX_GAPS = 100;

function rowId(text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || text === '' || !Number.isSafeInteger(n) || n < 0) throw new Error('bad row id');
  return n;
}

export function parseChangesCursor(cursor: string): ChangesCursor {
  try {
    const [after, ...rest] = cursor.split(';');
    const gaps = rest.map((part) => {
      const m = /^(\d+)-(\d+)@(\d+)$/.exec(part);
      if (!m) throw new Error('bad gap');
      const gap = { from: rowId(m[1]), to: rowId(m[2]), since: rowId(m[3]) };
      if (gap.from > gap.to) throw new Error('bad gap');
      return gap;
    });
    return { after: rowId(after), gaps };
  } catch {
    throw new Error(`invalid audit changes cursor "${cursor}"`);
  }
}

export function formatChangesCursor(cursor: ChangesCursor): string {
  return [String(cursor.after), ...cursor.gaps.map((g) => `${g.from}-${g.to}@${g.since}`)].join(';');
}

/**
 * The cursor after a read that returned `ids` (ascending: rows from holes and rows after
 * `after`): what was read leaves its hole, numbers passed over on the way to the highest id read
 * become holes, and holes waited for long enough are given up.
 */
export function advanceChangesCursor(
  cursor: ChangesCursor,
  ids: readonly number[],
  now: number,
): ChangesCursor {
  const gaps: RowGap[] = [];
  const keep = (from: number, to: number, since: number) => {
    if (from <= to && now - since < GAP_WAIT_MS) gaps.push({ from, to, since });
  };
  for (const gap of cursor.gaps) {
    let from = gap.from;
    for (const id of ids) {
      if (id < gap.from || id > gap.to) continue;
      keep(from, id - 1, gap.since);
      from = id + 1;
    }
    keep(from, gap.to, gap.since);
  }
  let after = cursor.after;
  for (const id of ids) {
    if (id <= after) continue;
    keep(after + 1, id - 1, now);
    after = id;
  }
  gaps.sort((a, b) => a.from - b.from);
  return { after, gaps: gaps.slice(-MAX_GAPS) };
}
