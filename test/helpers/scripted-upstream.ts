/**
 * Gateways in front of an upstream whose answers a test scripts byte by byte (stalls, breaks,
 * huge or endless answers), on ephemeral loopback ports: what the provider simulator is not
 * made to do. Every gateway's exchanges land in one `reports` list.
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Exchange } from '../../src/gateway/exchange.js';
import type { Inspector, Restorer } from '../../src/gateway/inspector.js';
import { startGateway, type Gateway } from '../../src/gateway/server.js';
import { testConfig } from './stack.js';

export interface ScriptedUpstream {
  /** The upstream's base URL. */
  url: string;
  /** The exchanges of every gateway started by `gateway()`, as each reported it. */
  reports: Exchange[];
  /** A gateway in front of the upstream: `config` overrides testConfig's. */
  gateway(config?: Record<string, unknown>, inspector?: Inspector): Promise<Gateway>;
  /** Closes the gateways, then the upstream and its connections. */
  close(): Promise<void>;
}

export async function startScriptedUpstream(handler: RequestListener): Promise<ScriptedUpstream> {
  const upstream = createServer(handler);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const reports: Exchange[] = [];
  const gateways: Gateway[] = [];
  return {
    url,
    reports,
    async gateway(config = {}, inspector) {
      const gw = await startGateway({
        config: testConfig(config, url),
        ...(inspector ? { inspector } : {}),
        onExchange: (ex) => void reports.push(ex),
      });
      gateways.push(gw);
      return gw;
    },
    async close() {
      for (const gw of gateways) await gw.close(200);
      upstream.closeAllConnections();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    },
  };
}

/** Restores nothing, but makes the gateway restore: SSE event by event, a JSON array element by element. */
export const restoresNothing: Inspector = {
  inspect: () => {
    const restorer: Restorer = {
      json() {},
      stream: () => ({ event: (ev) => ev.raw, end: () => Buffer.alloc(0) }),
    };
    return { action: 'forward', restorer, summary: { findings: [], mode: 'test' } };
  },
};
