/**
 * The detection engine's contract. Findings are spans into the caller's own text: the engine
 * never copies a matched value into anything it returns or logs.
 */
import type { JsonPath, Role } from '../dialects/types.js';

export const CATEGORIES = [
  'environment',
  'secret',
  'pii',
  'tracking',
  'hidden-unicode',
  'header-fingerprint',
] as const;
export type Category = (typeof CATEGORIES)[number];

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/**
 * What a matched value is, so that a surrogate of the same shape can stand in for it
 * (a path stays a path, an AWS key stays `AKIA` + 16 characters).
 */
export const VALUE_KINDS = [
  'home-path',
  'project-path',
  'path',
  'hostname',
  'username',
  'person-name',
  'email',
  'ipv4',
  'ipv6',
  'mac',
  'uuid',
  'machine-id',
  'timezone',
  'locale',
  'os-version',
  'arch',
  'runtime-version',
  'url',
  'phone',
  'card-number',
  'iban',
  'aws-access-key',
  'aws-secret-key',
  'aws-account-id',
  'github-token',
  'gitlab-token',
  'anthropic-key',
  'openai-key',
  'google-api-key',
  'slack-token',
  'stripe-key',
  'npm-token',
  'jwt',
  'private-key',
  'password',
  'token',
  'hidden-unicode',
  'opaque-id',
  'org',
  'cloud-project',
  'text',
] as const;
export type ValueKind = (typeof VALUE_KINDS)[number];

/** The text to scan: a request segment, a header, a transcript line's field. */
export interface ScanInput {
  path: JsonPath;
  role: Role;
  text: string;
  /** For role 'header': the lower-cased header name. */
  header?: string;
  /** The text is a member name of the object at `path` (see Segment.key). */
  key?: true;
  /** The provider signed the text and verifies it byte for byte (see Segment.signed). */
  signed?: true;
  /** Signed text that goes back as the provider wrote it, unedited (see Segment.sealed). */
  sealed?: true;
}

export interface Finding {
  ruleId: string;
  category: Category;
  severity: Severity;
  kind: ValueKind;
  /** Index of the input in the array passed to scan(). */
  input: number;
  path: JsonPath;
  role: Role;
  /** UTF-16 offsets into inputs[input].text: the value is text.slice(start, end). */
  start: number;
  end: number;
}
