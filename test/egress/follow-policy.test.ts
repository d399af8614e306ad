/**
 * The egress proxy follows the policy file: `airlock start` (the whole Airlock) and a proxy on
 * its own (`airlock proxy`, `airlock run`, through followEgressPolicy) put a changed `egress:`
 * section in force for new tunnels; an invalid new version leaves the rules as they were.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { followEgressPolicy } from '../../src/egress/follow-policy.js';
import { startForwardProxy, type ForwardProxy } from '../../src/egress/proxy.js';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';
import { openConnect, startEcho } from './helpers.js';
import { until } from '../helpers/until.js';

/** The CONNECT status a new tunnel to `target` gets now (the tunnel, if any, is closed). */
async function connectStatus(proxyPort: number, target: string): Promise<number> {
  const { status, socket } = await openConnect(proxyPort, target);
  socket.destroy();
  return status;
}

/** Polls until a new tunnel to `target` gets `want` (file watchers report within ~100 ms). */
async function eventually(proxyPort: number, target: string, want: number): Promise<void> {
  await until(
    async () => (await connectStatus(proxyPort, target)) === want,
    `CONNECT ${target} → ${want}`,
    5000,
  );
}

const policyWith = (egress: string) => `mode: enforce\n${egress}`;

describe('egress policy follows the policy file', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let target: string;
  let dir: string;
  before(async () => {
    echo = await startEcho();
    target = `127.0.0.1:${echo.port}`;
    dir = mkdtempSync(join(tmpdir(), 'airlock-egress-follow-'));
  });
  after(async () => {
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('airlock start: a new egress section takes effect, an invalid one is refused', async () => {
    const file = join(dir, 'start.policy.yaml');
    writeFileSync(file, policyWith(''));
    let stack: AirlockStack | undefined;
    try {
      stack = await startAirlockStack(
        {},
        { policyFile: file, config: { egress_proxy: { enabled: true, port: 0 } } },
      );
      const proxy = stack.airlock.egress!;
      assert.equal(await connectStatus(proxy.port, target), 200);

      writeFileSync(file, policyWith(`egress:\n  deny: ['${target}']\n`));
      await eventually(proxy.port, target, 403);
      assert.deepEqual(stack.airlock.policy().policy.egress.deny, [target]);

      // Not a valid egress section (taken, it would lift the deny): refused whole, the deny stays.
      writeFileSync(file, policyWith(`egress:\n  deny: []\n  profile: lenient\n`));
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(await connectStatus(proxy.port, target), 403);

      writeFileSync(file, policyWith('egress:\n  deny: []\n'));
      await eventually(proxy.port, target, 200);
    } finally {
      await stack?.close();
    }
  });

  it('a proxy on its own: changes follow, with the caller’s additions; broken versions are reported', async () => {
    const file = join(dir, 'proxy.policy.yaml');
    writeFileSync(file, policyWith(`egress:\n  deny: ['${target}']\n`));
    const problems: string[] = [];
    const reloads: string[] = [];
    let proxy: ForwardProxy | undefined;
    let follower: { close(): void } | undefined;
    try {
      proxy = await startForwardProxy({ port: 0, policy: { deny: [target] }, onEvent: () => undefined });
      follower = followEgressPolicy(file, proxy, {
        // As `airlock run` does: the caller's own allowance on top of the file's rules.
        derive: (section) => ({ ...section, allow: [...(section.allow ?? []), 'kept.example:443'] }),
        onReload: (f) => reloads.push(f),
        onProblem: (message) => problems.push(message),
      });
      assert.equal(await connectStatus(proxy.port, target), 403);

      writeFileSync(file, policyWith(`egress:\n  profile: strict\n  allow: ['${target}']\n`));
      await eventually(proxy.port, target, 200);
      assert.deepEqual(reloads, [file]);

      writeFileSync(file, 'mode: sometimes\n');
      await until(() => problems.length > 0, 'the refusal', 5000);
      assert.match(problems[0] ?? '', /keeping the previous policy/);
      assert.equal(await connectStatus(proxy.port, target), 200);
    } finally {
      follower?.close();
      await proxy?.close();
    }
  });

  it('a file not valid as a whole at start: reported, the rules kept, followed from its first valid version', async () => {
    const file = join(dir, 'broken.policy.yaml');
    writeFileSync(file, `mode: sometimes\negress:\n  deny: ['${target}']\n`);
    const problems: string[] = [];
    let proxy: ForwardProxy | undefined;
    let follower: { close(): void } | undefined;
    try {
      // As `airlock proxy` starts: from the file's egress section alone.
      proxy = await startForwardProxy({ port: 0, policy: { deny: [target] }, onEvent: () => undefined });
      follower = followEgressPolicy(file, proxy, { onProblem: (m) => problems.push(m) });
      assert.equal(problems.length, 1);
      assert.match(problems[0]!, /broken\.policy\.yaml is not valid as a whole.*until a valid version/s);
      assert.equal(await connectStatus(proxy.port, target), 403);

      writeFileSync(file, policyWith('egress:\n  deny: []\n'));
      await eventually(proxy.port, target, 200);
    } finally {
      follower?.close();
      await proxy?.close();
    }
  });
});
