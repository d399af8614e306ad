/** A provider simulator and a gateway in front of it, on ephemeral loopback ports. */
import type { Config } from '../../src/config/schema.js';
import { configSchema } from '../../src/config/schema.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/gateway/server.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/types.js';

export interface Stack {
  sim: Simulator;
  gw: Gateway;
  /** Base URLs through the gateway, as each SDK expects them. */
  via: { anthropic: string; openai: string; gemini: string };
  close(): Promise<void>;
}

export function testConfig(overrides: Record<string, unknown> = {}, simUrl = 'http://127.0.0.1:9'): Config {
  return configSchema.parse({
    listen: { host: '127.0.0.1', port: 0 },
    upstreams: { anthropic: simUrl, openai: simUrl, gemini: simUrl },
    log_level: 'silent',
    ...overrides,
  });
}

export async function startStack(
  simOptions: SimulatorOptions = {},
  gatewayOptions: Omit<Partial<GatewayOptions>, 'config'> & { config?: Record<string, unknown> } = {},
): Promise<Stack> {
  const sim = await startSimulator({ host: '127.0.0.1', port: 0, ...simOptions });
  const { config: overrides, ...rest } = gatewayOptions;
  const gw = await startGateway({ ...rest, config: testConfig(overrides, sim.url) });
  return {
    sim,
    gw,
    via: { anthropic: `${gw.url}/anthropic`, openai: `${gw.url}/openai/v1`, gemini: `${gw.url}/gemini` },
    async close() {
      await gw.close(500);
      await sim.close();
    },
  };
}

/** POSTs an Anthropic Messages body through a gateway, as an assistant's raw HTTP call does. */
export function postAnthropicMessages(
  via: { anthropic: string },
  body: Record<string, unknown>,
): Promise<Response> {
  return fetch(`${via.anthropic}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
    body: JSON.stringify(body),
  });
}
