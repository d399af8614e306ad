/**
 * The composition root: one running Airlock (gateway, policy, vault, audit, metrics, dashboard,
 * egress proxy) built from a config and a data directory. `airlock start`, `airlock run` and
 * the end-to-end tests all start it this way, so what is tested is what runs.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { auditConfigSchema, type AuditConfig } from './audit/config.js';
import type { AuditRecorder } from './audit/recorder.js';
import { openAudit, type Audit } from './audit/setup.js';
import type { AuditStore } from './audit/store.js';
import { ConfigError } from './config/config-error.js';
import { loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import type { GatewayStarter } from './run/gateway.js';
import { createDashboard, type Dashboard } from './dashboard/index.js';
import { PolicyStatus } from './dashboard/policy-status.js';
import { learnCanaries, type Canary } from './detect/canaries.js';
import { createPersistentIdDetector, MemoryIdTracker } from './detect/tracking.js';
import { RedisIdTracker } from './detect/tracking-redis.js';
import { SqliteIdTracker, TRACKING_FILE } from './detect/tracking-sqlite.js';
import { egressAuditInput } from './egress/events.js';
import { compileEgressPolicy } from './egress/policy.js';
import { startForwardProxy, type ForwardProxy } from './egress/proxy.js';
import { AirlockError } from './errors.js';
import type { Exchange } from './gateway/exchange.js';
import { createLogger, startGateway, type Gateway, type RouteHandler } from './gateway/server.js';
import { createMetrics, exchangeDecision } from './metrics/index.js';
import type { CompiledPolicy } from './policy/compile.js';
import { engineForPolicy } from './policy/engine.js';
import { createPolicyInspector } from './policy/inspector.js';
import { loadPolicyOrDefault } from './policy/load.js';
import { watchGatewayPolicy, type PolicyWatcher } from './policy/watch.js';
import { openVault } from './redact/open-vault.js';
import { KEY_FILE, loadOrCreateKey, Surrogates } from './redact/surrogates.js';
import { SealedVault, VaultKeyError } from './redact/vault-seal.js';
import { withinMs } from './deadline.js';
import { errorText, redactUrl } from './audit/errors.js';
import { spoolDir } from './audit/spool.js';
import { VAULT_FILE } from './redact/vault-sqlite.js';
import type { Vault } from './redact/vault.js';
import type { AuditEventInput } from './audit/event.js';
import { refusalAudit } from './audit/refusals.js';
import type { AuditDecision, AuditFinding } from './audit/types.js';

export interface AirlockOptions {
  config: Config;
  dataDir: string;
  /** Policy file; default `config.policy`, else the built-in default policy. */
  policyFile?: string;
  logger?: Logger;
  /** The machine's own values to look for; default: learned from this machine. */
  canaries?: readonly Canary[];
  /** Fixed dashboard token (tests); default: created in the data dir on first start. */
  dashboardToken?: string;
}

export interface Airlock {
  gateway: Gateway;
  egress?: ForwardProxy;
  dashboard?: Dashboard;
  store: AuditStore;
  recorder: AuditRecorder;
  logger: Logger;
  policy(): CompiledPolicy;
  close(): Promise<void>;
}

/**
 * The audit record of a finished gateway exchange; `preparedFindings` when its findings were
 * made into the event's form ahead (see prepareExchangeAudit).
 */
export function exchangeAuditInput(
  ex: Exchange,
  preparedFindings?: readonly AuditFinding[],
): AuditEventInput {
  // One literal with every member (undefined where absent), not conditional spreads: each
  // spread is a runtime call, and the objects would take a shape per combination.
  return {
    time: ex.startedAt,
    kind: 'request',
    userAgent: ex.userAgent,
    provider: ex.provider,
    dialect: ex.dialect,
    model: ex.model,
    method: ex.method,
    // The harmless parameters (`?alt=sse`, `?beta=true`) are kept, `?key=` never (sanitizePath).
    path: ex.search ? ex.path + ex.search : ex.path,
    status: ex.status,
    latency_ms: { total: ex.latencyMs, inspect: ex.inspectMs, upstream: ex.upstreamMs },
    bytes_in: ex.bytesIn,
    bytes_out: ex.bytesOut,
    decision: exchangeDecision(ex) as AuditDecision,
    mode: ex.summary?.mode,
    findings: ex.summary?.findings ?? [],
    preparedFindings,
    error: ex.errorCode || undefined,
    forensicBody: ex.forensicBody,
    uninspected: ex.uninspected,
  };
}

/** What a start has opened so far: all of it on close(), the part opened on a failed start. */
interface Opened {
  watcher?: PolicyWatcher;
  egress?: ForwardProxy;
  dashboard?: Dashboard;
  gateway?: Gateway;
  audit?: Audit;
  vault?: Vault;
  idTracker?: RedisIdTracker | SqliteIdTracker;
}

/**
 * Closes every part that is open, each even when one before it failed (a store that cannot
 * flush must not leave the vault's Redis connection keeping the process alive); throws the
 * first failure once all were tried.
 */
async function closeOpened(opened: Opened): Promise<void> {
  const steps: (() => unknown)[] = [
    () => opened.watcher?.close(),
    () => opened.egress?.close(),
    // Live feeds are open connections: end them first, or the gateway waits out its grace period.
    () => opened.dashboard?.close(),
    () => opened.gateway?.close(),
    () => opened.audit?.close(),
    () => opened.vault?.close(),
    () => opened.idTracker?.close(),
  ];
  let failure: { err: unknown } | undefined;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      failure ??= { err };
    }
  }
  if (failure) throw failure.err;
}

/**
 * The two listeners on one port cannot both start; said up front with both settings named,
 * rather than as the second one's EADDRINUSE after the first is already serving.
 */
function checkPorts(config: Config): void {
  const { listen, egress_proxy: egress } = config;
  if (!egress.enabled || listen.port === 0 || listen.port !== egress.port || listen.host !== egress.host)
    return;
  throw new Error(
    `listen.port and egress_proxy.port are both ${listen.port} on ${listen.host}: ` +
      'give one of them another port (--port, --egress-port)',
  );
}

/** Which settings a failed listen points at, by the reason the system gave. */
const HOST_ERRORS = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EADDRNOTAVAIL',
  'EAFNOSUPPORT',
  'EINVAL',
]);
const PORT_ERRORS = new Set(['EADDRINUSE', 'EACCES']);

/**
 * A listen error that names the setting behind it (`listen.host`, `egress_proxy.port`, with the
 * flag that overrides it): the system's `getaddrinfo ENOTFOUND x` alone does not say which of
 * the two listeners, nor where the value came from.
 */
function listenError(
  err: unknown,
  section: 'listen' | 'egress_proxy',
  address: { host: string; port: number },
): unknown {
  // Only the system's errors (listen, getaddrinfo); anything else already says what it is.
  if ((err as NodeJS.ErrnoException).syscall === undefined) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const flags =
    section === 'listen' ? { host: ' (--host)', port: ' (--port)' } : { host: '', port: ' (--egress-port)' };
  const setting = HOST_ERRORS.has(code)
    ? `${section}.host "${address.host}"${flags.host}`
    : PORT_ERRORS.has(code)
      ? `${section}.port ${address.port}${flags.port}`
      : `${section}.host "${address.host}", ${section}.port ${address.port}`;
  return new Error(`${setting}: ${(err as Error).message}`, { cause: err });
}

export async function startAirlock(opts: AirlockOptions): Promise<Airlock> {
  checkPorts(opts.config);
  const logger = opts.logger ?? createLogger(opts.config.log_level);
  const opened: Opened = {};
  try {
    return await openAirlock({ ...opts, logger }, opened);
  } catch (err) {
    // A start that fails part-way (the egress port taken, an unreachable audit store) closes
    // what it opened, so that the command ends instead of serving half an Airlock.
    await closeOpened(opened).catch((closeErr: unknown) =>
      logger.error({ err: (closeErr as Error).message }, 'closing after a failed start failed'),
    );
    // A dashboard token this start made was never printed (the banner comes after the start):
    // the next start makes and prints another, instead of keeping one nobody has seen.
    const token = opened.dashboard?.token;
    if (token?.created && token.path !== undefined) rmSync(token.path, { force: true });
    throw err;
  }
}

/**
 * The policy's `audit:` store with the default settings. The policy schema checks it only
 * roughly (`postgres://` and anything after), so a store the audit schema refuses is reported
 * with the policy file and key here, not as a bare error from opening it.
 */
function policyAuditConfig(policy: CompiledPolicy): AuditConfig {
  const parsed = auditConfigSchema.safeParse(policy.policy.audit);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    policy.source,
    parsed.error.issues.map((issue) => `${policy.source}: audit: ${issue.message}`),
  );
}

/** How long the start waits for a vault to show it can be opened with this key. */
const VAULT_CHECK_MS = 1000;

/**
 * A persisted vault written under another surrogate.key stops the start: otherwise the gateway
 * would fail only at its first collision, after giving values other surrogates than the
 * gateways it shares the vault with. A vault that cannot be reached now (Redis down) does not:
 * requests that need it fail as on_error says, naming it.
 */
/** Once a minute at most per message: the live feed's follower polls every second. */
const DASHBOARD_ERROR_EVERY_MS = 60_000;

/**
 * The dashboard's reads that failed (an API answer of 503, the live feed's follower): logged,
 * so that an operator sees why the page says the store did not answer.
 */
function dashboardErrorLog(logger: Logger, store: string): (err: unknown) => void {
  const lastLogged = new Map<string, number>();
  return (err) => {
    const message = errorText(err);
    const now = Date.now();
    if (now - (lastLogged.get(message) ?? -Infinity) < DASHBOARD_ERROR_EVERY_MS) return;
    if (lastLogged.size >= 100) lastLogged.clear();
    lastLogged.set(message, now);
    logger.warn({ err: message, store }, 'the dashboard could not read the audit store');
  };
}

async function checkVaultKey(vault: Vault, spec: string, dataDir: string, logger: Logger): Promise<void> {
  if (!(vault instanceof SealedVault)) return;
  const where = spec === 'sqlite' ? join(dataDir, VAULT_FILE) : redactUrl(spec);
  try {
    await withinMs(
      vault.checkKey(),
      VAULT_CHECK_MS,
      () => new Error(`no answer within ${VAULT_CHECK_MS} ms`),
    );
  } catch (err) {
    if (err instanceof VaultKeyError)
      throw new Error(
        `the vault ${where} was written with another surrogate.key than ${join(dataDir, KEY_FILE)}: ${err.message}`,
      );
    logger.warn({ err: (err as Error).message, vault: where }, 'the vault could not be checked at start');
    return;
  }
  // After an upgrade: what an earlier Airlock stored in clear is sealed now, once.
  try {
    const { sealed, unverified } = await vault.sealEntriesInClear();
    if (sealed > 0)
      logger.info({ vault: where, sealed }, 'vault entries an earlier Airlock stored in clear are sealed');
    if (unverified)
      logger.warn(
        { vault: where },
        `the vault holds entries in clear that ${join(dataDir, KEY_FILE)} did not write: left as they are`,
      );
  } catch (err) {
    logger.warn({ err: (err as Error).message, vault: where }, 'vault entries in clear could not be sealed');
  }
}

/** startAirlock's work; each part goes into `opened` as soon as it is open. */
async function openAirlock(opts: AirlockOptions & { logger: Logger }, opened: Opened): Promise<Airlock> {
  const { config, dataDir, logger } = opts;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  const policyFile = opts.policyFile ?? config.policy;
  let policy = loadPolicyOrDefault(policyFile);
  const canaries = opts.canaries ?? learnCanaries();
  const key = loadOrCreateKey(dataDir);
  // A Redis command unanswered for most of what an inspection may take fails on its own, with an
  // error that names the vault: at the full inspect_ms the inspection's deadline, which started
  // earlier, always came first, and the 503 said only that the inspection took too long.
  const commandTimeout = Math.max(1, Math.floor(config.timeouts.inspect_ms * 0.75));
  const vault = openVault(policy.policy.vault, dataDir, key, { commandTimeoutMs: commandTimeout });
  opened.vault = vault;
  await checkVaultKey(vault, policy.policy.vault, dataDir, logger);
  const surrogates = new Surrogates(key, vault);
  // The same opaque id seen again and again at one place is a tracking id. Counts are shared
  // through Redis when the vault is (several gateways), kept across restarts beside a SQLite
  // vault (an id once replaced stays replaced, in the prompt cache too), else kept in memory.
  const idTracker = policy.policy.vault.startsWith('redis')
    ? (opened.idTracker = new RedisIdTracker({ url: policy.policy.vault, redis: { commandTimeout } }))
    : policy.policy.vault === 'sqlite'
      ? (opened.idTracker = new SqliteIdTracker(join(dataDir, TRACKING_FILE)))
      : new MemoryIdTracker();
  const tracker = createPersistentIdDetector({ tracker: idTracker, key });

  const inspectorFor = (p: CompiledPolicy) =>
    createPolicyInspector({ policy: p, engine: engineForPolicy(p, { canaries }), surrogates, tracker });
  const inspector = inspectorFor(policy);

  // airlock.yaml's audit section, else the policy's store with the default settings (retain 90d).
  const auditConfig = config.audit ?? policyAuditConfig(policy);
  // Said from the start: while the store fails, where the events are and what becomes of them.
  const spool = spoolDir(dataDir);
  const auditStore = () => opened.audit?.store.location;
  const audit = await openAudit(auditConfig, dataDir, {
    onError: (err) => logger.error({ err: errorText(err) }, 'audit error'),
    onStoreError: (err) =>
      logger.error(
        { err: errorText(err), store: auditStore(), spool },
        `the audit store failed: events are kept in the spool (${spool}) and written to the store once it takes them again`,
      ),
    onStoreBack: () =>
      logger.info(
        { store: auditStore(), spool },
        'the audit store takes events again: the events kept in the spool meanwhile are being written to it',
      ),
    onWarning: (message) => logger.warn(message),
  });
  opened.audit = audit;
  const { store, recorder } = audit;
  const metrics = createMetrics({
    // Read when /metrics is scraped, which the gateway serves once it is started.
    gatewayStats: () => opened.gateway?.stats(),
    egressStats: () => opened.egress?.stats(),
    auditQueueDepth: () => recorder.stats().queueDepth,
    auditSpoolDepth: () => recorder.stats().spoolDepth,
    auditHealth: () => recorder.stats(),
  });

  // Keeps the text of the version in force, not of a newer file that was refused.
  const policyStatus = new PolicyStatus(policyFile);
  policyStatus.loaded(policy);
  const dashboard = config.dashboard.enabled
    ? createDashboard({
        store,
        dataDir,
        allowRemote: config.dashboard.allow_remote,
        ...(opts.dashboardToken ? { token: opts.dashboardToken } : {}),
        policyInfo: () => policyStatus.info(),
        onError: dashboardErrorLog(logger, redactUrl(store.location)),
      })
    : undefined;
  opened.dashboard = dashboard;
  if (dashboard) recorder.onEvent((event, line) => dashboard.publish(event, line));

  // The findings part of an exchange's audit event (most of the document), made while the
  // upstream works on the request instead of in the record before the answer's last byte.
  const preparedFindings = new WeakMap<Exchange, readonly AuditFinding[]>();
  function prepareExchangeAudit(ex: Exchange): void {
    const findings = ex.summary?.findings;
    if (findings !== undefined && findings.length > 0)
      preparedFindings.set(ex, recorder.prepareFindings(findings));
  }

  // The web guard's refusals and requests to no route, each kind bounded on its own
  // (audit/refusals.ts), so a scanner's 404s never crowd out a web page's forged requests; none
  // while the spool is full, as no refusal of admit is (see recordExchange).
  const recordRefusal = (input: AuditEventInput): void => {
    if (recorder.accepting()) recorder.record(input);
  };
  const onSkippedRefusals = (message: string): void => logger.warn(message);
  const auditWebPageRefusal = refusalAudit({
    record: recordRefusal,
    what: 'requests from web pages refused',
    onSkipped: onSkippedRefusals,
  });
  const auditUnknownRoute = refusalAudit({
    record: recordRefusal,
    what: 'requests to no route refused',
    onSkipped: onSkippedRefusals,
  });

  const routes: RouteHandler[] = [metrics.route];
  if (dashboard) routes.push(dashboard.routes);
  const gateway = await startGateway({
    config,
    logger,
    inspector,
    onInspectError: policy.policy.on_error,
    routes,
    onRefused: (reason, request) => {
      metrics.observeRefused(reason);
      if (request === undefined) return;
      if (reason === 'unknown_route') auditUnknownRoute(request);
      else auditWebPageRefusal(request);
    },
    captureBody: auditConfig.forensic.max_bytes > 0,
    admit: () =>
      recorder.accepting()
        ? undefined
        : new AirlockError('AIRLOCK_AUDIT_UNAVAILABLE', `spool in ${dataDir} is full`),
    // The gateway reports an exchange just before it sends the answer's last bytes. With
    // `durability: spool` those bytes wait until the record is written ahead (at the end of that
    // turn of the event loop), so that a `kill -9` cannot lose an exchange whose client has its
    // whole answer (docs/audit.md, "Durability"). With
    // `durability: memory`, which promises no such thing, a microtask records it once that send
    // is handed to the socket, so that no client waits for its own audit record.
    onForwarded: prepareExchangeAudit,
    onExchange:
      auditConfig.durability === 'spool'
        ? recordExchange
        : (ex) =>
            queueMicrotask(() => {
              try {
                void recordExchange(ex, 0);
              } catch (err) {
                logger.error({ err: (err as Error).message, requestId: ex.id }, 'exchange not recorded');
              }
            }),
  }).catch((err: unknown) => {
    throw listenError(err, 'listen', config.listen);
  });
  opened.gateway = gateway;

  // Runs before the answer's last byte, which waits for the returned promise: the records of
  // all exchanges that end in one turn are written to the spool together at its end
  // (recordGrouped). An exchange with no other in flight has no company to wait for: its record
  // is written now (record), and its last byte goes without a turn's delay. The metrics have
  // no such need, so they are counted once the answer is out: queued after the grouped write,
  // which they delayed by ~0.015 ms when queued before it.
  function recordExchange(ex: Exchange, othersInFlight: number): Promise<void> | undefined {
    if (ex.errorCode === 'AIRLOCK_AUDIT_UNAVAILABLE') {
      // Refused by admit because the spool is full (or failing): recording the refusal would
      // grow the spool past spool_max with every retry of a client. Counted instead.
      recorder.countRefused();
      setImmediate(metrics.observe, ex);
      return undefined;
    }
    const input = exchangeAuditInput(ex, preparedFindings.get(ex));
    let written: Promise<void> | undefined;
    if (othersInFlight === 0) recorder.record(input);
    else written = recorder.recordGrouped(input)?.written;
    setImmediate(metrics.observe, ex);
    return written;
  }

  let egress: ForwardProxy | undefined;
  if (config.egress_proxy.enabled) {
    egress = opened.egress = await startForwardProxy({
      host: config.egress_proxy.host,
      port: config.egress_proxy.port,
      maxConnections: config.egress_proxy.max_connections,
      policy: policy.policy.egress,
      ...(config.upstream_proxy ? { upstreamProxy: config.upstream_proxy } : {}),
      onWarning: (message, code) => logger.warn({ code }, message),
      // As the gateway's admit: while the spool is full (on_spool_full: block), nothing leaves
      // that the audit log could not record; the refusals are counted, not spooled.
      admit: () => (recorder.accepting() ? undefined : `the audit spool in ${dataDir} is full`),
      onEvent: (event) => {
        metrics.observeEgress(event);
        if (event.outcome === 'unavailable') recorder.countRefused();
        else recorder.record(egressAuditInput(event));
      },
    }).catch((err: unknown) => {
      throw listenError(err, 'egress_proxy', config.egress_proxy);
    });
  }

  // Read once, at start: a reload that changes them says that they wait for the next start.
  const atStart = {
    vault: policy.policy.vault,
    audit: config.audit === undefined ? policy.policy.audit : undefined,
  };
  if (policyFile) {
    opened.watcher = watchGatewayPolicy(
      policyFile,
      logger,
      (next) => {
        // Both built before either is put in force: a custom rule the engine cannot compile, or
        // an egress section that does not, throws and the watcher keeps the old policy whole.
        const nextInspector = inspectorFor(next);
        const nextEgress = egress && compileEgressPolicy(next.policy.egress);
        gateway.setInspector(nextInspector, next.policy.on_error);
        if (nextEgress) egress?.setPolicy(nextEgress);
        const waiting = [
          ...(next.policy.vault !== atStart.vault ? ['vault'] : []),
          ...(atStart.audit !== undefined && next.policy.audit !== atStart.audit ? ['audit'] : []),
        ];
        policy = next;
        policyStatus.loaded(next, waiting);
        if (waiting.length > 0) {
          logger.warn(
            { policy: policyFile, settings: waiting },
            waiting.length > 1
              ? `policy reloaded, but ${waiting.join(' and ')} are read at start only: the new values take effect at the next start`
              : `policy reloaded, but ${waiting[0]} is read at start only: the new value takes effect at the next start`,
          );
        }
      },
      (err) => policyStatus.failed(err),
    );
  }

  return {
    gateway,
    egress,
    dashboard,
    store,
    recorder,
    logger,
    policy: () => policy,
    close: () => closeOpened(opened),
  };
}

/**
 * How `airlock run` starts a gateway in its own process: the same Airlock as `airlock start`
 * (audit, dashboard, vault), on an ephemeral loopback port, without a second egress proxy
 * (`airlock run` starts its own, pointed at by the child's HTTPS_PROXY).
 */
export const airlockGatewayStarter: GatewayStarter = async (opts) => {
  const { config: fileConfig } = loadConfig(opts.configFile);
  const upstreamProxy = fileConfig.upstream_proxy ?? opts.upstreamProxy;
  const config: Config = {
    ...fileConfig,
    listen: { host: '127.0.0.1', port: 0 },
    egress_proxy: { ...fileConfig.egress_proxy, enabled: false },
    ...(upstreamProxy ? { upstream_proxy: upstreamProxy } : {}),
  };
  const airlock = await startAirlock({ config, dataDir: opts.dataDir, logger: opts.logger });
  return {
    url: airlock.gateway.url,
    inProcess: true,
    close: () => airlock.close(),
    recordEgress: (event) => airlock.recorder.record(egressAuditInput(event)),
    egressPolicy: airlock.policy().policy.egress,
  };
};
