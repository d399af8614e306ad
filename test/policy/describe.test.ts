/** The block message: what to change, where the user can change it, in plain English. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonPathToString } from '../../src/audit/event.js';
import type { Finding, ScanInput, ValueKind } from '../../src/detect/types.js';
import { BUILT_IN_POLICY_SOURCE } from '../../src/policy/default.js';
import { blockMessage, describePlace, type BlockedFinding } from '../../src/policy/describe.js';

// Assembled, so that no complete key-shaped literal sits in the source.
const GITHUB = 'ghp_' + 'abcdefghijklmnopqrstuvwxyz0123456789';

function blocked(
  kind: ValueKind,
  because = `kinds.${kind}`,
  place: Pick<ScanInput, 'path' | 'role' | 'text'> = {
    path: ['messages', 0, 'content'],
    role: 'user',
    text: 'x',
  },
): BlockedFinding {
  const input: ScanInput = { ...place };
  const finding: Finding = {
    ruleId: `rule.${kind}`,
    category: 'secret',
    severity: 'high',
    kind,
    input: 0,
    path: input.path,
    role: input.role,
    start: 0,
    end: input.text.length,
  };
  return { finding, input, decision: { action: 'block', because } };
}

describe('blockMessage', () => {
  it('without a policy file, says how to get one instead of naming the built-in policy as a file', () => {
    const message = blockMessage([blocked('private-key')], BUILT_IN_POLICY_SOURCE);
    assert.doesNotMatch(message, /in \(built-in default policy\)/);
    assert.match(
      message,
      /in a policy file \(`airlock policy init` writes the default one; point `policy:` in airlock\.yaml at it\) change kinds\.private-key/,
    );
    assert.match(
      blockMessage([blocked('private-key')], 'acme-policy.yaml'),
      /or in acme-policy\.yaml change kinds\.private-key/,
    );
  });

  it('suggests audit, not a stand-in, for a credential or a tool server address the provider uses as given', () => {
    const place = (role: 'credential' | 'tool_server' | 'user') => ({
      path: ['tools', 0, 'x'],
      role,
      text: 'x',
    });
    for (const role of ['credential', 'tool_server'] as const) {
      const message = blockMessage([blocked('hostname', `roles.${role}`, place(role))], 'p.yaml');
      assert.match(
        message,
        new RegExp(`change roles\\.${role} \\(e\\.g\\. to audit, which sends it as given`),
      );
      assert.doesNotMatch(message, /pseudonymize/);
    }
    // Where a category or a kind blocked, redact already sends a credential as given, and audit
    // would let every such value go everywhere.
    for (const because of ['categories.secret', 'kinds.hostname'])
      assert.match(
        blockMessage([blocked('hostname', because, place('credential'))], 'p.yaml'),
        /\(e\.g\. to redact or pseudonymize\)/,
      );
    assert.match(
      blockMessage([blocked('hostname', 'scopes[0].roles.credential', place('credential'))], 'p.yaml'),
      /\(e\.g\. to audit, /,
    );
    // With a finding elsewhere among them, a stand-in is still what lets that one go.
    const mixed = blockMessage(
      [
        blocked('hostname', 'roles.tool_server', place('tool_server')),
        blocked('hostname', 'kinds.hostname', place('user')),
      ],
      'p.yaml',
    );
    assert.match(mixed, /\(e\.g\. to redact or pseudonymize\)/);
  });

  it('uses "an" before a vowel sound', () => {
    const says = (kind: ValueKind) => blockMessage([blocked(kind)], 'p.yaml').split(' value ')[0];
    assert.equal(says('opaque-id'), 'an opaque-id');
    assert.equal(says('email'), 'an email');
    assert.equal(says('iban'), 'an iban');
    assert.equal(says('aws-access-key'), 'an aws-access-key');
    assert.equal(says('npm-token'), 'an npm-token');
    assert.equal(says('private-key'), 'a private-key');
    assert.equal(says('uuid'), 'a uuid');
    assert.equal(says('url'), 'a url');
  });

  it('names a member on the path only when the audit log would: a key that is a secret or a path is […]', () => {
    const place = {
      path: ['messages', 1, 'content', 0, 'input', 'files', GITHUB, '/home/erin/proj/a.ts'],
      role: 'tool_use' as const,
      text: 'mail dan@initech.io',
    };
    const message = blockMessage([blocked('email', 'kinds.email', place)], 'p.yaml');
    for (const secret of [GITHUB, 'ghp_', '/home/erin', 'proj/a.ts', 'dan@initech.io', 'initech'])
      assert.ok(!message.includes(secret), `${secret} is in the message: ${message}`);
    assert.match(message, /in a tool call at messages\[1\]\.content\[0\]\.input\.files\[…\]\[…\]: /);
    // The same place as the request's audit event names it.
    assert.equal(`$.${describePlace(place).replace(/^a tool call at /, '')}`, jsonPathToString(place.path));
  });

  it('keeps plain member names, quoted ones and an empty path as they were', () => {
    const at = (path: ScanInput['path']) => describePlace({ path, role: 'user' });
    assert.equal(at(['messages', 1, 'content', 0, 'text']), 'a user message at messages[1].content[0].text');
    assert.equal(
      at(['tools', 0, 'input_schema', 'properties', 'file_path']),
      'a user message at tools[0].input_schema.properties.file_path',
    );
    assert.equal(at(['metadata', 'x-session-id']), 'a user message at metadata["x-session-id"]');
    assert.equal(at(['input', 'file_path']), 'a user message at input.file_path');
    assert.equal(at([]), 'a user message at (body)');
  });

  it('names a header unless its name is a secret', () => {
    const header = (name: string) => describePlace({ path: ['headers', name], role: 'header', header: name });
    assert.equal(header('x-user-email'), 'the request header x-user-email');
    assert.equal(header(GITHUB), 'the request header […]'); // a plain word, but a secret
    assert.equal(header(`x-token-${GITHUB}`), 'the request header […]'); // too long to be a plain word
  });
});
