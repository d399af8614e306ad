/**
 * A machine's serial number and system UUID left the gateway: `sudo dmidecode -t system` (and
 * `-t baseboard`) and the files of /sys/class/dmi/id (product_serial, product_uuid,
 * board_serial), which agents read to tell what hardware they run on, name this very machine
 * to its vendor, its asset register and anyone it was sold to. env.hardware-serial reads
 * dmidecode's and system_profiler's lines, env.dmi-file the files as cat, grep . and head print
 * them; both take a machine id's surrogate of the same shape. Firmware placeholders stay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine } from '../../src/detect/engine.js';
import { inspectUserMessage } from '../helpers/inspect-message.js';

const engine = createEngine();

function found(text: string): string[] {
  return engine
    .scan([{ path: ['messages', 0, 'content'], role: 'tool_result', text }])
    .filter((f) => f.kind === 'machine-id')
    .map((f) => `${f.ruleId} ${text.slice(f.start, f.end)}`);
}

const SERIAL = 'PF2XK4LM';
const UUID = '4c4c4544-0052-3510-8058-b4c04f4e4d32';
const BOARD = 'L1HF16Q01TN';

const dmidecode = `# dmidecode 3.4
Getting SMBIOS data from sysfs.
SMBIOS 3.2.0 present.

Handle 0x000F, DMI type 1, 27 bytes
System Information
	Manufacturer: LENOVO
	Product Name: 20XW0055GE
	Version: ThinkPad X1 Carbon Gen 9
	Serial Number: ${SERIAL}
	UUID: ${UUID}
	Wake-up Type: Power Switch
	SKU Number: LENOVO_MT_20XW_BU_Think_FM_ThinkPad X1 Carbon Gen 9
	Family: ThinkPad X1 Carbon Gen 9

Handle 0x0010, DMI type 2, 15 bytes
Base Board Information
	Manufacturer: LENOVO
	Product Name: 20XW0055GE
	Serial Number: ${BOARD}
	Asset Tag: Not Available

Handle 0x0011, DMI type 3, 22 bytes
Chassis Information
	Manufacturer: LENOVO
	Serial Number: To Be Filled By O.E.M.`;

const sysfs = `$ sudo cat /sys/class/dmi/id/product_serial /sys/class/dmi/id/product_uuid /sys/class/dmi/id/board_serial
${SERIAL}
${UUID}
${BOARD}
$ grep . /sys/class/dmi/id/product_serial /sys/class/dmi/id/product_uuid
/sys/class/dmi/id/product_serial:${SERIAL}
/sys/class/dmi/id/product_uuid:${UUID}
$ head /sys/class/dmi/id/board_serial /sys/class/dmi/id/chassis_serial
==> /sys/class/dmi/id/board_serial <==
${BOARD}

==> /sys/class/dmi/id/chassis_serial <==
Default string`;

describe("a machine's serial numbers and system UUID", () => {
  it('are reported in dmidecode output, placeholders left', () => {
    assert.deepEqual(found(dmidecode), [
      `env.hardware-serial ${SERIAL}`,
      `env.hardware-serial ${UUID}`,
      `env.hardware-serial ${BOARD}`,
    ]);
  });

  it('are reported in the files of /sys/class/dmi/id as cat, grep and head print them', () => {
    assert.deepEqual(found(sysfs), [
      `env.dmi-file ${SERIAL}`,
      `env.dmi-file ${UUID}`,
      `env.dmi-file ${BOARD}`,
      `env.dmi-file ${SERIAL}`,
      `env.dmi-file ${UUID}`,
      `env.dmi-file ${BOARD}`,
    ]);
    // In a JSON-escaped transcript too.
    const escaped = JSON.stringify(sysfs).slice(1, -1);
    assert.equal(found(escaped).length, 6, found(escaped).join('\n'));
    assert.equal(found(JSON.stringify(dmidecode).slice(1, -1)).length, 3);
  });

  it('are reported where cat reads more than four files, or a brace list, as the shell expands it', () => {
    const braces = `$ cat /sys/class/dmi/id/{sys_vendor,product_name,product_version,board_vendor,board_name,product_serial,product_uuid} /sys/class/dmi/id/chassis_serial /sys/class/dmi/id/board_serial
LENOVO
20XW0055GE
ThinkPad X1 Carbon Gen 9
LENOVO
20XW0055GF
${SERIAL}
${UUID}
Default string
${BOARD}`;
    const plain = `$ sudo cat /sys/class/dmi/id/bios_vendor /sys/class/dmi/id/bios_version /sys/class/dmi/id/sys_vendor /sys/class/dmi/id/product_name /sys/class/dmi/id/product_serial
LENOVO
N32ET91W (1.67 )
LENOVO
20XW0055GE
${SERIAL}
`;
    const expected = [`env.dmi-file ${SERIAL}`, `env.dmi-file ${UUID}`, `env.dmi-file ${BOARD}`];
    assert.deepEqual(found(braces), expected);
    assert.deepEqual(found(JSON.stringify(braces).slice(1, -1)), expected);
    assert.deepEqual(found(plain), [`env.dmi-file ${SERIAL}`]);
    assert.deepEqual(found(JSON.stringify({ output: plain })), [`env.dmi-file ${SERIAL}`]);
    // Read by a user who may not: the error in its place is no value.
    const denied = `$ cat /sys/class/dmi/id/{product_name,product_serial}\n20XW0055GE\ncat: /sys/class/dmi/id/product_serial: Permission denied\n`;
    assert.deepEqual(found(denied), []);
  });

  it("are reported in a shell tool's result laid out as Command:, Directory:, Output: (Qwen Code's)", () => {
    const result = (command: string, output: string): string =>
      `Command: ${command}\nDirectory: (root)\nOutput: ${output}\nError: (none)\nExit Code: 0\nSignal: (none)\nBackground PIDs: (none)\nProcess Group PGID: 48213`;
    const one = result('cat /sys/class/dmi/id/product_serial', SERIAL);
    const three = result(
      'sudo cat /sys/class/dmi/id/{product_name,product_serial,product_uuid}',
      `20XW0055GE\n${SERIAL}\n${UUID}`,
    );
    assert.deepEqual(found(one), [`env.dmi-file ${SERIAL}`]);
    assert.deepEqual(found(three), [`env.dmi-file ${SERIAL}`, `env.dmi-file ${UUID}`]);
    assert.deepEqual(found(JSON.stringify({ content: three })), [
      `env.dmi-file ${SERIAL}`,
      `env.dmi-file ${UUID}`,
    ]);
    const denied = result(
      'cat /sys/class/dmi/id/product_serial',
      'cat: /sys/class/dmi/id/product_serial: Permission denied',
    );
    assert.deepEqual(found(denied), []);
  });

  it('are not found where no machine printed them', () => {
    for (const text of [
      'cat: /sys/class/dmi/id/product_serial: Permission denied',
      'const id = readFileSync("/sys/class/dmi/id/product_uuid")\nreturn id\n',
      'item:\n  UUID: 4c4c4544-0052-3510-8058-b4c04f4e4d32\n',
      'Memory Device\n\tSerial Number: 0x1A2B3C4D\n',
    ])
      assert.deepEqual(found(text), [], text);
  });

  it('do not leave the gateway', async () => {
    const r = await inspectUserMessage(`${dmidecode}\n${sysfs}`);
    for (const real of [SERIAL, UUID, BOARD]) assert.ok(!r.sent.includes(real), `${real} in ${r.sent}`);
    const serial = /\tSerial Number: (\S+)\n\tUUID/.exec(r.sent)?.[1] ?? '';
    assert.equal(serial.length, SERIAL.length);
    assert.ok(r.sent.includes(`product_serial:${serial}\n`), 'one serial, one surrogate');
    assert.ok(r.sent.includes('Serial Number: To Be Filled By O.E.M.'));
  });
});
