/**
 * Deterministic surrogates. Every choice is a keyed HMAC of (kind, value, attempt) under a
 * per-installation key kept in the data dir, so the same value gets the same surrogate across
 * requests and restarts — provider prompt caches key on identical prefixes, and a surrogate that
 * changed per request would break them. Collisions move to the next candidate: a surrogate is
 * never equal to another real value of the same request, and never reused for a second original.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { BoundedMemo } from '../bounded-memo.js';
import { runAt } from '../detect/runs.js';
import type { ScanInput, ValueKind } from '../detect/types.js';
import {
  flattenPath,
  generate,
  homePrefix,
  isRestorable,
  isSmallSpace,
  jsonEscapePath,
  percentEncodePath,
  percentEncodeWindowsPath,
  type Resolver,
} from './generate.js';
import { uuidShape, type ByteSource } from './shapes.js';
import type { Vault } from './vault.js';
import { bounds, isUserSurrogate, isWordChar } from '../word-char.js';
import { detached } from '../detached-string.js';

export const KEY_FILE = 'surrogate.key';
const KEY_BYTES = 32;
/** Candidates tried before giving up; each is a fresh HMAC draw, so more never help. */
const MAX_ATTEMPTS = 64;
/** Surrogates remembered per run of inputs (a conversation has a handful of small-space values). */
const RUN_WORDS = 256;

/** Reads `<dataDir>/surrogate.key`, creating it (32 random bytes, mode 0600) when absent. */
export function loadOrCreateKey(dataDir: string): Buffer {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, KEY_FILE);
  try {
    // 'wx' fails when the file exists, so two processes starting together agree on one key.
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, randomBytes(KEY_BYTES));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = readFileSync(file);
  if (key.length < KEY_BYTES) {
    // A writer that lost the race may still be writing; a short key is never used.
    throw new Error(
      `${file} holds ${key.length} bytes, expected ${KEY_BYTES}; delete it to create a new key`,
    );
  }
  chmodSync(file, 0o600);
  return key.subarray(0, KEY_BYTES);
}

/**
 * HMAC-SHA256 in counter mode: as many deterministic bytes as a shape needs. Drawn on first
 * use: a derived surrogate (a path under a mapped home, a URL) takes no bytes at all.
 */
class HmacBytes implements ByteSource {
  private block: Buffer | undefined;
  private pos = 0;
  private counter = 0;
  constructor(
    private readonly key: Buffer,
    private readonly seed: string,
  ) {}
  private draw(): Buffer {
    return createHmac('sha256', this.key).update(`${this.counter++}\0${this.seed}`).digest();
  }
  next(): number {
    if (this.block === undefined || this.pos >= this.block.length) {
      this.block = this.draw();
      this.pos = 0;
    }
    return this.block[this.pos++] ?? 0;
  }
}

/** What one request knows while its surrogates are chosen. */
export interface RequestContext {
  /** Every real value found in the request: no surrogate may equal one of them. */
  reals: ReadonlySet<string>;
  /**
   * The request's texts: a surrogate from a small space must not occur in them as a word of its
   * own (a Dockerfile's `WORKDIR /home/user`): the model could echo that literal, and restoring
   * it would write the original into the user's file. A known surrogate found there gives way
   * to the next candidate for this request, as a new one would. Sealed texts (Segment.sealed)
   * do not count: the surrogates there are ours, as the model wrote them, and giving way would
   * change every earlier turn's surrogates (and the provider's prompt cache) on the next.
   */
  inputs?: readonly ScanInput[];
  /** Whether a secret's surrogate is stored for restoring into tool calls. */
  restoreSecrets: boolean;
  /** Filled in: every restorable surrogate used by the request → its original. */
  entries: Map<string, { original: string; secret: boolean }>;
  /** Filled in by planEdits when present: every replaced value → its replacement. */
  replaced?: Map<string, string>;
}

/** A value's keyed hash under an installation key (Surrogates.valueKey, without its memo). */
export function valueKeyUnder(key: Buffer, kind: string, value: string): string {
  return createHmac('sha256', key).update(`value\0${kind}\0${value}`).digest('base64url');
}

export class Surrogates {
  /**
   * valueKey → surrogate; safe to cache because vault links never change once made, unless the
   * vault loses them (its generation goes up): then it is emptied.
   */
  private readonly cache: BoundedMemo<string, string>;
  private vaultGeneration: number | undefined;
  private readonly valueKeys: BoundedMemo<string, string>;
  private readonly trackingIds: BoundedMemo<string, string>;
  private readonly bases: BoundedMemo<string, number>;
  /** credential → its read-back scope (scopeOf). */
  private readonly scopes: BoundedMemo<string, string>;
  /** `scope \0 surrogate` this process has granted or found granted: asked of the vault once. */
  private readonly granted: BoundedMemo<string, true>;
  /** Per run of remembered inputs: whether a surrogate occurs in it as a word (see occurs). */
  private readonly runWords = new WeakMap<readonly ScanInput[], BoundedMemo<string, boolean>>();
  /** Per request: its inputs as runs and loose inputs, and the words looked for so far. */
  private readonly requests = new WeakMap<
    RequestContext,
    { parts: readonly Part[]; found: Map<string, boolean> }
  >();

  constructor(
    private readonly key: Buffer,
    private readonly vault: Vault,
    options: { maxCache?: number } = {},
  ) {
    this.vaultGeneration = vault.generation;
    const max = options.maxCache ?? 100_000;
    this.cache = new BoundedMemo(max, 'oldest');
    this.valueKeys = new BoundedMemo(max);
    this.trackingIds = new BoundedMemo(max);
    this.bases = new BoundedMemo(max);
    this.scopes = new BoundedMemo(1_000);
    this.granted = new BoundedMemo(max, 'oldest');
  }

  /** Forgets what was remembered of a vault that lost what it held (Vault.generation). */
  private noticeVaultLoss(): void {
    if (this.vault.generation === this.vaultGeneration) return;
    this.vaultGeneration = this.vault.generation;
    this.cache.clear();
    this.granted.clear();
  }

  /**
   * The read-back scope of a credential (an API key, a bearer token; '' without one): its keyed
   * hash, so the vault never holds the credential. See grant.
   */
  scopeOf(credential: string): string {
    let scope = this.scopes.get(credential);
    if (scope === undefined) {
      scope = createHmac('sha256', this.key).update(`read-back scope\0${credential}`).digest('base64url');
      this.scopes.set(detached(credential), scope);
    }
    return scope;
  }

  /**
   * Records that the request's surrogates were given under `scope` (Vault.grant): an answer read
   * back later is restored only from the surrogates its credential was given. The provider lets
   * only that credential's account read a stored answer back, so its owner is who sent the
   * values; another user of a shared vault who gets the model to write someone else's surrogates
   * gets surrogates back. A secret's stand-in is never restored in a read-back: not granted.
   */
  async grant(scope: string, ctx: RequestContext): Promise<void> {
    this.noticeVaultLoss();
    let fresh: string[] | undefined;
    for (const [surrogate, entry] of ctx.entries)
      if (!entry.secret && this.granted.get(`${scope}\0${surrogate}`) === undefined)
        (fresh ??= []).push(surrogate);
    if (fresh === undefined) return;
    await this.vault.grant(scope, fresh);
    for (const surrogate of fresh) this.granted.set(detached(`${scope}\0${surrogate}`), true);
  }

  /**
   * The original a surrogate stands for, as the vault has it, when requests under `scope` were
   * given it (grant): an answer read back later names surrogates that earlier requests chose
   * (src/redact/read-back.ts).
   */
  async originalIn(scope: string, surrogate: string): Promise<string | undefined> {
    this.noticeVaultLoss();
    const id = `${scope}\0${surrogate}`;
    if (this.granted.get(id) === undefined) {
      if (!(await this.vault.isGranted(scope, surrogate))) return undefined;
      this.granted.set(id, true);
    }
    return this.vault.originalOf(surrogate);
  }

  /** Keyed hash of a value: the vault's reverse key and the audit log's value hash. */
  valueKey(kind: string, value: string): string {
    const id = `${kind}\0${value}`;
    let key = this.valueKeys.get(id);
    if (key === undefined) {
      key = valueKeyUnder(this.key, kind, value);
      // Every request of a conversation repeats the same values: remember their hashes.
      this.valueKeys.set(detached(id), key);
    }
    return key;
  }

  /**
   * A stand-in that depends on the place only (header name, JSON path), not on the value: a
   * tracking id becomes one stable random id per installation, so sessions cannot be linked.
   */
  tracking(value: string, place: string): string {
    // A pure function of (key, place, value), asked again on every request of a session.
    const id = `${place}\0${value}`;
    let stand = this.trackingIds.get(id);
    if (stand === undefined) {
      stand = uuidShape(value, new HmacBytes(this.key, `tracking\0${place}`));
      this.trackingIds.set(detached(id), stand);
    }
    return stand;
  }

  async surrogate(kind: ValueKind, original: string, ctx: RequestContext, secret = false): Promise<string> {
    this.noticeVaultLoss();
    const restorable = isRestorable(kind) && (!secret || ctx.restoreSecrets);
    const valueKey = this.valueKey(kind, original);
    let known = this.cache.get(valueKey) ?? (restorable ? await this.vault.surrogateOf(valueKey) : undefined);
    const guessable = restorable && !secret && isSmallSpace(kind);
    if (
      known !== undefined &&
      !this.conflicts(known, original, ctx) &&
      !(guessable && hasInputs(ctx) && this.occurs(ctx, known))
    ) {
      this.cache.set(valueKey, known);
      if (restorable) {
        ctx.entries.set(known, { original, secret });
        addPathVariants(kind, original, known, ctx);
        // Its home was resolved when the surrogate was made: the model may name the home alone.
        const home = kind === 'project-path' || kind === 'home-path' ? homePrefix(original) : undefined;
        if (home !== undefined && home !== original) await this.surrogate('home-path', home, ctx, secret);
      }
      return known;
    }
    const resolve: Resolver = (k, v) => this.surrogate(k, v, ctx, secret);
    const base = this.base(kind, original);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const bytes = new HmacBytes(this.key, `shape\0${kind}\0${attempt}\0${original}`);
      const candidate = await generate(kind, original, bytes, base + attempt, attempt, resolve);
      if (candidate.text === original) return original;
      if (this.conflicts(candidate.text, original, ctx)) continue;
      // Only restorable small-space surrogates are ambiguous; `UTC` may occur anywhere, and a
      // random-shaped key in the request is one of ours carried back.
      if (guessable && !candidate.derived && hasInputs(ctx) && this.occurs(ctx, candidate.text)) continue;
      if (candidate.derived) return candidate.text; // restores through its parts' entries (a home, a host)
      if (!restorable) {
        this.cache.set(valueKey, detached(candidate.text));
        return candidate.text;
      }
      // A cached link that conflicts in this request is escaped without relinking the value.
      const linked = await this.vault.claim(
        detached(candidate.text),
        detached(original),
        known === undefined ? valueKey : undefined,
      );
      if (linked === undefined) continue;
      if (known === undefined) this.cache.set(valueKey, linked);
      if (
        linked !== candidate.text &&
        (this.conflicts(linked, original, ctx) || (guessable && hasInputs(ctx) && this.occurs(ctx, linked)))
      ) {
        // Another request (this gateway's or another's) linked the value first, while this one
        // was choosing, to a surrogate this request cannot use: escaped like a known link.
        known = linked;
        continue;
      }
      ctx.entries.set(linked, { original, secret });
      addPathVariants(kind, original, linked, ctx);
      return linked;
    }
    throw new Error(`no free surrogate for a ${kind} value after ${MAX_ATTEMPTS} attempts`);
  }

  /**
   * The candidate numbering's start for a value. Derived surrogates are never cached (they
   * follow their parts), so each request asks again: remember this pure function's answers.
   */
  private base(kind: ValueKind, original: string): number {
    const id = `${kind}\0${original}`;
    let base = this.bases.get(id);
    if (base === undefined) {
      base = createHmac('sha256', this.key).update(`n\0${id}`).digest().readUInt32BE(0);
      this.bases.set(detached(id), base);
    }
    return base;
  }

  /**
   * Whether `word` occurs as a word of its own in the request's texts. Every request of a
   * conversation resends its tool definitions, system prompt and earlier turns (runs of the same
   * frozen inputs, src/detect/runs.ts): what a run holds is kept, so that only the new turn is
   * searched again (the whole 85 KB Claude Code capture once per value was about 2 million
   * instructions a request). Within a request each word is looked for once: a home is asked
   * for again for every path below it.
   */
  private occurs(ctx: RequestContext & { inputs: readonly ScanInput[] }, word: string): boolean {
    let request = this.requests.get(ctx);
    if (request === undefined)
      this.requests.set(ctx, (request = { parts: partsOf(ctx.inputs), found: new Map() }));
    let found = request.found.get(word);
    if (found === undefined) {
      found = request.parts.some((part) =>
        isRun(part) ? this.runHolds(part, word) : part.sealed !== true && occursAsWord(part.text, word),
      );
      request.found.set(word, found);
    }
    return found;
  }

  private runHolds(run: readonly ScanInput[], word: string): boolean {
    let words = this.runWords.get(run);
    if (words === undefined) this.runWords.set(run, (words = new BoundedMemo(RUN_WORDS, 'oldest')));
    let found = words.get(word);
    if (found === undefined) {
      found = run.some((input) => input.sealed !== true && occursAsWord(input.text, word));
      words.set(word, found);
    }
    return found;
  }

  private conflicts(surrogate: string, original: string, ctx: RequestContext): boolean {
    if (surrogate === original) return false;
    if (ctx.reals.has(surrogate)) return true;
    const taken = ctx.entries.get(surrogate);
    return taken !== undefined && taken.original !== original;
  }
}

/**
 * The other spellings of a mapped path in the same request: flattened as Claude Code names its
 * project folders (`-home-alice-src-acme-api`), and the project folder's own name when it is
 * distinctive enough to replace wherever it appears (`acme-api` in a README title), not a
 * common word (`api`, `server`) whose replacement would rewrite the user's code.
 */
function addPathVariants(kind: ValueKind, original: string, surrogate: string, ctx: RequestContext): void {
  if (kind !== 'home-path' && kind !== 'project-path') return;
  const flatOriginal = flattenPath(original);
  const flatSurrogate = flattenPath(surrogate);
  if (flatOriginal !== original && flatOriginal !== flatSurrogate && !ctx.reals.has(flatSurrogate)) {
    ctx.entries.set(flatSurrogate, { original: flatOriginal, secret: false });
    ctx.replaced?.set(flatOriginal, flatSurrogate);
  }
  // A home percent-encoded in a URL or a query string (%2Fhome%2Falice), in either hex case, or
  // written in JSON with escaped slashes (\/home\/alice) inside a text.
  if (kind === 'home-path' && original.startsWith('/') && homePrefix(original) === original) {
    for (const slash of ['%2F', '%2f'])
      addVariant(percentEncodePath(original, slash), percentEncodePath(surrogate, slash), original, ctx);
    addVariant(jsonEscapePath(original), jsonEscapePath(surrogate), original, ctx);
  }
  // A Windows home percent-encoded (C%3A%5CUsers%5Calice, C:%5CUsers%5Calice), in either hex case.
  if (kind === 'home-path' && /^[A-Za-z]:([\\/])[Uu][Ss][Ee][Rr][Ss]\1[^\\/]+$/.test(original)) {
    for (const rawColon of [false, true])
      for (const lower of [false, true]) {
        const form = { rawColon, lower };
        addVariant(
          percentEncodeWindowsPath(original, form),
          percentEncodeWindowsPath(surrogate, form),
          original,
          ctx,
        );
      }
  }
  if (kind !== 'project-path') return;
  const name = /[^\\/]+$/.exec(original)?.[0] ?? '';
  const alias = /[^\\/]+$/.exec(surrogate)?.[0] ?? '';
  const distinctive = name.length >= 6 && /[-_.\d]|[a-z][A-Z]/.test(name);
  if (distinctive && alias !== '' && alias !== name && !ctx.reals.has(alias)) {
    ctx.entries.set(alias, { original: name, secret: false });
    ctx.replaced?.set(name, alias);
  }
}

/** Maps one more spelling of a value to the same spelling of its surrogate, both ways. */
function addVariant(variant: string, surrogateVariant: string, original: string, ctx: RequestContext): void {
  if (variant === original || variant === surrogateVariant || ctx.reals.has(surrogateVariant)) return;
  ctx.entries.set(surrogateVariant, { original: variant, secret: false });
  ctx.replaced?.set(variant, surrogateVariant);
}

/** A request's inputs, a run of remembered ones taken as one part. */
type Part = ScanInput | readonly ScanInput[];

const isRun = (part: Part): part is readonly ScanInput[] => Array.isArray(part);

function partsOf(inputs: readonly ScanInput[]): Part[] {
  const parts: Part[] = [];
  for (let i = 0; i < inputs.length;) {
    const run = runAt(inputs, i);
    parts.push(run ?? (inputs[i] as ScanInput));
    i += run?.length ?? 1;
  }
  return parts;
}

function hasInputs(ctx: RequestContext): ctx is RequestContext & { inputs: readonly ScanInput[] } {
  return ctx.inputs !== undefined;
}

/**
 * Whether `word` occurs in the text on word boundaries (`user-1` not in `user-12`); a user name's
 * surrogate also where `_` joins it (`user-1_build.log`), as the answer's restoring reads it.
 */
function occursAsWord(text: string, word: string): boolean {
  if (word === '' || text.length < word.length) return false;
  const wordStart = isWordChar(word.charCodeAt(0));
  const wordEnd = isWordChar(word.charCodeAt(word.length - 1));
  const joins = isUserSurrogate(word);
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    const end = at + word.length;
    if (wordStart && at > 0 && !bounds(text.charCodeAt(at - 1), joins)) continue;
    if (wordEnd && end < text.length && !bounds(text.charCodeAt(end), joins)) continue;
    return true;
  }
  return false;
}
