/**
 * What the policy page shows, kept up to date by the policy file's watcher in src/app.ts:
 * `loaded(policy)` when a version takes effect (with the settings of it that wait for the next
 * start), `failed(err)` when one is refused; the dashboard reads `info()`.
 *
 * The text shown is the one the version in force was parsed from (kept with the compiled
 * policy), never the file read again: by then it may hold a newer version that is refused.
 */
import { readFileSync } from 'node:fs';
import type { CompiledPolicy } from '../policy/compile.js';
import { DEFAULT_POLICY_YAML } from '../policy/default.js';
import type { PolicyInfoInput } from './api.js';
import { redactUrl } from '../audit/errors.js';

/** A URL in YAML: up to whitespace, a quote or a comment. */
// `#` belongs to the URL: a YAML comment starts after white space, and a password may hold one.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"']+/gi;

/**
 * The policy's text without the passwords of its store URLs (`vault: redis://:pw@host`,
 * `audit: postgres://user:pw@host/db`): the page is for whoever holds the dashboard token, who
 * need not hold the stores' credentials. A URL with nothing secret in it is shown as written.
 */
function withoutUrlSecrets(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => {
    const shown = redactUrl(url);
    return shown === url || !/@|[?&]/.test(url) ? url : shown;
  });
}

export class PolicyStatus {
  private text: string | undefined;
  private source: string | undefined;
  private mode: string | undefined;
  private fingerprint: string | undefined;
  private loadedAt = new Date();
  private lastError: { message: string; at: Date } | undefined;
  private atNextStart: string[] = [];

  /** `file`: the config's policy file, or undefined for the built-in default. */
  constructor(private readonly file: string | undefined) {
    this.text = this.read();
  }

  private read(): string | undefined {
    if (this.file === undefined) return DEFAULT_POLICY_YAML;
    try {
      return withoutUrlSecrets(readFileSync(this.file, 'utf8'));
    } catch {
      return undefined;
    }
  }

  /**
   * A version took effect (the first load, or a reload that passed validation). `atNextStart`:
   * settings of its text that the gateway reads at start only and that differ from the values
   * it started with (they wait for the next start).
   */
  loaded(policy?: CompiledPolicy, atNextStart: readonly string[] = []): void {
    if (policy === undefined) this.text = this.read();
    else this.text = policy.text === undefined ? undefined : withoutUrlSecrets(policy.text);
    this.loadedAt = new Date();
    this.atNextStart = [...atNextStart];
    if (policy) {
      // The file back to the version in force: the refusal in between is no longer what is on disk.
      if (policy.fingerprint === this.fingerprint) this.lastError = undefined;
      this.fingerprint = policy.fingerprint;
      this.source = policy.source;
      this.mode = policy.policy.mode;
    }
  }

  /** A changed file was refused; the previous version stays in force. */
  failed(err: Error): void {
    this.lastError = { message: err.message, at: new Date() };
  }

  info(): PolicyInfoInput {
    return {
      source: this.source ?? this.file ?? 'built-in default policy',
      text: this.text,
      loadedAt: this.loadedAt,
      mode: this.mode,
      lastError: this.lastError,
      ...(this.atNextStart.length > 0 ? { atNextStart: this.atNextStart } : {}),
    };
  }
}
