/**
 * `airlock proxy`: the egress forward proxy alone, in the foreground. Registered (options, help)
 * in src/cli/register/proxy.ts, which loads this module only when the command runs.
 */
import { loadConfig } from '../../config/load.js';
import type { EgressPolicyInput } from '../../egress/policy.js';
import { followEgressPolicy } from '../../egress/follow-policy.js';
import { startForwardProxy } from '../../egress/proxy.js';
import { inheritedNoProxy, inheritedUpstreamProxy } from '../../run/env.js';
import { readEgressSection } from '../../run/gateway.js';
import type { ProxyFlags } from '../register/proxy.js';
import { keepServingWhenStdoutCloses } from '../closed-stdout.js';
import { stopSignal } from '../until-signal.js';

export { registerProxyCommand } from '../register/proxy.js';

export async function proxyAction(flags: ProxyFlags): Promise<void> {
  const { config } = loadConfig(flags.config);
  const section = readEgressSection(config.policy) ?? {};
  const upstreamProxy = flags.upstreamProxy ?? config.upstream_proxy ?? inheritedUpstreamProxy(process.env);
  const derive = (egress: EgressPolicyInput): EgressPolicyInput =>
    flags.strict ? { ...egress, profile: 'strict' } : egress;
  const proxy = await startForwardProxy({
    host: flags.host ?? config.egress_proxy.host,
    port: flags.port ?? config.egress_proxy.port,
    maxConnections: config.egress_proxy.max_connections,
    policy: derive(section),
    upstreamProxy,
    upstreamBypass: inheritedNoProxy(process.env),
    onWarning: (message, code) => process.stderr.write(`airlock proxy: warning (${code}): ${message}\n`),
  });
  // Handled from before the banner: a Ctrl-C that follows it at once (a script that waits for
  // the banner) stops the proxy, instead of meeting Node's default while the policy is read.
  const stop = stopSignal();
  keepServingWhenStdoutCloses();
  // The proxy's own view: an upstream that is the proxy itself was refused (with a warning).
  process.stdout.write(
    `Airlock egress proxy on ${proxy.url}${proxy.upstream ? ` (outbound via ${proxy.upstream})` : ''}\n` +
      `  export HTTPS_PROXY=${proxy.url} HTTP_PROXY=${proxy.url} NO_PROXY=127.0.0.1,localhost,::1\n`,
  );
  // The policy file's egress section is followed, as `airlock start` follows it.
  const follower =
    config.policy === undefined
      ? undefined
      : followEgressPolicy(config.policy, proxy, {
          derive,
          onReload: (file) => process.stderr.write(`airlock proxy: ${file} reloaded\n`),
          onProblem: (message) => process.stderr.write(`airlock proxy: ${message}\n`),
        });
  await stop.received;
  follower?.close();
  await proxy.close();
}
