import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScanInput } from '../../src/detect/types.js';
import {
  applyEdits,
  planEdits,
  propagateEdits,
  resolveOverlaps,
  type DecidedFinding,
} from '../../src/redact/apply.js';
import { Surrogates } from '../../src/redact/surrogates.js';
import { MemoryVault } from '../../src/redact/vault.js';
import { compose, pseudonymize } from './helpers.js';

const input = (text: string): ScanInput => ({ path: ['t'], role: 'user', text });

describe('apply', () => {
  it('keeps the strongest, then the longest of overlapping findings', () => {
    const base = { category: 'environment', severity: 'low', path: ['t'], role: 'user', input: 0 } as const;
    const decided: DecidedFinding[] = [
      { finding: { ...base, ruleId: 'a', kind: 'home-path', start: 0, end: 11 }, action: 'pseudonymize' },
      { finding: { ...base, ruleId: 'b', kind: 'project-path', start: 0, end: 20 }, action: 'pseudonymize' },
      { finding: { ...base, ruleId: 'c', kind: 'token', start: 15, end: 30 }, action: 'redact' },
      { finding: { ...base, ruleId: 'd', kind: 'hidden-unicode', start: 40, end: 41 }, action: 'strip' },
    ];
    assert.deepEqual(
      resolveOverlaps(decided).map((d) => d.finding.ruleId),
      ['a', 'c', 'd'],
    );
  });

  it('replaces edits in order and strips spans', () => {
    const inputs = [input('a\u200bb /home/alice x'), input('untouched')];
    const out = applyEdits(inputs, [
      { input: 0, start: 1, end: 2, text: '' },
      { input: 0, start: 4, end: 15, text: '/home/user' },
    ]);
    assert.equal(out.get(0), 'ab /home/user x');
    assert.equal(out.has(1), false);
  });

  it('gives a frozen input the same edited string for the same edits, and a new one for others', () => {
    // Frozen inputs are the segments requests share (the system prompt resent every turn).
    const shared = Object.freeze(input('cd /home/alice/acme && ls /home/alice'));
    const other = Object.freeze(input('/home/alice'));
    const first = [
      { input: 0, start: 3, end: 19, text: '/home/user/project-1' },
      { input: 0, start: 26, end: 37, text: '/home/user' },
      { input: 1, start: 0, end: 11, text: '/home/user' },
    ];
    const a = applyEdits([shared, other], first).get(0)!;
    assert.equal(a, 'cd /home/user/project-1 && ls /home/user');
    // New edit objects, equal in value (as the next request makes them): the very same string.
    const again = applyEdits(
      [shared, other],
      first.map((e) => ({ ...e })),
    );
    assert.ok(Object.is(again.get(0), a));
    assert.equal(again.get(1), '/home/user');
    // Another surrogate, another place, one edit fewer: each made anew, never the kept text.
    const renamed = first.map((e) =>
      e.input === 0 && e.start === 3 ? { ...e, text: '/home/user/project-2' } : e,
    );
    assert.equal(applyEdits([shared, other], renamed).get(0), 'cd /home/user/project-2 && ls /home/user');
    assert.equal(
      applyEdits([shared], [{ input: 0, start: 26, end: 37, text: '/home/u' }]).get(0),
      'cd /home/alice/acme && ls /home/u',
    );
    assert.equal(
      applyEdits([shared], [{ input: 0, start: 3, end: 19, text: '/home/user/project-1' }]).get(0),
      'cd /home/user/project-1 && ls /home/alice',
    );
    // A frozen input edited as at first gets its text back right (not the last one kept).
    assert.equal(applyEdits([shared, other], first).get(0), a);
  });

  it('replaces every occurrence of a replaced value in the request, preferring the longer known value', async () => {
    const { text, findings } = compose([
      'cwd:',
      { value: '/home/alice/acme-api', kind: 'project-path', category: 'environment' },
      'then',
      { value: '/home/alice', kind: 'home-path', category: 'environment', suffix: '/acme-api/src/x.ts' },
    ]);
    const extra = ' memory: ~/.claude/projects/-home-alice-acme-api/x # acme-api README';
    const { text: out, entries } = await pseudonymize(text + extra, findings);
    assert.ok(!out.includes('acme-api'), out);
    assert.ok(!out.includes('alice'), out);
    assert.match(out, /projects\/-home-user-project-\d+\/x # project-\d+ README/);
    // The flattened spelling and the folder name restore too.
    const flat = entries.find((e) => e.original === '-home-alice-acme-api');
    assert.match(flat?.surrogate ?? '', /^-home-user-project-\d+$/);
    assert.ok(entries.some((e) => e.original === 'acme-api'));
    const inputs = [input('secret AKIA1234567890ABCDEF again'), input('no AKIA1234567890ABCDEF flag here')];
    const edits = propagateEdits(
      inputs,
      [{ input: 0, start: 7, end: 27, text: 'AKIAZZZZZZZZZZZZZZZZ' }],
      new Map([['AKIA1234567890ABCDEF', 'AKIAZZZZZZZZZZZZZZZZ']]),
    );
    assert.equal(applyEdits(inputs, edits).get(1), 'no AKIAZZZZZZZZZZZZZZZZ flag here');
  });

  it('leaves a replaced value where the provider uses the text as given (a credential, a tool server URL)', () => {
    const inputs: ScanInput[] = [
      input('call mcp.acme.corp with AKIA1234567890ABCDEF'),
      { path: ['mcp_servers', 0, 'url'], role: 'tool_server', text: 'https://mcp.acme.corp/sse' },
      { path: ['mcp_servers', 0, 'authorization_token'], role: 'credential', text: 'AKIA1234567890ABCDEF' },
      { path: ['mcp_servers', 0, 'url'], role: 'tool_definition', text: 'https://mcp.acme.corp/sse' },
    ];
    const replaced = new Map([
      ['mcp.acme.corp', 'host-1.example.internal'],
      ['AKIA1234567890ABCDEF', 'AKIAZZZZZZZZZZZZZZZZ'],
    ]);
    const texts = applyEdits(inputs, propagateEdits(inputs, [], replaced));
    assert.equal(texts.get(0), 'call host-1.example.internal with AKIAZZZZZZZZZZZZZZZZ');
    assert.equal(texts.get(1), undefined);
    assert.equal(texts.get(2), undefined);
    assert.equal(texts.get(3), 'https://host-1.example.internal/sse');
  });

  it('gives each tracking id of one place its own stable stand-in', async () => {
    const text =
      '{"device_id":"11111111-2222-4333-8444-555555555555","session_id":"66666666-7777-4888-9999-aaaaaaaaaaaa"}';
    const inputs: ScanInput[] = [{ path: ['metadata', 'user_id'], role: 'metadata', text }];
    const base = {
      ruleId: 'tracking.metadata-id',
      category: 'tracking',
      severity: 'medium',
      kind: 'opaque-id',
      input: 0,
      path: ['metadata', 'user_id'],
      role: 'metadata',
    } as const;
    const decided: DecidedFinding[] = [
      { finding: { ...base, start: 14, end: 50 }, action: 'pseudonymize' },
      { finding: { ...base, start: 64, end: 100 }, action: 'pseudonymize' },
    ];
    const run = async (key: number) => {
      const ctx = { reals: new Set<string>(), restoreSecrets: true, entries: new Map() };
      const edits = await planEdits(
        inputs,
        decided,
        new Surrogates(Buffer.alloc(32, key), new MemoryVault()),
        ctx,
      );
      return edits.map((e) => e.text);
    };
    const [device, session] = await run(1);
    assert.notEqual(device, session);
    assert.deepEqual(await run(1), [device, session]);
    assert.notDeepEqual(await run(2), [device, session], 'another installation, other ids');
  });
});

describe('replacements in text the provider signed', () => {
  const at = (role: ScanInput['role'], text: string, signed?: true): ScanInput => ({
    path: [role],
    role,
    text,
    ...(signed ? { signed } : {}),
  });
  const replaced = new Map([
    ['/home/alice/x', '/home/user/project-1'],
    ['bob@x-mail.example', 'user1@example.net'],
    ['build-7.corp.example', 'host-1.example.internal'],
    ['9f8e7d6c5b4a', 'a1b2c3d4e5f6'],
  ]);

  it('are of the values the model had read before it wrote the text, in the system prompt, tools, user or tool text', () => {
    const inputs = [
      at('user', 'look at /home/alice/x'),
      at('assistant', 'I will mail 9f8e7d6c5b4a and bob@x-mail.example'),
      at(
        'tool_use',
        'cd /home/alice/x; mail bob@x-mail.example; ssh build-7.corp.example; 9f8e7d6c5b4a',
        true,
      ),
      at('tool_result', 'sent to bob@x-mail.example'),
      at('tool_use', 'mail bob@x-mail.example', true),
      at('header', '9f8e7d6c5b4a'),
      at('metadata', '9f8e7d6c5b4a'),
      at('tool_definition', 'deploys to build-7.corp.example'),
    ];
    const texts = applyEdits(inputs, propagateEdits(inputs, [], replaced));
    // Read earlier (user text), or in the tools: the model wrote their surrogates, signed so.
    // Made up (in its own text, a header, metadata, or only in a later tool output): as written.
    assert.equal(
      texts.get(2),
      'cd /home/user/project-1; mail bob@x-mail.example; ssh host-1.example.internal; 9f8e7d6c5b4a',
    );
    assert.equal(texts.get(4), 'mail user1@example.net', 'read in the tool output before it');
    // Text nobody signed is replaced throughout, as before.
    assert.equal(texts.get(1), 'I will mail a1b2c3d4e5f6 and user1@example.net');
    assert.equal(texts.get(3), 'sent to user1@example.net');
  });

  it('are all the values where no text is signed', () => {
    const inputs = [at('tool_use', 'mail bob@x-mail.example'), at('tool_result', 'bob@x-mail.example')];
    assert.equal(applyEdits(inputs, propagateEdits(inputs, [], replaced)).get(0), 'mail user1@example.net');
  });
});
