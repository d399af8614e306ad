/**
 * `docker info` (agents run it when a build fails) prints the machine's host name as the
 * engine's `Name:` and it left the gateway beside the replaced kernel and OS versions.
 * env.docker-info-name reads it there (after `Total Memory:`, as docker info orders its lines),
 * with the host-N surrogate the same name gets elsewhere; a `Name:` line elsewhere is no host,
 * and Docker Desktop's and other VMs' names are every such machine's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const info = (name: string): string => `$ docker info
Client: Docker Engine - Community
 Version:    27.3.1
 Context:    default

Server:
 Containers: 4
 Server Version: 27.3.1
 Storage Driver: overlay2
 Kernel Version: 6.8.0-47-generic
 Operating System: Ubuntu 24.04.1 LTS
 OSType: linux
 Architecture: x86_64
 CPUs: 16
 Total Memory: 31.05GiB
 Name: ${name}
 ID: 4b3e2c1a-7f6d-4e5b-9c8a-1d2e3f4a5b6c
 Docker Root Dir: /var/lib/docker
 Debug Mode: false`;

describe("docker info's Name:", () => {
  it('is the host name', () => {
    assert.ok(findingsIn(info('wks-0231')).includes('env.docker-info-name wks-0231'));
    assert.ok(findingsIn(info('build-07.acme.lan')).some((f) => f.endsWith(' build-07.acme.lan')));
  });

  it('is the host name in a JSON-escaped transcript too', () => {
    const escaped = JSON.stringify(info('wks-0231')).slice(1, -1);
    assert.ok(findingsIn(escaped).includes('env.docker-info-name wks-0231'), findingsIn(escaped).join('\n'));
  });

  it("is no host elsewhere, nor a VM's shared name", () => {
    assert.deepEqual(
      findingsIn(info('docker-desktop')).filter((f) => f.includes('docker-desktop')),
      [],
    );
    for (const text of ['kind: Pod\nmetadata:\n Name: wks-0231\n', 'Package:\n Name: ledger-api\n'])
      assert.deepEqual(findingsIn(text), [], text);
  });

  it('does not leave the gateway, and takes the surrogate the same name gets elsewhere', async () => {
    const text = `${info('wks-0231')}\nHOSTNAME=wks-0231`;
    const r = await inspectUserMessage(text);
    assert.ok(!r.sent.includes('wks-0231'), r.sent);
    const host = /^HOSTNAME=(.*)$/m.exec(r.sent)?.[1] ?? '';
    assert.match(host, /^host-\d+$/);
    assert.ok(r.sent.includes(`\n Name: ${host}\n`), r.sent);
  });
});
