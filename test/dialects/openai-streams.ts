/** Real-shaped OpenAI SSE answers (Chat Completions chunks, Responses events). */

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-CXk1',
    object: 'chat.completion.chunk',
    created: 1764070000,
    model: 'gpt-4.1-2025-04-14',
    service_tier: 'default',
    system_fingerprint: 'fp_a1b2c3',
    choices,
    ...extra,
  })}\n\n`;
const delta = (d: Record<string, unknown>, finish: string | null = null) => [
  { index: 0, delta: d, logprobs: null, finish_reason: finish },
];

export const OPENAI_CHAT_STREAM =
  chunk(delta({ role: 'assistant', content: '', refusal: null }), { usage: null }) +
  chunk(delta({ content: 'Reading /home/' })) +
  chunk(delta({ content: 'user/project-1 — ✓' })) +
  chunk(
    delta({
      tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'read', arguments: '' } }],
    }),
  ) +
  chunk(delta({ tool_calls: [{ index: 0, function: { arguments: '{"filePath":"/home/' } }] })) +
  chunk(delta({ tool_calls: [{ index: 0, function: { arguments: 'user/project-1/a.ts"}' } }] })) +
  chunk(
    delta({
      tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'bash', arguments: '' } }],
    }),
  ) +
  chunk(delta({ tool_calls: [{ index: 1, function: { arguments: '{"command":"ls"}' } }] })) +
  chunk(delta({}, 'tool_calls')) +
  chunk([], { usage: { prompt_tokens: 1200, completion_tokens: 40, total_tokens: 1240 } }) +
  'data: [DONE]\n\n';

let seq = 0;
const ev = (type: string, body: Record<string, unknown>) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...body })}\n\n`;

const reasoning = {
  id: 'rs_1',
  type: 'reasoning',
  summary: [{ type: 'summary_text', text: '**Checking** /home/user' }],
};
const message = {
  id: 'msg_1',
  type: 'message',
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'output_text', annotations: [], logprobs: [], text: 'Patching /home/user/project-1' }],
};
const call = {
  id: 'fc_1',
  type: 'function_call',
  status: 'completed',
  call_id: 'call_1',
  name: 'shell',
  arguments: '{"command":["ls"],"workdir":"/home/user/project-1"}',
};
const response = (status: string, output: unknown[]) => ({
  id: 'resp_1',
  object: 'response',
  created_at: 1764070000,
  status,
  model: 'gpt-5-codex',
  output,
  usage: null,
});

export const OPENAI_RESPONSES_STREAM =
  ev('response.created', { response: response('in_progress', []) }) +
  ev('response.in_progress', { response: response('in_progress', []) }) +
  ev('response.output_item.added', {
    output_index: 0,
    item: { id: 'rs_1', type: 'reasoning', summary: [] },
  }) +
  ev('response.reasoning_summary_part.added', {
    item_id: 'rs_1',
    output_index: 0,
    summary_index: 0,
    part: { type: 'summary_text', text: '' },
  }) +
  ev('response.reasoning_summary_text.delta', {
    item_id: 'rs_1',
    output_index: 0,
    summary_index: 0,
    delta: '**Checking** /home/user',
  }) +
  ev('response.reasoning_summary_text.done', {
    item_id: 'rs_1',
    output_index: 0,
    summary_index: 0,
    text: '**Checking** /home/user',
  }) +
  ev('response.output_item.done', { output_index: 0, item: reasoning }) +
  ev('response.output_item.added', {
    output_index: 1,
    item: { ...message, status: 'in_progress', content: [] },
  }) +
  ev('response.content_part.added', {
    item_id: 'msg_1',
    output_index: 1,
    content_index: 0,
    part: { type: 'output_text', annotations: [], text: '' },
  }) +
  ev('response.output_text.delta', {
    item_id: 'msg_1',
    output_index: 1,
    content_index: 0,
    delta: 'Patching /home/',
    logprobs: [],
  }) +
  ev('response.output_text.delta', {
    item_id: 'msg_1',
    output_index: 1,
    content_index: 0,
    delta: 'user/project-1',
    logprobs: [],
  }) +
  ev('response.output_text.done', {
    item_id: 'msg_1',
    output_index: 1,
    content_index: 0,
    text: 'Patching /home/user/project-1',
  }) +
  ev('response.content_part.done', {
    item_id: 'msg_1',
    output_index: 1,
    content_index: 0,
    part: message.content[0],
  }) +
  ev('response.output_item.done', { output_index: 1, item: message }) +
  ev('response.output_item.added', {
    output_index: 2,
    item: { ...call, status: 'in_progress', arguments: '' },
  }) +
  ev('response.function_call_arguments.delta', {
    item_id: 'fc_1',
    output_index: 2,
    delta: '{"command":["ls"],"workdir":"/home/',
  }) +
  ev('response.function_call_arguments.delta', {
    item_id: 'fc_1',
    output_index: 2,
    delta: 'user/project-1"}',
  }) +
  ev('response.function_call_arguments.done', {
    item_id: 'fc_1',
    output_index: 2,
    arguments: call.arguments,
  }) +
  ev('response.output_item.done', { output_index: 2, item: call }) +
  ev('response.completed', { response: response('completed', [reasoning, message, call]) });

export const OPENAI_RESPONSE_JSON = {
  ...response('completed', [
    reasoning,
    message,
    call,
    {
      id: 'ctc_1',
      type: 'custom_tool_call',
      call_id: 'call_2',
      name: 'apply_patch',
      input: '*** Begin Patch\n*** Update File: /home/user/project-1/a.ts\n',
    },
    { id: 'ws_1', type: 'web_search_call', status: 'completed' },
    {
      id: 'sh_1',
      type: 'shell_call',
      call_id: 'call_3',
      status: 'completed',
      action: { commands: ['ls /home/user/project-1'], max_output_length: null, timeout_ms: null },
      environment: null,
    },
    {
      id: 'ap_1',
      type: 'apply_patch_call',
      call_id: 'call_4',
      status: 'completed',
      operation: { type: 'update_file', path: '/home/user/project-1/a.ts', diff: '@@\n-a\n+b\n' },
    },
  ]),
};
