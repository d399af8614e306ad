/**
 * `docker info` prints the engine's ID below its Name:, made once per installation and kept (a
 * UUID, or twelve groups of four as older engines wrote it): it names the machine as a machine id
 * does, and it left the gateway beside the replaced host name. env.docker-info-id reads it where
 * docker info puts it and gives it a machine id's surrogate of the same shape.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const UUID = '4b3e2c1a-7f6d-4e5b-9c8a-1d2e3f4a5b6c';
const OLD = '7C3E:QK2M:ABCD:XD5X:TEXB:EKF7:3DDQ:2RLX:B7PE:TVBI:WUBQ:ZZTO';

const info = (name: string, id: string): string => `$ docker info
Server:
 Containers: 4
 Server Version: 27.3.1
 Kernel Version: 6.8.0-47-generic
 OSType: linux
 Architecture: x86_64
 CPUs: 16
 Total Memory: 31.05GiB
 Name: ${name}
 ID: ${id}
 Docker Root Dir: /var/lib/docker
 Debug Mode: false`;

const ids = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('env.docker-info-id'));

describe("docker info's engine ID", () => {
  it('is reported, a UUID or the older twelve groups, Docker Desktop too', () => {
    assert.deepEqual(ids(info('wks-0231', UUID)), [`env.docker-info-id ${UUID}`]);
    assert.deepEqual(ids(info('docker-desktop', OLD)), [`env.docker-info-id ${OLD}`]);
  });

  it('is reported in a JSON-escaped transcript too', () => {
    for (const text of [info('wks-0231', UUID), info('docker-desktop', OLD)]) {
      const escaped = JSON.stringify(text).slice(1, -1);
      assert.equal(ids(escaped).length, 1, findingsIn(escaped).join('\n'));
    }
  });

  it('is no machine id where docker info did not print it', () => {
    for (const text of [
      `items:\n ID: ${UUID}\n`,
      `Containers:\n Name: web-1\n ID: ${UUID}\n`,
      ` Total Memory: 31.05GiB\n Name: wks-0231\n ID: 42\n`,
    ])
      assert.deepEqual(ids(text), [], text);
  });

  it('does not leave the gateway, and takes a surrogate of its shape', async () => {
    for (const id of [UUID, OLD]) {
      const r = await inspectUserMessage(info('wks-0231', id));
      assert.ok(!r.sent.includes(id), r.sent);
      const sent = /\n ID: (\S+)\n/.exec(r.sent)?.[1] ?? '';
      assert.match(
        sent,
        id === UUID
          ? /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/
          : /^[0-9A-Z]{4}(?::[0-9A-Z]{4}){11}$/,
      );
      assert.equal(r.answer(`The engine is ${sent}.`), `The engine is ${id}.`);
    }
  });
});
