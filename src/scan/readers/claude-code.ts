/**
 * Claude Code transcripts: `~/.claude/projects/<project>/<session>.jsonl`, one record a line.
 * Conversation records are `{type: "user"|"assistant", message: {role, content}, uuid,
 * parentUuid, sessionId, cwd, gitBranch, version, timestamp}`; `content` is a string or
 * Anthropic Messages blocks (text, thinking, tool_use with `input`, tool_result with
 * `content`). Other records: `summary` (a model-written title), `system` (local notices; a
 * `local_command`'s output is sent with the next request), `progress` (see progressLeaves),
 * `content-replacement` (what the model got in place of tool results too large to send),
 * `attachment` (context added to the next user turn: its data, and since 2.1.3xx `rendered`,
 * the text that went into the request, as `renderedRole`; a `prompt_snapshot` keeps the system
 * prompt and tools of the requests after it), `queue-operation` (the prompt queue:
 * a session's first record, `content` holding the prompt the user message repeats),
 * `last-prompt` (`lastPrompt`, the same), `file-history-snapshot`, `cost-state`, `tools-used`
 * and the like.
 *
 * Claude Code 2.1.3xx also records each API request as it was sent (request replay): an
 * `api-request-shape` holds its `shape` (`system` blocks and `tools` definitions, once per
 * shape), an `api-request-blob` one message of it (`message: {role, content}`, where `role` may
 * be `system`: the environment block) that no conversation record holds as sent, and an
 * `api-request` the other parameters (`params`: model, betas, thinking, metadata...) and the
 * hashes of its messages; an `api-request-resumed` repeats a paused request's fields. They are
 * read as the request they were: the system prompt as system, tools as tool definitions,
 * parameters as metadata.
 *
 * Only what was part of the conversation sent to the model is scanned: bookkeeping members
 * (cwd, gitBranch, ids, hashes) and `toolUseResult` (the local UI copy of a tool result) are not.
 */
import type { Role } from '../../dialects/types.js';
import { walkLeaves, type LeafSink } from './walk.js';

type Rec = Record<string, unknown>;

const isObject = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The records of the API requests as sent (request replay, Claude Code 2.1.3xx). */
const REQUEST_RECORDS = new Set([
  'api-request',
  'api-request-shape',
  'api-request-blob',
  'api-request-resumed',
]);

/** Members of an `api-request-resumed` that are bookkeeping; the rest are the request's fields. */
const RESUMED_BOOKKEEPING = new Set([
  'type',
  'sessionId',
  'agentId',
  'timestamp',
  'version',
  'messageId',
  'pausedRequestId',
  'resumedRequestId',
]);

const messageRoleOf = (role: unknown): Role =>
  role === 'assistant' ? 'assistant' : role === 'system' ? 'system' : 'user';

export function isClaudeCodeRecord(rec: Rec): boolean {
  const message = rec.message;
  if (rec.type === 'summary' && typeof rec.summary === 'string' && 'leafUuid' in rec) return true;
  // Claude Code 2.x opens every session with one: a pasted prompt may make it longer than the
  // head the format is told from, and then this record alone says whose file it is.
  if (
    rec.type === 'queue-operation' &&
    typeof rec.operation === 'string' &&
    typeof rec.sessionId === 'string'
  )
    return true;
  // A subagent's file, or a session resumed, may open with the record of a request.
  if (
    typeof rec.type === 'string' &&
    REQUEST_RECORDS.has(rec.type) &&
    typeof rec.sessionId === 'string' &&
    (typeof rec.shapeHash === 'string' || typeof rec.hash === 'string')
  )
    return true;
  if ((rec.type === 'user' || rec.type === 'assistant') && isObject(message)) {
    return 'content' in message && !('parts' in message) && ('uuid' in rec || 'sessionId' in rec);
  }
  return false;
}

function blockRole(block: Rec, messageRole: Role): Role {
  switch (block.type) {
    case 'tool_use':
    case 'server_tool_use':
      return 'tool_use';
    case 'tool_result':
    case 'web_search_tool_result':
      return 'tool_result';
    default:
      return messageRole;
  }
}

/**
 * A hook's output (hook_success) that a version writing `rendered` (2.1.3xx) did not render into
 * the request was only shown: a PreToolUse or PostToolUse hook that exits 0. Older versions say
 * nothing of it, and their hooks' output is taken as sent.
 */
function attachmentRole(rec: Rec): Role {
  const shownOnly =
    isObject(rec.attachment) &&
    rec.attachment.type === 'hook_success' &&
    rec.rendered === undefined &&
    writesRendered(rec.version);
  return shownOnly ? 'metadata' : 'user';
}

/** Whether a record's Claude Code version (`2.1.332`) writes `rendered`: from 2.1.300 on. */
function writesRendered(version: unknown): boolean {
  if (typeof version !== 'string') return false;
  const [major = 0, minor = 0, patch = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  return major > 2 || (major === 2 && (minor > 1 || (minor === 1 && patch >= 300)));
}

export function claudeCodeLeaves(rec: Rec, sink: LeafSink): void {
  if (rec.type === 'summary') {
    if (typeof rec.summary === 'string') sink({ path: ['summary'], role: 'assistant', text: rec.summary });
    return;
  }
  if (rec.type === 'attachment') {
    // Context the CLI adds to the next user turn (files named with @, skill and agent
    // listings, diagnostics): sent to the model inside the user message, as `rendered` says.
    // A prompt_snapshot is the system prompt and tools of the requests that follow, not user text.
    const snapshot = isObject(rec.attachment) && rec.attachment.type === 'prompt_snapshot';
    walkLeaves(rec.attachment, ['attachment'], snapshot ? 'system' : attachmentRole(rec), sink, snapshot);
    walkLeaves(rec.rendered, ['rendered'], messageRoleOf(rec.renderedRole), sink, false);
    return;
  }
  switch (rec.type) {
    case 'queue-operation':
      walkLeaves(rec.content, ['content'], 'user', sink, false);
      return;
    case 'last-prompt':
      walkLeaves(rec.lastPrompt, ['lastPrompt'], 'user', sink, false);
      return;
    case 'api-request-shape':
      // `system` and `tools` take their roles from their names, as in a request body.
      walkLeaves(rec.shape, ['shape'], 'system', sink, true);
      return;
    case 'api-request':
      walkLeaves(rec.params, ['params'], 'metadata', sink, true);
      // What the record left out of the request as saved: `withheld` names the parameters not
      // written, `cut` counts the placeholders put in place of parts of messages.
      walkLeaves(rec.withheld, ['withheld'], 'metadata', sink, false);
      walkLeaves(rec.cut, ['cut'], 'metadata', sink, false);
      return;
    case 'content-replacement':
      // A tool result too large for the request's budget: `replacement` is what the model was
      // given in its place (a preview and where the whole was saved), from then on.
      if (Array.isArray(rec.replacements))
        rec.replacements.forEach((r, i) => {
          if (isObject(r))
            walkLeaves(r.replacement, ['replacements', i, 'replacement'], 'tool_result', sink, false);
        });
      return;
    case 'system':
      // A slash command's output (`/context`): shown to the user and, as the caveat before it
      // says, kept as context: the next request sends it as user text. Other system records are
      // local notices.
      if (rec.subtype === 'local_command') walkLeaves(rec.content, ['content'], 'user', sink, false);
      return;
    case 'progress':
      progressLeaves(rec.data, sink);
      return;
    case 'api-request-resumed':
      for (const [key, value] of Object.entries(rec))
        if (!RESUMED_BOOKKEEPING.has(key)) walkLeaves(value, [key], 'metadata', sink, true);
      return;
    default:
      // Conversation records, and an api-request-blob: a `message` of the request.
      messageLeaves(rec.message, sink);
  }
}

/**
 * A `progress` record's `data` (2.1.332 writes them only into a forked agent's transcript; a file
 * of another version may hold them anywhere): a subagent's or skill's message (`agent_progress`,
 * `skill_progress`: `data.message`, a conversation record of its own, sent in the subagent's
 * requests), a running command's output (`bash_progress`, `powershell_progress`: shown while it
 * runs; the model gets the tool result) and a hook being run (`hook_progress`: its command,
 * shown, and a prompt hook's prompt, sent to the model that judges it).
 */
function progressLeaves(data: unknown, sink: LeafSink): void {
  if (!isObject(data)) return;
  switch (data.type) {
    case 'agent_progress':
    case 'skill_progress':
      if (isObject(data.message)) messageLeaves(data.message.message, sink, ['data', 'message', 'message']);
      walkLeaves(data.prompt, ['data', 'prompt'], 'user', sink, false);
      return;
    case 'bash_progress':
    case 'powershell_progress':
      // fullOutput holds output as well; both are read, one value found in both is one finding.
      walkLeaves(data.output, ['data', 'output'], 'tool_result', sink, false);
      walkLeaves(data.fullOutput, ['data', 'fullOutput'], 'tool_result', sink, false);
      return;
    case 'hook_progress':
      walkLeaves(data.command, ['data', 'command'], 'metadata', sink, false);
      walkLeaves(data.statusMessage, ['data', 'statusMessage'], 'metadata', sink, false);
      walkLeaves(data.promptText, ['data', 'promptText'], 'user', sink, false);
      return;
    default:
      // Heartbeats, retries, search and MCP progress: counts and names.
      return;
  }
}

function messageLeaves(message: unknown, sink: LeafSink, at: (string | number)[] = ['message']): void {
  if (!isObject(message)) return;
  const messageRole = messageRoleOf(message.role);
  const content = message.content;
  if (typeof content === 'string') {
    sink({ path: [...at, 'content'], role: messageRole, text: content });
    return;
  }
  if (!Array.isArray(content)) return;
  content.forEach((block, i) => {
    if (!isObject(block)) return;
    const role = blockRole(block, messageRole);
    const base = [...at, 'content', i];
    switch (block.type) {
      case 'text':
        walkLeaves(block.text, [...base, 'text'], role, sink, false);
        break;
      case 'thinking':
        walkLeaves(block.thinking, [...base, 'thinking'], role, sink, false);
        break;
      case 'tool_use':
      case 'server_tool_use':
        walkLeaves(block.input, [...base, 'input'], role, sink, false);
        break;
      case 'tool_result':
      case 'web_search_tool_result':
        walkLeaves(block.content, [...base, 'content'], role, sink, false);
        break;
      default:
        // Images, documents, redacted thinking: binary or opaque, nothing to read.
        break;
    }
  });
}
