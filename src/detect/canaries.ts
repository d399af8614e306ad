/**
 * Local environment canaries: the real values of the machine Airlock runs on, learned once at
 * start, so that they are found wherever and however they leave (see canary-encodings.ts).
 * Everything is injectable, so tests plant a made-up machine instead of reading this one.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import os from 'node:os';
import type { Canary, CanaryLabel } from './canary-encodings.js';
import { COMMON_USER_NAMES } from './validators.js';

export type { Canary, CanaryLabel } from './canary-encodings.js';

export interface MachineFacts {
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /**
   * The home directory as the file system resolves it, when that differs (a symlinked /home, as
   * FreeBSD's /home → /usr/home): a working directory from `process.cwd()` carries this one.
   */
  homeAliases: readonly string[];
  hostname: string;
  /** Fully qualified names of this host (from /etc/hosts when cheap). */
  fqdns: readonly string[];
  username: string;
  machineIds: readonly string[];
  macs: readonly string[];
  ips: readonly string[];
  gitName: string | undefined;
  gitEmail: string | undefined;
  /** The machine's time zone, each name programs give it (see timeZoneNames). */
  timeZones: readonly string[];
}

/** Names too common to be a fingerprint: they would match ordinary words everywhere. */
const COMMON_USERS = COMMON_USER_NAMES;
const COMMON_HOSTS = new Set([
  'localhost',
  'ubuntu',
  'debian',
  'fedora',
  'linux',
  'raspberrypi',
  'server',
  'host',
  'box',
  'computer',
  'desktop',
  'laptop',
  'workstation',
  'machine',
  'default',
  'container',
  'sandbox',
  'runner',
]);
const SECRET_NAME =
  /(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PWD|CREDENTIAL|AUTH|PRIVATE|COOKIE|SESSION|APIKEY|_PAT)(?:_|$)|^(?:KEY|TOKEN|SECRET)/i;
const NOT_SECRET_NAME =
  /(?:_PATH|_FILE|_DIR|_SOCK|_HOME|_MODE|_TYPE|_ID_FILE|_TIMEOUT|_LEVEL|_ENABLED|_DISABLED|_COUNT|_SIZE|_NAME|_USER|_URL_BASE)$|^(?:TOKENIZERS_PARALLELISM|KEYTIMEOUT|SSH_AUTH_SOCK|GPG_AGENT_INFO|XAUTHORITY|OLDPWD|PWD)$/i;

/**
 * The user's git identity (`user.name`, `user.email` of the global config), read by one `git`
 * process: each spawn costs 12-15 ms of every scan's and gateway's start, one per key twice that.
 * A key set more than once takes its last value, as `git config --get` does.
 */
function readGitIdentity(env: MachineFacts['env']): { name?: string; email?: string } {
  try {
    const res = spawnSync('git', ['config', '--global', '-z', '--get-regexp', '^user\\.(name|email)$'], {
      encoding: 'utf8',
      timeout: 3000,
      env: { ...process.env, ...env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    if (res.status !== 0) return {};
    const identity: { name?: string; email?: string } = {};
    // With -z each entry is the key, a newline, the value, then a NUL.
    for (const entry of res.stdout.split('\0')) {
      const nl = entry.indexOf('\n');
      if (nl < 0) continue;
      const value = entry.slice(nl + 1).trim();
      const key = entry.slice(0, nl);
      if (key === 'user.name') identity.name = value.length > 0 ? value : undefined;
      else if (key === 'user.email') identity.email = value.length > 0 ? value : undefined;
    }
    return identity;
  } catch {
    return {};
  }
}

function readFirstLine(path: string): string | undefined {
  try {
    const line = readFileSync(path, 'utf8').split('\n')[0]!.trim();
    return line.length > 0 ? line : undefined;
  } catch {
    return undefined;
  }
}

function fqdnsFromHosts(hostname: string): string[] {
  try {
    const out = new Set<string>();
    for (const line of readFileSync('/etc/hosts', 'utf8').split('\n')) {
      const names = line.replace(/#.*/, '').trim().split(/\s+/).slice(1);
      if (
        !names.some(
          (n) =>
            n.toLowerCase() === hostname.toLowerCase() ||
            n.toLowerCase().startsWith(hostname.toLowerCase() + '.'),
        )
      )
        continue;
      for (const n of names)
        if (
          n.includes('.') &&
          n.toLowerCase().startsWith(hostname.toLowerCase() + '.') &&
          !/localhost|localdomain$/.test(n)
        )
          out.add(n);
    }
    return [...out];
  } catch {
    return [];
  }
}

/** Reads this machine. Spawns git at most twice; tolerates anything missing. */
export function readMachineFacts(
  overrides: Partial<MachineFacts> & { readGit?: boolean } = {},
): MachineFacts {
  const env = overrides.env ?? process.env;
  const home = overrides.home ?? os.homedir();
  const hostname = overrides.hostname ?? os.hostname();
  let username = overrides.username;
  if (username === undefined) {
    try {
      username = os.userInfo().username;
    } catch {
      username = env['USER'] ?? '';
    }
  }
  const ifaces =
    overrides.macs === undefined || overrides.ips === undefined
      ? Object.values(os.networkInterfaces()).flatMap((l) => l ?? [])
      : [];
  const readGit = (overrides.readGit ?? true) && !('gitName' in overrides && 'gitEmail' in overrides);
  const git = readGit ? readGitIdentity(env) : {};
  return {
    env,
    home,
    homeAliases: overrides.homeAliases ?? resolvedElsewhere(home),
    hostname,
    fqdns: overrides.fqdns ?? fqdnsFromHosts(hostname),
    username,
    machineIds:
      overrides.machineIds ??
      [
        readFirstLine('/etc/machine-id'),
        readFirstLine('/var/lib/dbus/machine-id'),
        readFirstLine('/sys/class/dmi/id/product_uuid'),
      ].filter((v): v is string => v !== undefined),
    macs: overrides.macs ?? [
      ...new Set(ifaces.filter((i) => !i.internal && i.mac !== '00:00:00:00:00:00').map((i) => i.mac)),
    ],
    ips: overrides.ips ?? [...new Set(ifaces.filter((i) => !i.internal).map((i) => i.address))],
    gitName: 'gitName' in overrides ? overrides.gitName : git.name,
    gitEmail: 'gitEmail' in overrides ? overrides.gitEmail : git.email,
    timeZones: overrides.timeZones ?? timeZoneNames(env),
  };
}

/** `path` with its links resolved, when that is another path. */
function resolvedElsewhere(path: string): string[] {
  try {
    const real = realpathSync(path);
    return real !== path ? [real] : [];
  } catch {
    return [];
  }
}

/** A zone name as $TZ or a zoneinfo path gives it (`:Europe/Warsaw`, `/usr/share/zoneinfo/...`). */
function zoneName(spec: string | undefined): string | undefined {
  if (spec === undefined) return undefined;
  const name = spec.replace(/^:/, '').replace(/^.*\/zoneinfo\//, '');
  return /^[A-Za-z][\w+-]*(?:\/[\w+-]+)*$/.test(name) ? name : undefined;
}

function localtimeZone(): string | undefined {
  try {
    return zoneName(readlinkSync('/etc/localtime'));
  } catch {
    // Not a link (a copied zone file) or no such file: Debian also names the zone here.
    return zoneName(readFirstLine('/etc/timezone'));
  }
}

/**
 * The machine's time zone under every name an assistant may send: Node's Intl (the Node-based
 * assistants) gives ICU's canonical ID, which keeps old names (Asia/Calcutta for Asia/Kolkata,
 * Europe/Kiev for Europe/Kyiv), while $TZ and the /etc/localtime link give the IANA name that
 * other runtimes report (Codex is written in Rust).
 */
export function timeZoneNames(
  env: Readonly<Record<string, string | undefined>>,
  intlZone: () => string | undefined = () => Intl.DateTimeFormat().resolvedOptions().timeZone,
  systemZone: () => string | undefined = localtimeZone,
): string[] {
  const tz = env['TZ'];
  const names = [intlZone(), zoneName(tz), tz === undefined ? systemZone() : undefined];
  return [...new Set(names.filter((n): n is string => n !== undefined && n.length > 0))];
}

/** Turns facts into canaries, leaving out values too short or too common to be a fingerprint. */
export function canariesFromFacts(facts: MachineFacts): Canary[] {
  const out: Canary[] = [];
  const seen = new Set<string>();
  const add = (
    label: CanaryLabel,
    value: string | undefined,
    source: string,
    fields: Omit<Canary, 'label' | 'value' | 'source'>,
  ): void => {
    if (value === undefined) return;
    const v = value.trim();
    const key = `${label}:${fields.caseInsensitive ? v.toLowerCase() : v}`;
    if (v.length < 3 || seen.has(key)) return;
    seen.add(key);
    out.push({ label, value: v, source, ...fields });
  };
  const env = { category: 'environment' as const, caseInsensitive: false };
  const host = facts.hostname.trim();
  if (
    host.length >= 4 &&
    !COMMON_HOSTS.has(host.toLowerCase()) &&
    !/^(?:[0-9a-f]{12}|[0-9a-f]{64})$/.test(host)
  )
    add('hostname', host, 'os.hostname()', {
      ...env,
      kind: 'hostname',
      severity: 'high',
      caseInsensitive: true,
    });
  const shortHost = host.split('.')[0]!;
  if (shortHost !== host && shortHost.length >= 4 && !COMMON_HOSTS.has(shortHost.toLowerCase()))
    add('hostname', shortHost, 'os.hostname() (short)', {
      ...env,
      kind: 'hostname',
      severity: 'high',
      caseInsensitive: true,
    });
  for (const f of facts.fqdns)
    add('hostname', f, '/etc/hosts', { ...env, kind: 'hostname', severity: 'high', caseInsensitive: true });
  const user = facts.username.trim();
  // Common names (root, ubuntu...) are left to the path rules: as words they are everywhere.
  if (user.length >= 3 && !COMMON_USERS.has(user.toLowerCase()))
    add('username', user, 'os.userInfo()', {
      ...env,
      kind: 'username',
      severity: 'high',
      caseInsensitive: true,
    });
  for (const [home, source] of [
    [facts.home, 'os.homedir()'],
    ...facts.homeAliases.map((alias) => [alias, 'os.homedir(), links resolved']),
  ] as const) {
    if (
      home.length > 1 &&
      !/^\/(?:root|home|Users)?\/?$/.test(home) &&
      ((user.length >= 3 && !COMMON_USERS.has(user.toLowerCase())) || !/\/(?:root|home\/\w+)$/.test(home))
    )
      add('home', home, source, { ...env, kind: 'home-path', severity: 'medium' });
  }
  for (const id of facts.machineIds)
    if (/^[0-9a-f-]{32,36}$/i.test(id) && !/^0+$/.test(id.replace(/-/g, '')))
      add('machine-id', id, 'machine id', {
        ...env,
        kind: 'machine-id',
        severity: 'high',
        caseInsensitive: true,
      });
  for (const mac of facts.macs) {
    add('mac', mac, 'os.networkInterfaces()', {
      ...env,
      kind: 'mac',
      severity: 'medium',
      caseInsensitive: true,
    });
    add('mac', mac.replace(/:/g, '-'), 'os.networkInterfaces()', {
      ...env,
      kind: 'mac',
      severity: 'medium',
      caseInsensitive: true,
    });
  }
  for (const ip of facts.ips) {
    if (/^(?:127\.|::1$|0\.0\.0\.0)/.test(ip) || ip.length < 7) continue;
    add('ip', ip, 'os.networkInterfaces()', {
      ...env,
      kind: ip.includes(':') ? 'ipv6' : 'ipv4',
      severity: 'medium',
      caseInsensitive: ip.includes(':'),
    });
  }
  if (facts.gitName && facts.gitName.length >= 4)
    add('git-name', facts.gitName, 'git config user.name', {
      ...env,
      kind: 'person-name',
      severity: 'high',
      caseInsensitive: true,
    });
  if (facts.gitEmail && facts.gitEmail.includes('@'))
    add('git-email', facts.gitEmail, 'git config user.email', {
      ...env,
      kind: 'email',
      severity: 'high',
      caseInsensitive: true,
    });
  for (const zone of facts.timeZones) {
    if (!/^(?:UTC|Etc\/UTC|GMT|Etc\/GMT|Universal|Zulu)$/i.test(zone))
      add('timezone', zone, 'time zone', { ...env, kind: 'timezone', severity: 'low' });
  }

  for (const [name, raw] of Object.entries(facts.env)) {
    if (raw === undefined) continue;
    if (/^(?:https?|all|ftp|socks)_proxy$/i.test(name) && raw.length > 0) {
      try {
        const url = new URL(raw.includes('://') ? raw : `http://${raw}`);
        if (!/^(?:localhost|127\.|\[::1\])/.test(url.hostname)) {
          // The host alone, so that its port and path stay as they are (squid.corp:3128 →
          // host-N.example.internal:3128); a name of one label (`proxy`) is too common a word
          // on its own and is looked for with its port.
          const bare = url.hostname.replace(/^\[(.*)\]$/, '$1');
          const ip = bare !== url.hostname ? 'ipv6' : /^\d+\.\d+\.\d+\.\d+$/.test(bare) ? 'ipv4' : undefined;
          const alone = ip !== undefined || bare.includes('.');
          add('proxy', alone ? bare : url.host, `$${name}`, {
            ...env,
            kind: alone ? (ip ?? 'hostname') : 'hostname',
            severity: 'medium',
            caseInsensitive: true,
          });
        }
        if (url.password)
          add('secret-env', decodeURIComponent(url.password), `$${name} password`, {
            category: 'secret',
            kind: 'password',
            severity: 'critical',
            caseInsensitive: false,
          });
        if (url.username && url.username.length >= 3)
          add('username', decodeURIComponent(url.username), `$${name} user`, {
            ...env,
            kind: 'username',
            severity: 'high',
            caseInsensitive: true,
          });
      } catch {
        // Not a URL: nothing to learn.
      }
      continue;
    }
    if (!SECRET_NAME.test(name) || NOT_SECRET_NAME.test(name)) continue;
    const value = raw.trim();
    if (value.length < 8 || /^(?:true|false|yes|no|on|off|\d+|[./~].*)$/i.test(value) || /\s/.test(value))
      continue;
    add('secret-env', value, `$${name}`, {
      category: 'secret',
      kind: 'token',
      severity: 'critical',
      caseInsensitive: false,
    });
  }
  return out;
}

/** Learns this machine's canaries; pass overrides to plant a made-up machine (tests, eval). */
export function learnCanaries(overrides: Partial<MachineFacts> & { readGit?: boolean } = {}): Canary[] {
  return canariesFromFacts(readMachineFacts(overrides));
}
