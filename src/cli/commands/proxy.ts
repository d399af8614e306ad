/**
 * `airlock proxy`: the egress forward proxy alone, in the foreground. Registered (options, help)
 * in src/cli/register/proxy.ts, which loads this module only when the command runs.
 */
import { loadConfig } from '../../config/load.js';
import { describeProxyUrl } from '../../egress/upstream.js';
import { startForwardProxy } from '../../egress/proxy.js';
import { inheritedNoProxy, inheritedUpstreamProxy } from '../../run/env.js';
import { readEgressSection } from '../../run/gateway.js';
import type { ProxyFlags } from '../register/proxy.js';
import { untilSignal } from '../until-signal.js';

export { registerProxyCommand } from '../register/proxy.js';

export async function proxyAction(flags: ProxyFlags): Promise<void> {
  const { config } = loadConfig(flags.config);
  const section = readEgressSection(config.policy) ?? {};
  const upstreamProxy = flags.upstreamProxy ?? config.upstream_proxy ?? inheritedUpstreamProxy(process.env);
  const proxy = await startForwardProxy({
    host: flags.host,
    port: flags.port,
    policy: flags.strict ? { ...section, profile: 'strict' } : section,
    upstreamProxy,
    upstreamBypass: inheritedNoProxy(process.env),
  });
  process.stdout.write(
    `Airlock egress proxy on ${proxy.url}${upstreamProxy ? ` (outbound via ${describeProxyUrl(upstreamProxy)})` : ''}\n` +
      `  export HTTPS_PROXY=${proxy.url} HTTP_PROXY=${proxy.url} NO_PROXY=127.0.0.1,localhost,::1\n`,
  );
  await untilSignal(() => proxy.close());
}
