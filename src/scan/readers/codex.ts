/**
 * Codex CLI sessions: `~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl`, one
 * `{timestamp, type, payload}` record a line. `session_meta` carries the instructions sent as
 * the system prompt; `response_item` payloads are OpenAI Responses items (message with
 * input_text/output_text parts, function_call with JSON `arguments`, function_call_output,
 * custom/local shell calls, reasoning summaries); `event_msg` mirrors what the UI showed
 * (user_message, agent_message, agent_reasoning, command output; from Codex 0.16x one
 * `item_completed` event per turn item: UserMessage, AgentMessage, CommandExecution, ...);
 * `turn_context`, `world_state` and `token_usage_record` are local state and are not scanned.
 */
import type { Role } from '../../dialects/types.js';
import { walkLeaves, type LeafSink } from './walk.js';

type Rec = Record<string, unknown>;

const CODEX_TYPES = new Set(['session_meta', 'response_item', 'event_msg', 'turn_context', 'compacted']);

const isObject = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isCodexRecord(rec: Rec): boolean {
  return typeof rec.type === 'string' && CODEX_TYPES.has(rec.type) && isObject(rec.payload);
}

const EVENT_ROLES: Record<string, Role> = {
  user_message: 'user',
  agent_message: 'assistant',
  agent_reasoning: 'assistant',
  agent_reasoning_raw_content: 'assistant',
  exec_command_end: 'tool_result',
  patch_apply_end: 'tool_result',
  mcp_tool_call_end: 'tool_result',
};

/** Event members that hold text the model saw or wrote. */
const EVENT_TEXT_KEYS = [
  'message',
  'text',
  'stdout',
  'stderr',
  'aggregated_output',
  'formatted_output',
  'result',
];

/**
 * `item_completed` events: the turn item they carry (`payload.item`), by its type, and the
 * members of it that hold text the model saw or wrote (a command's output as the UI showed it,
 * which the model may have been given cut short).
 */
const ITEM_ROLES: Record<string, Role> = {
  UserMessage: 'user',
  AgentMessage: 'assistant',
  Plan: 'assistant',
  Reasoning: 'assistant',
  CommandExecution: 'tool_result',
  McpToolCall: 'tool_result',
};

const ITEM_TEXT_KEYS = [
  'content',
  'text',
  'summary_text',
  'raw_content',
  'aggregated_output',
  'formatted_output',
  'stdout',
  'stderr',
  'result',
];

function itemLeaves(item: unknown, sink: LeafSink): void {
  if (!isObject(item) || typeof item.type !== 'string') return;
  const role = ITEM_ROLES[item.type];
  if (!role) return;
  for (const key of ITEM_TEXT_KEYS) walkLeaves(item[key], ['payload', 'item', key], role, sink, false);
}

function messageRole(role: unknown): Role {
  if (role === 'assistant') return 'assistant';
  if (role === 'developer' || role === 'system') return 'system';
  return 'user';
}

export function codexLeaves(rec: Rec, sink: LeafSink): void {
  const payload = rec.payload as Rec;
  const base = ['payload'];
  switch (rec.type) {
    case 'session_meta': {
      walkLeaves(payload.instructions, [...base, 'instructions'], 'system', sink, false);
      const baseInstructions = payload.base_instructions;
      if (isObject(baseInstructions))
        walkLeaves(baseInstructions.text, [...base, 'base_instructions', 'text'], 'system', sink, false);
      return;
    }
    case 'compacted':
      walkLeaves(payload.message, [...base, 'message'], 'assistant', sink, false);
      return;
    case 'event_msg': {
      if (payload.type === 'item_completed') {
        itemLeaves(payload.item, sink);
        return;
      }
      const role = typeof payload.type === 'string' ? EVENT_ROLES[payload.type] : undefined;
      if (!role) return;
      for (const key of EVENT_TEXT_KEYS) walkLeaves(payload[key], [...base, key], role, sink, false);
      return;
    }
    case 'response_item':
      break;
    default:
      return;
  }
  switch (payload.type) {
    case 'message': {
      const role = messageRole(payload.role);
      const content = payload.content;
      if (typeof content === 'string') walkLeaves(content, [...base, 'content'], role, sink, false);
      else if (Array.isArray(content)) {
        content.forEach((part, i) => {
          if (isObject(part)) walkLeaves(part.text, [...base, 'content', i, 'text'], role, sink, false);
        });
      }
      return;
    }
    case 'function_call':
      walkLeaves(payload.arguments, [...base, 'arguments'], 'tool_use', sink, false);
      return;
    case 'custom_tool_call':
      walkLeaves(payload.input, [...base, 'input'], 'tool_use', sink, false);
      return;
    case 'local_shell_call':
      walkLeaves(payload.action, [...base, 'action'], 'tool_use', sink, false);
      return;
    case 'web_search_call':
      walkLeaves(payload.action, [...base, 'action'], 'tool_use', sink, false);
      return;
    case 'function_call_output':
    case 'custom_tool_call_output':
      walkLeaves(payload.output, [...base, 'output'], 'tool_result', sink, false);
      return;
    case 'reasoning': {
      const summary = payload.summary;
      if (Array.isArray(summary)) {
        summary.forEach((part, i) => {
          if (isObject(part))
            walkLeaves(part.text, [...base, 'summary', i, 'text'], 'assistant', sink, false);
        });
      }
      walkLeaves(payload.content, [...base, 'content'], 'assistant', sink, false);
      return;
    }
    default:
      return;
  }
}
