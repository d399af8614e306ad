/**
 * Claude Code transcripts: `~/.claude/projects/<project>/<session>.jsonl`, one record a line.
 * Conversation records are `{type: "user"|"assistant", message: {role, content}, uuid,
 * parentUuid, sessionId, cwd, gitBranch, version, timestamp}`; `content` is a string or
 * Anthropic Messages blocks (text, thinking, tool_use with `input`, tool_result with
 * `content`). Other records: `summary` (a model-written title), `system` (local notices),
 * `attachment` (context added to the next user turn), `queue-operation` (the prompt queue: a
 * session's first record, holding the prompt the user message repeats), `last-prompt`,
 * `file-history-snapshot` and the like. Only what was part of the conversation sent to the
 * model is scanned: bookkeeping members (cwd, gitBranch, ids) and `toolUseResult` (the local
 * UI copy of a tool result) are not.
 */
import type { Role } from '../../dialects/types.js';
import { walkLeaves, type LeafSink } from './walk.js';

type Rec = Record<string, unknown>;

const isObject = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

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

export function claudeCodeLeaves(rec: Rec, sink: LeafSink): void {
  if (rec.type === 'summary') {
    if (typeof rec.summary === 'string') sink({ path: ['summary'], role: 'assistant', text: rec.summary });
    return;
  }
  if (rec.type === 'attachment') {
    // Context the CLI adds to the next user turn (files named with @, skill and agent
    // listings, diagnostics): sent to the model inside the user message.
    walkLeaves(rec.attachment, ['attachment'], 'user', sink, false);
    return;
  }
  const message = rec.message;
  if (!isObject(message)) return;
  const messageRole: Role = message.role === 'assistant' ? 'assistant' : 'user';
  const content = message.content;
  if (typeof content === 'string') {
    sink({ path: ['message', 'content'], role: messageRole, text: content });
    return;
  }
  if (!Array.isArray(content)) return;
  content.forEach((block, i) => {
    if (!isObject(block)) return;
    const role = blockRole(block, messageRole);
    const base = ['message', 'content', i];
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
