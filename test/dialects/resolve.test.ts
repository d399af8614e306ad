import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectedAlias, resolveDialect } from '../../src/dialects/index.js';
import { getAt, JsonPathError, rebuild, setAt } from '../../src/dialects/json-path.js';

describe('resolveDialect', () => {
  const cases: [Parameters<typeof resolveDialect>, string][] = [
    [['anthropic', 'POST', '/v1/messages'], 'anthropic-messages'],
    [['anthropic', 'POST', '/v1/messages?beta=true'], 'anthropic-messages'],
    [['anthropic', 'post', '/v1/messages/count_tokens'], 'anthropic-messages'],
    [['anthropic', 'POST', '/v1/complete'], 'anthropic-complete'],
    [['anthropic', 'POST', '/v1/messages/batches'], 'anthropic-batches'],
    [['anthropic', 'POST', '/v1/messages/batches?beta=true'], 'anthropic-batches'],
    // Read back later: the batches (their results_url), and their results.
    [['anthropic', 'GET', '/v1/messages/batches'], 'anthropic-batch-read'],
    [['anthropic', 'GET', '/v1/messages/batches/msgbatch_01'], 'anthropic-batch-read'],
    [['anthropic', 'POST', '/v1/messages/batches/msgbatch_01/cancel'], 'passthrough'],
    [['anthropic', 'GET', '/v1/messages/batches/msgbatch_01/results'], 'anthropic-batch-read'],
    [['anthropic', 'DELETE', '/v1/messages/batches/msgbatch_01'], 'passthrough'],
    [['anthropic', 'GET', '/v1/messages'], 'passthrough'],
    [['anthropic', 'GET', '/v1/models'], 'passthrough'],
    [['anthropic', 'HEAD', '/'], 'passthrough'],
    [['openai', 'POST', '/v1/chat/completions'], 'openai-chat'],
    [['openai', 'POST', '/chat/completions'], 'openai-chat'],
    [['openai', 'POST', '/v1/responses'], 'openai-responses'],
    [['openai', 'POST', '/v1/responses/input_tokens'], 'openai-responses'],
    [['openai', 'POST', '/v1/responses/compact'], 'openai-responses'],
    [['openai', 'POST', '/responses/compact'], 'openai-responses'],
    [['openai', 'POST', '/v1/responses/resp_1/cancel'], 'passthrough'],
    [['openai', 'GET', '/v1/responses/resp_1'], 'openai-responses-read'],
    [['openai', 'GET', '/v1/responses/resp_1?stream=true&starting_after=3'], 'openai-responses-read'],
    [['openai', 'GET', '/responses/resp_1/input_items'], 'openai-responses-read'],
    [['openai', 'DELETE', '/v1/responses/resp_1'], 'passthrough'],
    [['openai', 'GET', '/v1/responses/resp_1/other'], 'passthrough'],
    [['openai', 'POST', '/v1/files'], 'openai-files'],
    [['gemini', 'POST', '/upload/v1beta/files'], 'gemini-files'],
    [['gemini', 'POST', '/upload/v1beta/files?upload_id=A1&upload_protocol=resumable'], 'gemini-files'],
    [['gemini', 'GET', '/v1beta/files/abc'], 'passthrough'],
    [['openai', 'POST', '/files'], 'openai-files'],
    [['anthropic', 'POST', '/v1/files?beta=true'], 'anthropic-files'],
    [['openai', 'GET', '/v1/files/file-1/content'], 'openai-files-read'],
    [['openai', 'GET', '/v1/files/file-1'], 'passthrough'],
    [['openai', 'POST', '/v1/uploads/upload_1/parts'], 'openai-upload-parts'],
    [['openai', 'POST', '/uploads'], 'openai-uploads'],
    [['openai', 'POST', '/v1/uploads/upload_1/complete'], 'passthrough'],
    [['openai', 'POST', '/v1/batches'], 'openai-batches'],
    [['openai', 'POST', '/v1/batches/batch_1/cancel'], 'passthrough'],
    [['openai', 'POST', '/v1/chat/completions/chatcmpl-1'], 'openai-chat-update'],
    [['openai', 'POST', '/v1/conversations'], 'openai-conversations'],
    [['openai', 'POST', '/conversations'], 'openai-conversations'],
    [['openai', 'POST', '/v1/conversations/conv_68a1b2/items?include=x'], 'openai-conversations'],
    [['openai', 'POST', '/v1/conversations/conv_68a1b2'], 'openai-conversations'],
    [['openai', 'POST', '/conversations/conv_68a1b2/items/'], 'openai-conversations'],
    [['openai', 'GET', '/v1/conversations/conv_68a1b2/items'], 'openai-conversations-read'],
    [['openai', 'GET', '/v1/conversations/conv_68a1b2/items/msg_1'], 'openai-conversations-read'],
    [['openai', 'GET', '/conversations/conv_68a1b2'], 'openai-conversations-read'],
    [['openai', 'DELETE', '/v1/conversations/conv_68a1b2/items/msg_1'], 'passthrough'],
    [['openai', 'POST', '/v1/conversations/conv_68a1b2/items/msg_1'], 'passthrough'],
    [['openai', 'POST', '/v1/conversations/../responses'], 'passthrough'],
    [['openai', 'POST', '/v1/conversations/c%2F1/items'], 'passthrough'],
    [['openai', 'POST', '/v1/embeddings'], 'openai-embeddings'],
    [['openai', 'POST', '/embeddings'], 'openai-embeddings'],
    [['openai', 'POST', '/v1/completions'], 'openai-completions'],
    [['openai', 'POST', '/completions/'], 'openai-completions'],
    [['openai', 'GET', '/v1/chat/completions/chatcmpl-1'], 'openai-chat-read'],
    [['openai', 'GET', '/v1/chat/completions/chatcmpl-1/messages'], 'openai-chat-read'],
    [['openai', 'GET', '/chat/completions?limit=5'], 'openai-chat-read'],
    [['openai', 'DELETE', '/v1/chat/completions/chatcmpl-1'], 'passthrough'],
    [['anthropic', 'GET', '/v1/agents/agent_011a?beta=true'], 'anthropic-managed-agents-read'],
    [['anthropic', 'GET', '/v1/agents'], 'anthropic-managed-agents-read'],
    [['anthropic', 'GET', '/v1/sessions/sesn_011a/events?limit=5'], 'anthropic-managed-agents-read'],
    [['anthropic', 'GET', '/v1/sessions/sesn_011a/threads/sthr_1/events'], 'anthropic-managed-agents-read'],
    [['anthropic', 'GET', '/v1/memory_stores/memstore_1/memories/mem_1'], 'anthropic-managed-agents-read'],
    [['anthropic', 'GET', '/v1/vaults/vlt_1/credentials'], 'anthropic-managed-agents-read'],
    // A session's event stream, restored as it comes.
    [['anthropic', 'GET', '/v1/sessions/sesn_011a/events/stream?beta=true'], 'anthropic-managed-agents-read'],
    [['anthropic', 'GET', '/v1/sessions/sesn_011a/threads/sthr_1/stream'], 'anthropic-managed-agents-read'],
    [['anthropic', 'GET', '/v1/sessions/sesn_011a/events/other'], 'passthrough'],
    [['anthropic', 'DELETE', '/v1/agents/agent_011a'], 'passthrough'],
    [['anthropic', 'GET', '/v1/dreams'], 'passthrough'],
    [['openai', 'POST', '/v1/messages'], 'passthrough'],
    [['gemini', 'POST', '/v1beta/models/gemini-2.5-pro:generateContent'], 'gemini-generate'],
    [['gemini', 'POST', '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse'], 'gemini-generate'],
    [['gemini', 'POST', '/v1/models/gemini-2.5-flash:countTokens'], 'gemini-generate'],
    [['gemini', 'POST', '/v1beta/models/gemini-2.5-flash%3AgenerateContent'], 'gemini-generate'],
    [['gemini', 'POST', '/v1beta/models/text-embedding-004:embedContent'], 'gemini-embed'],
    [['gemini', 'POST', '/v1beta/models/gemini-embedding-001%3AbatchEmbedContents'], 'gemini-embed'],
    [['gemini', 'POST', '/v1beta/models/gemini-2.5-flash:batchGenerateContent'], 'gemini-batch-generate'],
    [['gemini', 'POST', '/v1beta/models/gemini-embedding-001:asyncBatchEmbedContent'], 'gemini-batch-embed'],
    [['gemini', 'POST', '/v1beta/batches/abc:cancel'], 'passthrough'],
    [['gemini', 'POST', '/v1beta/cachedContents'], 'gemini-caches'],
    [['gemini', 'POST', '/v1/cachedContents?key=x'], 'gemini-caches'],
    [['gemini', 'GET', '/v1beta/cachedContents'], 'passthrough'],
    [['gemini', 'PATCH', '/v1beta/cachedContents/abc'], 'passthrough'],
    [['gemini', 'POST', '/v1beta/cachedContents/abc'], 'passthrough'],
    [['gemini', 'POST', '/v1beta/interactions'], 'gemini-interactions'],
    [['gemini', 'POST', '/v1/interactions?alt=sse'], 'gemini-interactions'],
    [['gemini', 'GET', '/v1beta/interactions/v1_abc'], 'gemini-interactions-read'],
    [['gemini', 'GET', '/v1/interactions/v1_abc?stream=true'], 'gemini-interactions-read'],
    [['gemini', 'GET', '/v1beta/batches/abc'], 'gemini-batch-read'],
    [['gemini', 'GET', '/v1beta/batches/abc:cancel'], 'passthrough'],
    [['gemini', 'POST', '/v1beta/interactions/v1_abc/cancel'], 'passthrough'],
    [['gemini', 'GET', '/v1beta/models'], 'passthrough'],
  ];
  for (const [args, id] of cases) {
    it(`${args.join(' ')} → ${id}`, () => {
      const dialect = resolveDialect(...args);
      assert.equal(dialect.id, id);
      assert.equal(dialect.provider, args[0]);
    });
  }

  it('passthrough lists nothing', () => {
    const p = resolveDialect('openai', 'POST', '/v1/batches/batch_1/cancel');
    assert.deepEqual(p.segments({ messages: [{ role: 'user', content: 'x' }] }), []);
    assert.deepEqual(p.answerFields({ choices: [{ message: { content: 'x' } }] }), []);
    assert.equal(p.streaming({ stream: true }, '/v1/batches/batch_1/cancel', new URLSearchParams()), false);
  });
});

describe('inspectedAlias', () => {
  const aliases: [Parameters<typeof inspectedAlias>, string, string][] = [
    [['anthropic', 'POST', '//v1/messages'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/v1//messages'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/v1/messages//'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/v1/./messages'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/v1/x/../messages'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/../v1/messages'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/v1/messages/.'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/v1/%6dessages'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/v1/%6Dessages?beta=true'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/v1/x/%2E%2E/messages'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/v1%2Fmessages'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/V1/messages'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/v1/MESSAGES/count_tokens'], 'anthropic-messages', '/v1/messages/count_tokens'],
    [['anthropic', 'POST', '/v1/messages;x=1'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/v1/x/..;/messages'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/v1\\messages'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/v1/messages#frag'], 'anthropic-messages', '/v1/messages'],
    [['anthropic', 'POST', '/v1/Complete'], 'anthropic-complete', '/v1/complete'],
    [['openai', 'POST', '/v1//chat/completions'], 'openai-chat', '/v1/chat/completions'],
    [['openai', 'POST', '//chat/completions'], 'openai-chat', '/chat/completions'],
    [['openai', 'POST', '/v1/Responses'], 'openai-responses', '/v1/responses'],
    [['openai', 'POST', '/v1/responses/%69nput_tokens'], 'openai-responses', '/v1/responses/input_tokens'],
    [['openai', 'POST', '/v1/responses/Compact'], 'openai-responses', '/v1/responses/compact'],
    [['anthropic', 'POST', '/v1//messages/batches'], 'anthropic-batches', '/v1/messages/batches'],
    [['anthropic', 'POST', '/v1/Messages/Batches'], 'anthropic-batches', '/v1/messages/batches'],
    [['openai', 'POST', '/v1/Embeddings'], 'openai-embeddings', '/v1/embeddings'],
    [['openai', 'POST', '//embeddings'], 'openai-embeddings', '/embeddings'],
    [['openai', 'POST', '/v1/x/../completions'], 'openai-completions', '/v1/completions'],
    [['openai', 'POST', '/v1/%63ompletions'], 'openai-completions', '/v1/completions'],
    [
      ['gemini', 'POST', '/v1beta/models/text-embedding-004:EmbedContent'],
      'gemini-embed',
      '/v1beta/models/text-embedding-004:embedContent',
    ],
    [
      ['gemini', 'POST', '/v1beta//models/text-embedding-004:batchembedcontents'],
      'gemini-embed',
      '/v1beta/models/text-embedding-004:batchEmbedContents',
    ],
    [['gemini', 'POST', '/v1beta/CachedContents'], 'gemini-caches', '/v1beta/cachedContents'],
    [['gemini', 'POST', '/v1beta//Interactions/'], 'gemini-interactions', '/v1beta/interactions'],
    [['gemini', 'POST', '/V1BETA//cachedContents/'], 'gemini-caches', '/v1beta/cachedContents'],
    [['gemini', 'POST', '/v1beta/cached%43ontents'], 'gemini-caches', '/v1beta/cachedContents'],
    [
      ['gemini', 'POST', '/v1beta//models/x:generateContent'],
      'gemini-generate',
      '/v1beta/models/x:generateContent',
    ],
    [
      ['gemini', 'POST', '/v1beta/models/gemini-2.5-pro:streamgeneratecontent?alt=sse'],
      'gemini-generate',
      '/v1beta/models/gemini-2.5-pro:streamGenerateContent',
    ],
    [
      ['gemini', 'POST', '/V1BETA/TunedModels/my-model:CountTokens'],
      'gemini-generate',
      '/v1beta/tunedModels/my-model:countTokens',
    ],
    [
      ['gemini', 'POST', '/v1beta/models%2Fgemini%2D2.5-pro%3agenerateContent'],
      'gemini-generate',
      '/v1beta/models/gemini-2.5-pro:generateContent',
    ],
    [['gemini', 'POST', '/v1/./models/m:generateContent'], 'gemini-generate', '/v1/models/m:generateContent'],
    [['openai', 'POST', '/v1/Conversations'], 'openai-conversations', '/v1/conversations'],
    [['openai', 'POST', '/v1//files'], 'openai-files', '/v1/files'],
    [['anthropic', 'POST', '/v1/Files'], 'anthropic-files', '/v1/files'],
    [['gemini', 'POST', '/upload//v1beta/files'], 'gemini-files', '/upload/v1beta/files'],
    [['openai', 'POST', '/v1/Uploads/upload_1/parts'], 'openai-upload-parts', '/v1/uploads/upload_1/parts'],
    [['openai', 'POST', '/chat//completions/c1'], 'openai-chat-update', '/chat/completions/c1'],
    [['openai', 'POST', '/v1/conversations/../responses'], 'openai-responses', '/v1/responses'],
    [
      ['openai', 'POST', '/v1//conversations/conv_1/Items'],
      'openai-conversations',
      '/v1/conversations/conv_1/items',
    ],
    [['openai', 'POST', '/conversations/conv_1;x'], 'openai-conversations', '/conversations/conv_1'],
    [
      ['gemini', 'POST', '/v1beta/models/x:BatchGenerateContent'],
      'gemini-batch-generate',
      '/v1beta/models/x:batchGenerateContent',
    ],
    [
      ['gemini', 'POST', '/v1beta//models/x:asyncbatchembedcontent'],
      'gemini-batch-embed',
      '/v1beta/models/x:asyncBatchEmbedContent',
    ],
  ];
  for (const [args, id, path] of aliases) {
    it(`${args.join(' ')} spells ${path}`, () => {
      assert.equal(resolveDialect(...args).id, 'passthrough', 'not inspected as it is');
      const alias = inspectedAlias(...args);
      assert.equal(alias?.dialect.id, id);
      assert.equal(alias.path, path);
      assert.equal(resolveDialect(args[0], 'POST', alias.path).id, id, 'the exact spelling is inspected');
    });
  }

  // Inspected as they are, or no spelling of an inspected endpoint: forwarded as before.
  const none: Parameters<typeof inspectedAlias>[] = [
    ['anthropic', 'POST', '/v1/messages'],
    ['anthropic', 'POST', '/v1/messages/'],
    ['anthropic', 'POST', '/v1/messages?beta=true'],
    ['anthropic', 'POST', '/v1/messages/batches'],
    ['anthropic', 'POST', '/v1/messages/batches/msgbatch_01/cancel'],
    ['anthropic', 'POST', '/v1//messages/batches/msgbatch_01/cancel'],
    ['anthropic', 'POST', '/v1/files'],
    ['anthropic', 'GET', '//v1/messages'],
    ['anthropic', 'GET', '/V1/models'],
    ['anthropic', 'POST', '/v1/messages%3Fx'],
    ['anthropic', 'POST', '/v1/me%2573sages'],
    ['openai', 'POST', '/v1/chat/completions'],
    ['openai', 'POST', '/v1/files'],
    ['openai', 'POST', '/v1/conversations/conv_1/items'],
    ['openai', 'POST', '/v1/conversations/c%2F1/items'],
    ['openai', 'POST', '/v1/conversations/conv_1/items/msg_1'],
    ['openai', 'POST', '/v1/responses/resp_1/cancel'],
    ['openai', 'DELETE', '/v1//responses'],
    ['gemini', 'POST', '/v1beta/models/gemini-2.5-pro:generateContent'],
    ['gemini', 'POST', '/v1beta/models/gemini-2.5-pro%3AgenerateContent'],
    ['gemini', 'POST', '/v1beta/models/Gemini-2.5-Pro:generateContent'],
    ['gemini', 'POST', '/v1beta/models/x:streamGenerateContent?alt=sse'],
    ['gemini', 'POST', '/v1beta/models/text-embedding-004:embedContent'],
    ['gemini', 'POST', '/v1beta/models/text-embedding-004:batchEmbedContents'],
    ['gemini', 'POST', '/v1beta/cachedContents'],
    ['gemini', 'POST', '/v1beta/models/x:batchGenerateContent'],
    ['gemini', 'POST', '/v1beta//cachedContents/abc'],
    ['openai', 'POST', '/v1/embeddings'],
    ['openai', 'POST', '/v1/completions/x'],
    ['gemini', 'POST', '/upload/v1beta/files'],
    ['gemini', 'GET', '/v1beta//models'],
  ];
  for (const args of none) {
    it(`${args.join(' ')}: no alias`, () => {
      assert.equal(inspectedAlias(...args), undefined);
    });
  }
});

describe('json-path', () => {
  it('reads and writes at paths, and refuses paths that do not exist', () => {
    const body = { a: [{ b: 'x' }, 'y'], c: null };
    assert.equal(getAt(body, ['a', 0, 'b']), 'x');
    assert.equal(getAt(body, ['a', 5, 'b']), undefined);
    assert.equal(getAt(body, ['c', 'd']), undefined);
    setAt(body, ['a', 1], 'z');
    assert.deepEqual(body.a, [{ b: 'x' }, 'z']);
    assert.throws(() => setAt(body, ['q', 'r'], 1), JsonPathError);
    assert.throws(() => setAt(body, ['a', 'length'], 1), JsonPathError);
    assert.throws(() => setAt(body, [], 1), JsonPathError);
    assert.equal(
      rebuild(body, [{ path: ['a', 0, 'b'], text: 'new "quoted"\n' }]),
      '{"a":[{"b":"new \\"quoted\\"\\n"},"z"],"c":null}',
    );
  });
});
