/** A byte size in config files: a number, or a string such as `32MiB`. */
import { z } from 'zod';

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/i;
const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  kib: 1024,
  mb: 1e6,
  mib: 1024 ** 2,
  gb: 1e9,
  gib: 1024 ** 3,
};

/**
 * `min` is checked on the bytes, after the unit and rounding: `"0"` or `"0.4b"` is as much a
 * zero limit as `0`, and a zero `max_body` would refuse every request with a body.
 */
function sizeSchema(min: 0 | 1) {
  const tooSmall = min === 1 ? 'is less than 1 byte' : 'is negative';
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    let bytes = v;
    if (typeof v === 'string') {
      const m = SIZE.exec(v.trim());
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not a size (e.g. 1048576, 512KiB, 32MiB)` });
        return z.NEVER;
      }
      bytes = Math.round(Number(m[1]) * (UNITS[(m[2] ?? 'b').toLowerCase()] ?? 1));
    }
    const shown = typeof v === 'string' ? `"${v}"` : String(v);
    if (typeof bytes !== 'number' || !Number.isInteger(bytes)) {
      ctx.addIssue({ code: 'custom', message: `${shown} is not a whole number of bytes` });
      return z.NEVER;
    }
    if (bytes < min) {
      ctx.addIssue({ code: 'custom', message: `${shown} ${tooSmall}` });
      return z.NEVER;
    }
    if (!Number.isSafeInteger(bytes)) {
      ctx.addIssue({ code: 'custom', message: `${shown} is too large` });
      return z.NEVER;
    }
    return bytes;
  });
}

/** A limit: at least one byte. */
export const byteSize = sizeSchema(1);

/** A size where 0 turns the feature off (`forensic.max_bytes`). */
export const byteSizeOrOff = sizeSchema(0);
