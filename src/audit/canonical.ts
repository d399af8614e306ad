/**
 * Canonical JSON for hashing: object keys sorted by UTF-16 code units (as in RFC 8785, JCS),
 * no whitespace, `undefined` members dropped, numbers and strings as JSON.stringify writes
 * them. The audit events hold only strings, finite numbers, booleans, arrays and plain
 * objects, for which this matches JCS; the same value always gives the same bytes, so a
 * verifier can recompute the hash from a re-serialized event.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a finite number`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '';
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        out += `${out ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(member)}`;
      }
      return `{${out}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot serialize a ${typeof value}`);
  }
}
