/**
 * The gateway's configuration file (`airlock.yaml`). The schema is the type; every key is
 * documented in docs/config.md. Policy (what to do with findings) lives in its own file.
 */
import { z } from 'zod';
import { auditConfigSchema } from '../audit/config.js';
import { byteSize } from './byte-size.js';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

export const configSchema = z
  .object({
    listen: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8789),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8789 }),
    upstreams: z
      .object({
        anthropic: httpUrl.default('https://api.anthropic.com'),
        openai: httpUrl.default('https://api.openai.com'),
        gemini: httpUrl.default('https://generativelanguage.googleapis.com'),
      })
      .strict()
      .default({
        anthropic: 'https://api.anthropic.com',
        openai: 'https://api.openai.com',
        gemini: 'https://generativelanguage.googleapis.com',
      }),
    limits: z
      .object({
        /** Largest request body, after decompression. */
        max_body: byteSize.default(32 * 1024 * 1024),
        /** Largest non-streamed answer the gateway reads whole to restore surrogates in it. */
        max_answer: byteSize.default(64 * 1024 * 1024),
        /**
         * All the non-streamed answers held whole to restore them, together (each takes about
         * three times its size while it is restored): past it an answer is refused with a 503.
         */
        max_answers_held: byteSize.default(256 * 1024 * 1024),
        /**
         * Client connections served at once. A 32nd more (at least one) are accepted only to
         * answer their first request 503 AIRLOCK_CONNECTIONS_FULL in the provider's shape; past
         * those (node:http's server.maxConnections) one is closed as soon as it is accepted,
         * before any byte of it is read.
         */
        max_connections: z.number().int().positive().default(2048),
        /**
         * Connections to each upstream origin (undici's pool `connections`): a request past it
         * waits in the gateway for one of them to be free.
         */
        max_upstream_connections: z.number().int().positive().default(512),
      })
      .strict()
      .refine((limits) => limits.max_answers_held >= limits.max_answer, {
        message: 'limits.max_answers_held must be at least limits.max_answer',
        path: ['max_answers_held'],
      })
      .default({
        max_body: 32 * 1024 * 1024,
        max_answer: 64 * 1024 * 1024,
        max_answers_held: 256 * 1024 * 1024,
        max_connections: 2048,
        max_upstream_connections: 512,
      }),
    timeouts: z
      .object({
        /**
         * Longest wait for a free connection to the upstream (limits.max_upstream_connections all
         * busy): past it the request is answered 503 AIRLOCK_UPSTREAM_QUEUE_TIMEOUT, nothing of it
         * sent, rather than held for as long as the answers under way take.
         */
        queue_ms: z.number().int().positive().default(30_000),
        connect_ms: z.number().int().positive().default(10_000),
        /** Until the upstream sends its status line; long, since non-streamed answers take minutes. */
        headers_ms: z.number().int().positive().default(600_000),
        /** Longest silence inside an answer body. */
        idle_ms: z.number().int().positive().default(600_000),
        /**
         * Longest inspection of a request, waits on a Redis vault or tracking store included
         * (each Redis command is dropped after as long); past it the policy's on_error decides.
         */
        inspect_ms: z.number().int().positive().default(5_000),
        /**
         * Longest silence while a request body arrives (nginx's client_body_timeout): a client
         * that stops sending its body is answered 408 instead of holding its connection, and
         * what it sent, for ever.
         */
        body_idle_ms: z.number().int().positive().default(60_000),
        /**
         * Longest time a client may read nothing of an answer that waits for it (nginx's
         * send_timeout): past it its connection and the upstream request are closed, rather
         * than held for as long as the client keeps the connection open.
         */
        send_idle_ms: z.number().int().positive().default(600_000),
      })
      .strict()
      .default({
        queue_ms: 30_000,
        connect_ms: 10_000,
        headers_ms: 600_000,
        idle_ms: 600_000,
        inspect_ms: 5_000,
        body_idle_ms: 60_000,
        send_idle_ms: 600_000,
      }),
    /** Corporate proxy for the gateway's own upstream connections. */
    upstream_proxy: httpUrl.optional(),
    /** The forward proxy for the assistants' other traffic (telemetry, updates, git, npm). */
    egress_proxy: z
      .object({
        enabled: z.boolean().default(true),
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8790),
        /**
         * Client connections served at once (a tunnel is one, with its socket to the
         * destination). A 32nd more are accepted only to answer their first request 503 with
         * Retry-After; past those one is closed as soon as it is accepted. Apart from
         * limits.max_connections, the gateway's: tunnels last as long as a download or a git
         * fetch, and a proxy that other machines share must not hold sockets without end.
         */
        max_connections: z.number().int().positive().default(1024),
      })
      .strict()
      .default({ enabled: true, host: '127.0.0.1', port: 8790, max_connections: 1024 }),
    dashboard: z
      .object({
        enabled: z.boolean().default(true),
        /** Serve the dashboard to non-loopback clients too (still behind the token). */
        allow_remote: z.boolean().default(false),
      })
      .strict()
      .default({ enabled: true, allow_remote: false }),
    /**
     * The audit log (see docs/audit.md): a store (`sqlite`, `sqlite:<path>`, `postgres://...`)
     * or an object with retention, spool and forensic settings. When absent, the policy's
     * `audit:` store is used with the default settings.
     */
    audit: auditConfigSchema.optional(),
    /** Policy file (YAML); relative paths are relative to this config file. */
    policy: z.string().min(1).optional(),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
