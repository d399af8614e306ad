/**
 * The dashboard token: 256 random bits in `<dataDir>/dashboard.token`, mode 0600, made on the
 * first start and printed once by the CLI. Written to a temporary file and hard-linked into
 * place, so two workers starting together never see a half-written token: one link wins, the
 * other gets EEXIST and reads the winner's file.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_FILE = 'dashboard.token';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,512}$/;

export interface DashboardToken {
  token: string;
  /** True when this call made the token (the CLI prints it then, and only then). */
  created: boolean;
  path: string;
}

export class DashboardTokenError extends Error {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DashboardTokenError';
  }
}

function readToken(path: string): string {
  const token = readFileSync(path, 'utf8').trim();
  if (!TOKEN_SHAPE.test(token)) {
    throw new DashboardTokenError(
      path,
      `the dashboard token file ${path} does not hold a token (32+ characters of A-Z a-z 0-9 _ -); ` +
        'delete it and restart to make a new one',
    );
  }
  // A token readable by other users is no secret: tighten it rather than serve with it.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return token;
}

export function loadOrCreateDashboardToken(dataDir: string): DashboardToken {
  const path = join(dataDir, TOKEN_FILE);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    try {
      return { token: readToken(path), created: false, path };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const token = randomBytes(32).toString('base64url');
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, `${token}\n`, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(temp, path);
      return { token, created: true, path };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return { token: readToken(path), created: false, path };
    } finally {
      unlinkSync(temp);
    }
  } catch (err) {
    if (err instanceof DashboardTokenError) throw err;
    throw new DashboardTokenError(
      path,
      `cannot read or create the dashboard token ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}
