/** Shared by the redact tests: pseudonymize a text with known planted values, build SSE answers. */
import type { Category, Finding, ScanInput, ValueKind } from '../../src/detect/types.js';
import { applyEdits, planEdits, propagateEdits, type DecidedFinding } from '../../src/redact/apply.js';
import type { RestoreEntry } from '../../src/redact/matcher.js';
import { Surrogates, type RequestContext } from '../../src/redact/surrogates.js';
import { MemoryVault } from '../../src/redact/vault.js';
import { SseParser } from '../../src/sse/parser.js';
import type { StreamEvent } from '../../src/gateway/inspector.js';

export interface Plant {
  value: string;
  kind: ValueKind;
  category: Category;
  /** Characters after the value that are not part of the finding (a sub-path). */
  suffix?: string;
}

export const PLANTS: Plant[] = [
  { value: '/home/alice', kind: 'home-path', category: 'environment', suffix: '/src/app.ts' },
  { value: '/home/alice/acme-api', kind: 'project-path', category: 'environment', suffix: '/lib/db.ts' },
  { value: 'C:\\Users\\carol', kind: 'home-path', category: 'environment', suffix: '\\Desktop\\notes.txt' },
  { value: '/Users/bob', kind: 'home-path', category: 'environment' },
  { value: 'build-07.corp.acme.com', kind: 'hostname', category: 'environment' },
  { value: 'alice.smith@acme.com', kind: 'email', category: 'pii' },
  { value: '10.20.30.40', kind: 'ipv4', category: 'environment' },
  { value: 'a4:83:e7:12:34:56', kind: 'mac', category: 'environment' },
  { value: 'alice', kind: 'username', category: 'environment' },
  { value: '3f2b8c1e-9a4d-4e21-b7c3-1d2e3f4a5b6c', kind: 'machine-id', category: 'environment' },
];

export const SECRET_PLANTS: Plant[] = [
  { value: 'AKIAIOSFODNN7EXAMPLE', kind: 'aws-access-key', category: 'secret' },
  { value: `ghp_${'R2d2C3po'.repeat(4)}abcd`, kind: 'github-token', category: 'secret' },
];

export const KEY = Buffer.alloc(32, 42);

/** Builds a text from filler and planted values, with the findings a detector would report. */
export function compose(pieces: readonly (string | Plant)[]): { text: string; findings: Finding[] } {
  let text = '';
  const findings: Finding[] = [];
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      text += piece;
      continue;
    }
    // Planted values stand as words of their own, as they do in real prompts.
    text += ' ';
    const start = text.length;
    text += piece.value;
    findings.push({
      ruleId: `test.${piece.kind}`,
      category: piece.category,
      severity: piece.category === 'secret' ? 'critical' : 'medium',
      kind: piece.kind,
      input: 0,
      path: ['text'],
      role: 'user',
      start,
      end: start + piece.value.length,
    });
    text += `${piece.suffix ?? ''} `;
  }
  return { text, findings };
}

export async function pseudonymize(
  text: string,
  findings: Finding[],
  options: { surrogates?: Surrogates; restoreSecrets?: boolean } = {},
): Promise<{ text: string; entries: RestoreEntry[] }> {
  const surrogates = options.surrogates ?? new Surrogates(KEY, new MemoryVault());
  const inputs: ScanInput[] = [{ path: ['text'], role: 'user', text }];
  const ctx: RequestContext = {
    reals: new Set(findings.map((f) => text.slice(f.start, f.end))),
    restoreSecrets: options.restoreSecrets ?? true,
    entries: new Map(),
    replaced: new Map(),
  };
  const decided: DecidedFinding[] = findings.map((finding) => ({
    finding,
    action: finding.category === 'secret' ? 'redact' : 'pseudonymize',
  }));
  const edits = propagateEdits(
    inputs,
    await planEdits(inputs, decided, surrogates, ctx),
    ctx.replaced ?? new Map(),
  );
  const edited = applyEdits(inputs, edits).get(0) ?? text;
  const entries = [...ctx.entries].map(([surrogate, e]) => ({ surrogate, ...e }));
  return { text: edited, entries };
}

/** Splits a string at the given cut points (positions are taken modulo the length). */
export function splitAt(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((c) => (text.length === 0 ? 0 : c % (text.length + 1))))].sort(
    (a, b) => a - b,
  );
  const parts: string[] = [];
  let last = 0;
  for (const p of points) {
    parts.push(text.slice(last, p));
    last = p;
  }
  parts.push(text.slice(last));
  return parts;
}

export function sse(event: string | undefined, data: unknown): StreamEvent {
  const text = `${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`;
  return { ...(event === undefined ? {} : { event }), data: JSON.stringify(data), raw: Buffer.from(text) };
}

/** Parses the restorer's output bytes back into events. */
export function parseSse(bytes: Buffer): { event?: string; data: string }[] {
  const parser = new SseParser();
  return [...parser.push(bytes), ...parser.end()].filter((e) => !e.comment);
}
