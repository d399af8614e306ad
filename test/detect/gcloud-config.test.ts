/**
 * gcloud's configuration left the gateway: `gcloud config list` (agents run it before a deploy)
 * prints the active project under [core] as `project = <id>`, `gcloud config get-value project`
 * prints the id alone, and `gcloud config set project <id>` names it in the command. Only the
 * account line, an e-mail address, was replaced. env.gcp-project now reads these (a
 * `project = ` line only in gcloud's [core] section) and the id takes a cloud-project-N surrogate.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const list = `$ gcloud config list
[core]
account = jnowak@zeta-labs.io
disable_usage_reporting = True
project = zeta-ledger-prod

Your active configuration is: [default]`;

describe("gcloud's project and account", () => {
  it('are reported in config list, get-value and set project', () => {
    assert.deepEqual(findingsIn(list), ['pii.email jnowak@zeta-labs.io', 'env.gcp-project zeta-ledger-prod']);
    assert.deepEqual(findingsIn('$ gcloud config get-value project\nzeta-ledger-prod\n'), [
      'env.gcp-project zeta-ledger-prod',
    ]);
    assert.deepEqual(findingsIn('gcloud config set project zeta-ledger-prod && gcloud run deploy'), [
      'env.gcp-project zeta-ledger-prod',
    ]);
  });

  it('is reported in a JSON-escaped transcript too', () => {
    const escaped = JSON.stringify(`${list}\n$ gcloud config get-value project\nzeta-ledger-prod\n`).slice(
      1,
      -1,
    );
    assert.deepEqual(
      findingsIn(escaped).filter((f) => f.startsWith('env.gcp-project')),
      ['env.gcp-project zeta-ledger-prod', 'env.gcp-project zeta-ledger-prod'],
    );
  });

  it("is reported in a shell tool's result laid out as Command:, Directory:, Output: (Qwen Code's)", () => {
    const result = (output: string): string =>
      `Command: gcloud config get-value project\nDirectory: (root)\nOutput: ${output}\nError: (none)\nExit Code: 0\nSignal: (none)\nProcess Group PGID: 48213`;
    const expected = ['env.gcp-project zeta-ledger-prod'];
    assert.deepEqual(findingsIn(result('zeta-ledger-prod')), expected);
    assert.deepEqual(findingsIn(JSON.stringify({ content: result('zeta-ledger-prod') })), expected);
    assert.deepEqual(
      findingsIn(result('Your active configuration is: [default]\nzeta-ledger-prod')),
      expected,
    );
    assert.deepEqual(findingsIn(result('(unset)')), []);
  });

  it('is no project where a project = line is code or another section', () => {
    for (const text of [
      'def client():\n    project = resolve\n',
      'project = ledger-api\n',
      '[tool.poetry]\nname = "ledger"\nproject = ledger-api\n',
      '$ gcloud config get-value project\n(unset)\n',
    ])
      assert.deepEqual(findingsIn(text), [], text);
  });

  it('is reported where a gcloud command names it with --project, continued lines and JSON-escaped too', async () => {
    const deploy = [
      '$ gcloud run deploy ledger-api --image=europe-docker.pkg.dev/x/y/api:1 \\',
      '    --region=europe-west1 \\',
      '    --project zeta-ledger-prod',
      '$ gcloud compute instances list --project=zeta-ledger-prod --format=json',
      '$ gcloud --project "zeta-ledger-prod" sql instances list',
    ].join('\n');
    const expected = Array(3).fill('env.gcp-project zeta-ledger-prod');
    const projects = (text: string): string[] =>
      findingsIn(text).filter((f) => f.startsWith('env.gcp-project'));
    assert.deepEqual(projects(deploy), expected);
    assert.deepEqual(projects(JSON.stringify(deploy).slice(1, -1)), expected);
    assert.deepEqual(projects(JSON.stringify({ command: deploy })), expected);
    const r = await inspectUserMessage(deploy);
    assert.ok(!r.sent.includes('zeta-ledger-prod'), r.sent);
    assert.equal(r.answer(r.sent), deploy);
  });

  it("is no project where --project is another tool's, prose or a placeholder", () => {
    for (const text of [
      'npx tsc --project tsconfig-build.json',
      'gcloud auth login && firebase deploy --project zeta-ledger-prod',
      'gcloud components update\nterraform plan --project zeta-ledger-prod',
      'Run `gcloud config list` or pass --project zeta-ledger-prod to each call',
      'gcloud commands take --project explicitly',
      'gcloud run deploy --project my-project-123',
      'gcloud run deploy --project PROJECT_ID',
    ])
      assert.deepEqual(
        findingsIn(text).filter((f) => f.startsWith('env.gcp-project')),
        [],
        text,
      );
  });

  it('does not leave the gateway, and the same id takes the same surrogate', async () => {
    const text = `${list}\n$ gcloud config get-value project\nzeta-ledger-prod\n`;
    const r = await inspectUserMessage(text);
    assert.ok(!r.sent.includes('zeta-ledger-prod') && !r.sent.includes('jnowak'), r.sent);
    const ids = r.sent.match(/cloud-project-\d+/g) ?? [];
    assert.equal(ids.length, 2, r.sent);
    assert.equal(ids[0], ids[1]);
    assert.match(r.sent, /\naccount = user-\d+@example\.com\n/);
    assert.equal(r.answer(r.sent), text);
  });
});
