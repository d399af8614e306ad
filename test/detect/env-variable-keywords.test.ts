/**
 * USERDNSDOMAIN= in a Windows `set` dump (the Active Directory DNS domain, the organisation's)
 * left the gateway: env.env-variable's pattern reads it, but no keyword of the rule's prefilter
 * led to it, so the regex never ran there (nor on COMPUTERNAME=, which env.hostname-context
 * happened to cover). The prefilter property test found it now and then. Every variable the
 * rule reads now has a keyword: the findings are the same with the prefilter and without.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine } from '../../src/detect/engine.js';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const NAMES = [
  'HOSTNAME',
  'USER',
  'LOGNAME',
  'USERNAME',
  'HOME',
  'OLDPWD',
  'MAIL',
  'SHELL',
  'TZ',
  'DISPLAY',
  'SSH_AUTH_SOCK',
  'XDG_RUNTIME_DIR',
  'XDG_SESSION_ID',
  'DBUS_SESSION_BUS_ADDRESS',
  'TERM_SESSION_ID',
  'ITERM_SESSION_ID',
  'WT_SESSION',
  'USERDOMAIN',
  'USERDNSDOMAIN',
  'COMPUTERNAME',
  'USERPROFILE',
  'TMPDIR',
  'KUBECONFIG',
  'AWS_PROFILE',
];

const on = createEngine({ cacheEntries: 0 });
const off = createEngine({ prefilter: false, cacheEntries: 0 });
const scan = (engine: typeof on, text: string): string[] =>
  engine
    .scan([{ path: ['messages', 0, 'content'], role: 'tool_result', text }])
    .map((f) => `${f.ruleId} ${text.slice(f.start, f.end)}`);

describe("env.env-variable's keywords", () => {
  it('lead to every variable the rule reads', () => {
    for (const name of NAMES)
      for (const value of ['wks-0231.emea.contoso-corp.com', '/home/mkowalski/src/wks-0231']) {
        for (const text of [`C:\\> set\n${name}=${value}\n`, `${name}=${value} make deploy\n`])
          assert.deepEqual(scan(on, text), scan(off, text), text);
      }
  });

  it("report a Windows dump's DNS domain, which does not leave the gateway", async () => {
    const dump = 'C:\\> set\nUSERDNSDOMAIN=EMEA.CONTOSO-CORP.COM\nUSERDOMAIN=CONTOSO\n';
    assert.deepEqual(
      findingsIn(dump).filter((f) => f.startsWith('env.env-variable')),
      ['env.env-variable EMEA.CONTOSO-CORP.COM', 'env.env-variable CONTOSO'],
    );
    const r = await inspectUserMessage(dump);
    assert.ok(!r.sent.includes('CONTOSO'), r.sent);
  });
});
