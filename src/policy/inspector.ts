/**
 * The policy inspector: the gateway's Inspector (src/gateway/inspector.ts) built from a
 * compiled policy, a detection engine and the surrogate vault.
 *
 *   segments (dialect) + headers → scan → decide per finding → block, or edit and forward
 *   with a restorer for the answer.
 *
 * Determinism: findings come in input order, surrogates are chosen in that order from a keyed
 * HMAC, and the body is edited in place (key order kept), so the same conversation gives
 * byte-identical upstream bodies turn after turn and across restarts with the same key file.
 * Given the bytes the body was parsed from, the edited leaves are spliced into them
 * (src/redact/json-splice.ts): what leaves is the client's own bytes with only those leaves
 * changed, again the same for the same request.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { BoundedMemo } from '../bounded-memo.js';
import { maskValue } from '../detect/mask.js';
import { mergeFindings } from '../detect/overlaps.js';
import type { Finding, ScanInput } from '../detect/types.js';
import { getAt, renameAtOwn, setAtOwn } from '../dialects/json-path.js';
import { stableRanges } from '../dialects/parse-json.js';
import type { FindingDecision, InspectRequest, InspectResult, Inspector } from '../gateway/inspector.js';
import { applyEdits, planEdits, propagateEdits, type DecidedFinding } from '../redact/apply.js';
import { bytesMatchParse, spliceJson, type LeafEdit } from '../redact/json-splice.js';
import { createReadBackRestorer, readBackCredential } from '../redact/read-back.js';
import { createRestorer } from '../redact/restore.js';
import { Surrogates, type RequestContext } from '../redact/surrogates.js';
import type { Vault } from '../redact/vault.js';
import type { CompiledPolicy, Decision } from './compile.js';
import { blockMessage, describePlace, uninspectedBlockMessage, type BlockedFinding } from './describe.js';

/** What the inspector needs of the detection engine (src/detect/engine.ts fits). */
export interface Scanner {
  scan(inputs: readonly ScanInput[]): Finding[];
}

export interface PolicyInspectorOptions {
  policy: CompiledPolicy;
  engine: Scanner;
  /** With `key`: where surrogates live. Or pass `surrogates` to share one cache across reloads. */
  vault?: Vault;
  key?: Buffer;
  surrogates?: Surrogates;
  /** Extra findings (the persistent-id detector, which may ask Redis), merged with the engine's. */
  tracker?: { scan(inputs: readonly ScanInput[]): Finding[] | Promise<Finding[]> };
}

/**
 * Headers never scanned nor edited: the provider's own credentials (the policy must not
 * "redact" the API key the provider needs), framing, and content negotiation.
 */
const UNSCANNED_HEADERS = new Set([
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  'cookie',
  'host',
  'connection',
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'accept',
  'accept-encoding',
  'keep-alive',
  'te',
  'upgrade',
]);

const REDUCED_HEADERS = ['user-agent', 'x-goog-api-client'];

interface HeaderPlan {
  inputs: ScanInput[];
  remove: string[];
  set: Record<string, string>;
}

function planHeaders(headers: IncomingHttpHeaders, policy: CompiledPolicy): HeaderPlan {
  const plan: HeaderPlan = { inputs: [], remove: [], set: {} };
  for (const [name, raw] of Object.entries(headers)) {
    if (typeof raw !== 'string' || UNSCANNED_HEADERS.has(name)) continue;
    if (policy.dropsHeader(name)) {
      plan.remove.push(name);
      continue;
    }
    let value = raw;
    if (REDUCED_HEADERS.includes(name)) {
      value = policy.userAgent(raw);
      if (value !== raw) plan.set[name] = value;
    }
    plan.inputs.push({ path: ['headers', name], role: 'header', header: name, text: value });
  }
  return plan;
}

/**
 * The parsed body with the edits set in it (shared, frozen containers copied, see setAtOwn).
 * Member names are renamed after every value, the deepest first: until then the values' paths
 * lead through the names as the client sent them.
 */
function editBody(body: unknown, edits: readonly LeafEdit[]): unknown {
  const renames: LeafEdit[] = [];
  for (const e of edits) {
    if (e.from === undefined) setAtOwn(body, e.path, e.text);
    else renames.push(e);
  }
  renames.sort((a, b) => b.path.length - a.path.length);
  for (const e of renames) renameAtOwn(body, e.path, e.from as string, e.text);
  return body;
}

/**
 * The place of an object whose member names the renames would make equal (`strip` leaves `""`
 * of every name that was all finding, or `a` of both `a` and `a` with a zero-width space):
 * JSON keeps one member of a name, so the others' values would leave the request unsaid.
 */
function collidingNames(
  body: unknown,
  renames: readonly { edit: LeafEdit; input: ScanInput }[],
): ScanInput | undefined {
  const byObject = new Map<string, { edit: LeafEdit; input: ScanInput }[]>();
  for (const r of renames) {
    const at = JSON.stringify(r.edit.path);
    const list = byObject.get(at);
    if (list === undefined) byObject.set(at, [r]);
    else list.push(r);
  }
  for (const list of byObject.values()) {
    const first = list[0]!;
    const obj = getAt(body, first.edit.path);
    if (obj === null || typeof obj !== 'object') continue;
    const renamed = new Map(list.map((r) => [r.edit.from as string, r.edit.text]));
    const names = new Set<string>();
    for (const name of Object.keys(obj)) {
      const next = renamed.get(name) ?? name;
      if (names.has(next)) return first.input;
      names.add(next);
    }
  }
  return undefined;
}

const EDIT_ACTIONS = new Set(['pseudonymize', 'redact', 'strip']);
const UNEDITED_ACTIONS = new Set(['allow', 'audit']);

/**
 * Why a finding in text the provider signed (see Segment.signed) is recorded and left: the
 * model wrote the value itself, so the provider has it, and an edit would make the provider
 * refuse the request (`Invalid signature in thinking block`) on every turn after. Values the
 * model saw as surrogates are still replaced there, by the request's replacements of what it had
 * read before (propagateEdits), unless the text is sealed (Segment.sealed: an Anthropic thinking
 * block goes back untouched).
 */
export const SIGNED_BY_PROVIDER =
  'built-in: written and signed by the provider (a thinking block), sent back as it was';
const PREVIEWS_KEPT = 10_000;
const PREVIEW_MAX_LENGTH = 512;

export function createPolicyInspector(options: PolicyInspectorOptions): Inspector {
  const { policy, engine, tracker } = options;
  const surrogates =
    options.surrogates ??
    (options.vault && options.key ? new Surrogates(options.key, options.vault) : undefined);
  if (surrogates === undefined)
    throw new Error('createPolicyInspector needs `surrogates`, or `vault` and `key`');
  const p = policy.policy;
  // A conversation reports the same values turn after turn: their masked previews (a pure
  // function of value and secrecy) are kept for the values seen lately, as their keyed hashes
  // are by `surrogates.valueKey`.
  const previews = new BoundedMemo<string, string>(PREVIEWS_KEPT);
  const preview = (value: string, secret: boolean): string => {
    if (value.length > PREVIEW_MAX_LENGTH) return maskValue(value, secret);
    const id = `${secret ? 1 : 0}${value}`;
    let masked = previews.get(id);
    if (masked === undefined) {
      masked = maskValue(value, secret);
      previews.set(id, masked);
    }
    return masked;
  };

  return {
    async inspect(req: InspectRequest): Promise<InspectResult> {
      const ua = typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : undefined;
      const decider = policy.forRequest(req.provider, ua);
      const segments = req.body === undefined ? [] : req.dialect.segments(req.body);
      const headerPlan = planHeaders(req.headers, policy);
      const inputs: ScanInput[] = [...segments, ...headerPlan.inputs];
      let findings = engine.scan(inputs);
      if (tracker) findings = mergeFindings(findings, await tracker.scan(inputs));

      const decided: { finding: Finding; value: string; decision: Decision }[] = findings.map((finding) => {
        const input = inputs[finding.input];
        const value = (input?.text ?? '').slice(finding.start, finding.end);
        let decision: Decision = policy.isAllowedValue(value)
          ? { action: 'allow', because: 'allow_values' }
          : decider.decide(finding);
        if (input?.signed === true && !UNEDITED_ACTIONS.has(decision.action))
          decision = { action: 'audit', because: SIGNED_BY_PROVIDER };
        return { finding, value, decision };
      });
      const summaryFindings: FindingDecision[] = decided
        .filter((d) => d.decision.action !== 'allow')
        .map(({ finding, value, decision }) => ({
          finding,
          action: decision.action,
          valueHash: surrogates.valueKey(finding.kind, value),
          preview: preview(value, finding.category === 'secret'),
        }));
      const summary = { findings: summaryFindings, mode: p.mode };
      // Monitor records, as for findings: the event lists the body under `uninspected`.
      if (p.mode === 'monitor') return { action: 'forward', summary };

      if (req.uninspectedBody !== undefined && decider.uninspectedEndpoints.action === 'block')
        return {
          action: 'block',
          code: 'AIRLOCK_UNINSPECTED_BLOCKED',
          message: uninspectedBlockMessage(req, decider.uninspectedEndpoints.because, policy.source),
          summary,
        };

      const blocked: BlockedFinding[] = decided
        .filter((d) => d.decision.action === 'block')
        .map((d) => ({
          finding: d.finding,
          decision: d.decision,
          input: inputs[d.finding.input] as ScanInput,
        }));
      if (blocked.length > 0)
        return { action: 'block', message: blockMessage(blocked, policy.source), summary };

      const toEdit: DecidedFinding[] = decided
        .filter((d) => EDIT_ACTIONS.has(d.decision.action))
        .map((d) => ({ finding: d.finding, action: d.decision.action as DecidedFinding['action'] }));
      const ctx: RequestContext = {
        // Not what sealed text holds (an Anthropic thinking block): the model wrote there the
        // surrogates it read, which would otherwise look like real values equal to them, and the
        // values would take other surrogates, in the earlier turns too (see RequestContext.inputs).
        reals: new Set(decided.filter((d) => inputs[d.finding.input]?.sealed !== true).map((d) => d.value)),
        inputs,
        restoreSecrets: p.restore_secrets_in_tool_calls,
        entries: new Map(),
        replaced: new Map(),
      };
      const planned = await planEdits(inputs, toEdit, surrogates, ctx);
      // The credential's keyed hash only where it is used: most requests read nothing back, and
      // a request that was given no surrogate has nothing to grant.
      const scope =
        ctx.entries.size > 0 || req.dialect.readBack
          ? surrogates.scopeOf(readBackCredential(req.headers, req.query))
          : '';
      if (ctx.entries.size > 0) await surrogates.grant(scope, ctx);
      const edited = applyEdits(inputs, propagateEdits(inputs, planned, ctx.replaced ?? new Map()));

      let bodyChanged = false;
      const setHeaders = { ...headerPlan.set };
      const removeHeaders = [...headerPlan.remove];
      const stripped = new Set(
        decided
          .filter((d) => d.decision.action === 'strip' && d.finding.role === 'header')
          .map((d) => d.finding.input),
      );
      const bodyEdits: LeafEdit[] = [];
      const renames: { edit: LeafEdit; input: ScanInput }[] = [];
      for (const [index, text] of edited) {
        const input = inputs[index] as ScanInput;
        if (input.role === 'header' && input.header !== undefined) {
          // Stripping a header finding removes the header: an emptied header is still a signal.
          if (stripped.has(index)) removeHeaders.push(input.header);
          else setHeaders[input.header] = text;
        } else {
          const edit: LeafEdit = input.key
            ? { path: input.path, text, from: input.text }
            : { path: input.path, text };
          bodyEdits.push(edit);
          if (input.key) renames.push({ edit, input });
          bodyChanged = true;
        }
      }
      const merged = renames.length > 0 ? collidingNames(req.body, renames) : undefined;
      if (merged !== undefined)
        return {
          action: 'block',
          message:
            `the policy's edits would give two member names of one object the same name, in ` +
            `${describePlace(merged)}: one member and its value would be lost. Pseudonymize what ` +
            `these names hold instead of stripping it (strip removes the characters and leaves ` +
            `names alike), or remove it from the request.`,
          summary,
        };
      // The edits spliced into the bytes as received, when the gateway gave them: no second
      // serialization of the whole body. Determinism holds: same bytes in, same bytes out.
      for (const name of removeHeaders) delete setHeaders[name];
      const restorer = createRestorer(
        req.dialect,
        [...ctx.entries].map(([surrogate, e]) => ({ surrogate, original: e.original, secret: e.secret })),
        { secretsInToolCalls: p.restore_secrets_in_tool_calls },
      );
      // Last, since it may write over the bytes the gateway gave up (nothing may fail after).
      // Top-level values the parser took from its cache are skipped by the splice's scan.
      const bodyBytes =
        bodyChanged && req.raw !== undefined
          ? spliceJson(req.raw, bodyEdits, stableRanges(req.body), { inPlace: req.rawOwned === true })
          : undefined;
      // Built field by field: spreads of small objects take V8's slow path.
      const result: InspectResult = { action: 'forward', summary };
      if (bodyBytes !== undefined) {
        result.bodyBytes = bodyBytes;
        // The gateway sends the bytes; the edited tree (copies of the shared containers on
        // every edited path) is made only for a caller that reads it.
        let edited: unknown;
        Object.defineProperty(result, 'body', {
          enumerable: true,
          get: () => (edited ??= editBody(req.body, bodyEdits)),
        });
      } else if (bodyChanged) result.body = editBody(req.body, bodyEdits);
      else if (
        req.raw !== undefined &&
        req.body !== undefined &&
        !bytesMatchParse(req.raw, stableRanges(req.body))
      )
        // A key repeated in one object: the parse inspected the last copy, the bytes would carry
        // the others past inspection. What leaves is what was inspected.
        result.body = req.body;
      if (Object.keys(setHeaders).length > 0) result.setHeaders = setHeaders;
      if (removeHeaders.length > 0) result.removeHeaders = removeHeaders;
      if (restorer) result.restorer = restorer;
      if (req.dialect.readBack)
        result.readBack = createReadBackRestorer(req.dialect, (s) => surrogates.originalIn(scope, s), {
          secretsInToolCalls: p.restore_secrets_in_tool_calls,
        });
      return result;
    },
  };
}
