/**
 * The person in an AWS ARN left the gateway: `aws sts get-caller-identity` (run by an agent
 * before a deploy) and access-denied errors print the IAM user's name (user/<name>) or the
 * assumed role's session name, which IAM Identity Center sets to the user's e-mail address.
 * env.aws-account replaced the account id beside them. The name now takes the user name's
 * surrogate (the same user-N as USER=), an address an e-mail's; roles, the AWS documentation's
 * people and the session names SDKs and EC2 pick are no one's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine } from '../../src/detect/engine.js';
import { inspectUserMessage } from '../helpers/inspect-message.js';

const engine = createEngine();

function kinds(text: string): string[] {
  return engine
    .scan([{ path: ['messages', 0, 'content'], role: 'tool_result', text }])
    .map((f) => `${f.ruleId} ${f.kind} ${text.slice(f.start, f.end)}`);
}

const sts = `$ aws sts get-caller-identity
{
    "UserId": "AIDAQ3ZK7XWPL2M4RTV6B",
    "Account": "918273645501",
    "Arn": "arn:aws:iam::918273645501:user/mkowalski"
}`;

const sso = `An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::918273645501:assumed-role/AWSReservedSSO_PowerUser_5f2c1a9b8d7e6f40/marta.kowalska@acme-corp.pl is not authorized to perform: s3:PutObject`;

describe('the person in an AWS ARN', () => {
  it('is reported as a user name, or as an e-mail address', () => {
    assert.deepEqual(
      kinds(sts).filter((f) => f.startsWith('env.aws-principal')),
      ['env.aws-principal username mkowalski'],
    );
    assert.ok(
      kinds(sso).includes('env.aws-principal email marta.kowalska@acme-corp.pl'),
      kinds(sso).join('\n'),
    );
    assert.deepEqual(kinds('arn:aws:iam::918273645501:user/platform/ci/jnowak'), [
      'env.aws-account aws-account-id 918273645501',
      'env.aws-principal username jnowak',
    ]);
  });

  it('is no one in a role, an SDK session or the documentation', () => {
    for (const text of [
      'arn:aws:iam::918273645501:role/deploy',
      'arn:aws:sts::918273645501:assumed-role/ci-deploy/botocore-session-1732870000',
      'arn:aws:sts::918273645501:assumed-role/ec2-app/i-0a1b2c3d4e5f60718',
      'arn:aws:iam::123456789012:user/Bob',
    ])
      assert.deepEqual(
        kinds(text).filter((f) => f.startsWith('env.aws-principal')),
        [],
        text,
      );
  });

  it('takes the surrogate the same name gets elsewhere, restored in the answer', async () => {
    const text = `USER=mkowalski\n${sts}\n${sso}`;
    const r = await inspectUserMessage(text);
    const user = /^USER=(.*)$/m.exec(r.sent)?.[1] ?? '';
    assert.match(user, /^user-\d+$/);
    assert.ok(r.sent.includes(`:user/${user}"`), r.sent);
    assert.match(r.sent, /assumed-role\/AWSReservedSSO_PowerUser_5f2c1a9b8d7e6f40\/user-\d+@example\.com is/);
    for (const real of ['mkowalski', 'marta.kowalska', '918273645501'])
      assert.ok(!r.sent.includes(real), r.sent);
    // The access key's owner id is a tracking id, not put back; everything else is.
    const noUserId = (t: string): string => t.replace(/"UserId": "\w+"/, '');
    assert.equal(noUserId(r.answer(r.sent)), noUserId(text));
  });
});
