/** The block message: what to change, where the user can change it, in plain English. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding, ScanInput, ValueKind } from '../../src/detect/types.js';
import { BUILT_IN_POLICY_SOURCE } from '../../src/policy/default.js';
import { blockMessage, type BlockedFinding } from '../../src/policy/describe.js';

function blocked(kind: ValueKind, because = `kinds.${kind}`): BlockedFinding {
  const input: ScanInput = { path: ['messages', 0, 'content'], role: 'user', text: 'x' };
  const finding: Finding = {
    ruleId: `rule.${kind}`,
    category: 'secret',
    severity: 'high',
    kind,
    input: 0,
    path: input.path,
    role: 'user',
    start: 0,
    end: 1,
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
});
