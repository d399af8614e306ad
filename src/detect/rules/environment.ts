/**
 * Environment fingerprints: where the machine is, who uses it, what it runs. Precision matters
 * here (target: at most one false positive per MB of ordinary source code), so most rules read a
 * value only in a context that names it (`OS Version:`, `USER=`, `git config user.name`).
 */
import { isIPv6 } from 'node:net';
import type { MatchContext, RuleDef } from '../rule-types.js';
import type { ValueKind } from '../types.js';
import { isUserSurrogate } from '../../word-char.js';
import {
  before,
  COMMON_USER_NAMES,
  ipv4IsPrivate,
  ipv4IsReportable,
  ipv6IsLocal,
  ipv6IsReportable,
  isPlaceholder,
  macIsReportable,
} from '../validators.js';

/**
 * Words that introduce an address in command output and configuration; an escaped line break or
 * tab (a JSON-escaped transcript) separates them from it as a real one does.
 */
const ADDRESS_CONTEXT =
  /(?:\bip|addr|address|inet6?|host|server|dns|nameserver|remote|client|peer|proxy|gateway|from|via|connect(?:ed|ing)?(?: to)?|ssh|:\/\/|ether|hwaddr|lladdr|bssid|mac|link\/ether| at|src|dst|ipv[46][ a-z.]{0,30})(?:[\s:=\\"'[.]|\\[nrt])*$/i;

const r = String.raw;

/** Home directory owners that are surrogates, placeholders or shared service accounts. */
const GENERIC_USERS = new Set([
  'user',
  'username',
  'users',
  'yourname',
  'your-name',
  'youruser',
  'your_user',
  'me',
  'myuser',
  'name',
  'you',
  'shared',
  'public',
  'default',
  'all users',
  'runner',
  'node',
  'x',
  'foo',
  'bar',
  'example',
  'someone',
  'someuser',
  'jdoe',
  'johndoe',
  'test',
  'guest',
]);

function homeOwnerIsPersonal(
  value: string,
  ctx: { groups: Readonly<Record<string, string | undefined>> },
): boolean {
  const user = ctx.groups['user'];
  if (user === undefined) return true; // /root
  if (user.startsWith('$') || user.startsWith('<') || user.startsWith('{') || user.startsWith('%'))
    return false;
  return !GENERIC_USERS.has(user.toLowerCase()) && !isPlaceholder(user);
}

const SYSTEM_DIRS =
  /^(?:\/(?:tmp|usr|etc|var|opt|bin|sbin|dev|proc|sys|lib|lib64|boot|mnt|run|snap|nix|private\/tmp)(?:\/|$)|\/$|\/path\/to\b|[A-Za-z]:\\(?:Windows|Program Files))/i;

/**
 * Whether a quad could number a section of a document (`10.2.1.3 Let x`, `23.1.3.36 Array…`):
 * sections count from 1, chapters stay under 100, and the two middle levels stay small. A quad
 * with a 0, a chapter of 100 or more (192.168…, 172.16…) or a middle level above 20
 * (`10.20.30.40`) is an address: log lines start with those.
 */
function couldBeSectionNumber(quad: string): boolean {
  const [a, b, c, d] = quad.split('.').map(Number) as [number, number, number, number];
  return a >= 1 && a <= 99 && b >= 1 && b <= 20 && c >= 1 && c <= 20 && d >= 1 && d <= 99;
}

/**
 * Where a line starts, as a quad's line-start checks read it: a line break, escaped too, or a JSON
 * string's opening quote (a transcript's line of its own: {"text":"## 10.2.1.3 Introduction"},
 * escaped once more inside a JSON-escaped text), then blanks. A closing quote ends a line too.
 */
const LINE_START = String.raw`(?:^|\n|\\n|[[{,:][ \t]*\\?")[ \t]*`;
const QUAD_LINE_START = new RegExp(`${LINE_START}$`);
const QUAD_HEADING_START = new RegExp(String.raw`${LINE_START}(?:(?:\/\/|\/?\*+|#+|--|;+|>|-)[ \t]*)?$`);

/**
 * Whether a quad starts a line of its own followed by one word (`10.1.2.3 Refused`, `10.1.2.3 OK`):
 * what a script checking hosts prints. A heading has a title and a step a sentence; one marked
 * as a heading (`## 10.2.1.3 Introduction`, a comment) stays a section number.
 */
function isStatusLine(ctx: MatchContext): boolean {
  return (
    /^ [A-Z][A-Za-z]*[.!]?[ \t]*(?:\r?\n|\\[rn]|\\?"|$)/.test(ctx.text.slice(ctx.end, ctx.end + 40)) &&
    QUAD_LINE_START.test(before(ctx.text, ctx.start, 40))
  );
}

/**
 * Airlock's own single-label host surrogate (`host-N`, N from 1 up, no leading zero: what
 * src/redact/generate.ts writes for a host name without a dot). A turn that repeats one goes out
 * as written. A machine really named so cannot be told from it, and such a name says nothing of
 * the machine; this machine's own name is still found by its canary whatever its shape.
 */
function isHostSurrogate(host: string): boolean {
  return /^host-[1-9]\d{0,9}$/.test(host);
}

/** A well-formed host name standing alone (not `$x.local`, `a_b.local`, `-x.lan`). */
export function isHostName(value: string, text: string, start: number): boolean {
  if (start > 0 && /[\w$]/.test(text[start - 1]!)) return false;
  return (
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z0-9.-]+$/.test(value) &&
    !value.includes('..')
  );
}

const TS_WORDS = new Set([
  'string',
  'number',
  'boolean',
  'any',
  'unknown',
  'undefined',
  'null',
  'true',
  'false',
  'object',
  'void',
  'never',
  'required',
  'optional',
  'none',
  'localhost',
  'example',
  'hostname',
  'host',
  'myhost',
  'your-host',
  'yourhost',
  'server',
  'machine',
  'computer',
]);

/** What the value of each variable env.env-variable reads is, and so what stands in for it. */
const ENV_VARIABLES: Readonly<Record<string, 'user' | 'host' | 'path' | 'address' | 'zone' | 'id'>> = {
  USER: 'user',
  LOGNAME: 'user',
  USERNAME: 'user',
  // \Users\<name>: the name alone is reported (a path without its drive has no home surrogate).
  HOMEPATH: 'user',
  HOSTNAME: 'host',
  // A Windows domain: the computer's own name on a machine in no domain.
  USERDOMAIN: 'host',
  USERDNSDOMAIN: 'host',
  COMPUTERNAME: 'host',
  LOGONSERVER: 'host',
  HOME: 'path',
  USERPROFILE: 'path',
  OLDPWD: 'path',
  MAIL: 'path',
  SHELL: 'path',
  TMPDIR: 'path',
  KUBECONFIG: 'path',
  XDG_RUNTIME_DIR: 'path',
  SSH_AUTH_SOCK: 'path',
  SSH_CLIENT: 'address',
  SSH_CONNECTION: 'address',
  TZ: 'zone',
  DISPLAY: 'id',
  XDG_SESSION_ID: 'id',
  DBUS_SESSION_BUS_ADDRESS: 'id',
  TERM_SESSION_ID: 'id',
  ITERM_SESSION_ID: 'id',
  WT_SESSION: 'id',
  AWS_PROFILE: 'id',
};

/** The variable a match of env.env-variable assigns (the match starts with its name). */
function envVariableName(ctx: MatchContext): string {
  return /^[A-Z_]+/.exec(ctx.text.slice(ctx.matchStart, ctx.matchStart + 32))?.[0] ?? '';
}

const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * A host setting may hold an address (HOSTNAME=10.1.2.3, a container's): it then takes an
 * address surrogate of its family, not a host name's.
 */
function hostOrAddressKind(value: string): ValueKind {
  return DOTTED_QUAD.test(value) ? 'ipv4' : isIPv6(value) ? 'ipv6' : 'hostname';
}

/** A whole home directory: the value env.env-variable reports as a home, not a path below one. */
const WHOLE_HOME =
  /^(?:\/home\/[^/\s]+|\/Users\/[^/\s]+|[A-Za-z]:(?:\\\\|\\|\/)Users(?:\\\\|\\|\/)[^\\/]+)$/i;

function envVariableKind(value: string, ctx: MatchContext): ValueKind {
  const name = envVariableName(ctx);
  // The system's mail spool is no one's: only the mailbox's name, the user's, is reported.
  if (name === 'MAIL' && ctx.groups['y'] !== undefined) return 'username';
  switch (ENV_VARIABLES[name]) {
    case 'user':
      return 'username';
    case 'host':
      return hostOrAddressKind(value);
    case 'path':
      return WHOLE_HOME.test(value) ? 'home-path' : 'path';
    case 'address':
      return value.includes(':') ? 'ipv6' : 'ipv4';
    case 'zone':
      return 'timezone';
    default:
      return 'opaque-id';
  }
}

/** The owner of the home a path is in (`/home/<owner>/...`, `C:\Users\<owner>\...`). */
const HOME_OWNER = /^(?:\/home\/|\/Users\/|[A-Za-z]:(?:\\\\|\\|\/)Users(?:\\\\|\\|\/))([^\\/]+)/i;

/** Airlock's own path surrogates outside a home (src/redact/generate.ts). */
const PATH_SURROGATE =
  /^(?:[A-Za-z]:)?(?:\\\\|\\|\/)(?:data(?:\\\\|\\|\/)path|workspace(?:\\\\|\\|\/)project)-[1-9]\d*(?:[.\\/]|$)/;

function envPathReportable(name: string, value: string): boolean {
  const windows = /^[A-Za-z]:[\\/]/.test(value);
  if (!windows && !value.startsWith('/')) return false; // ~/.kube/config, a relative path
  // A list (KUBECONFIG=a:b): its homes are found one by one by the path rules.
  if (value.slice(windows ? 2 : 0).includes(':') || value.includes(';')) return false;
  if (PATH_SURROGATE.test(value) || /^\/(?:root|tmp)\/?$/.test(value)) return false;
  const owner = HOME_OWNER.exec(value)?.[1];
  if (owner !== undefined && (GENERIC_USERS.has(owner.toLowerCase()) || isPlaceholder(owner))) return false;
  // A system shell (/bin/zsh, /usr/local/bin/fish) names no one; one in a home does.
  if (name === 'SHELL') return owner !== undefined;
  return true;
}

function envUserReportable(value: string): boolean {
  const lower = value.toLowerCase();
  return (
    value.length >= 2 &&
    value.length <= 64 &&
    !/[\\/=:]/.test(value) &&
    !GENERIC_USERS.has(lower) &&
    !COMMON_USER_NAMES.has(lower) &&
    lower !== 'system' &&
    !isUserSurrogate(value)
  );
}

function envHostReportable(value: string): boolean {
  if (DOTTED_QUAD.test(value)) return ipv4IsReportable(value);
  return (
    /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/.test(value) &&
    !TS_WORDS.has(value.toLowerCase()) &&
    !/^(?:workgroup|localhost)$/i.test(value) &&
    !isHostSurrogate(value) &&
    !/\.(?:example|test|invalid|localhost|example\.internal)$/i.test(value)
  );
}

function envIdReportable(name: string, value: string): boolean {
  switch (name) {
    case 'DISPLAY':
      // The local display (:0, :1) or one forwarded over SSH (localhost:10.0) names no machine.
      return !/^(?:localhost|127\.0\.0\.1|unix)?:\d+(?:\.\d+)?$/i.test(value);
    case 'DBUS_SESSION_BUS_ADDRESS':
      // systemd's per-user bus: the same on every machine but for the uid (1000 for most).
      return !/^unix:path=\/run\/user\/\d+\/bus$/.test(value);
    case 'AWS_PROFILE':
      return !/^(?:default|dev|development|prod|production|staging|stage|test|qa|sandbox|admin|main)$/i.test(
        value,
      );
    default:
      // A session number (XDG_SESSION_ID=c3) names no one, and its short stand-in would be put
      // back wherever the answer writes that word: only a real id (a UUID, w0t0p0:<UUID>) counts.
      return value.length >= 8;
  }
}

/** Variables a PowerShell `Get-ChildItem env:` listing shows with a value env.env-variable reads. */
const ENV_TABLE_NAMES = new Set([
  'USERNAME',
  'USERDOMAIN',
  'USERDNSDOMAIN',
  'COMPUTERNAME',
  'LOGONSERVER',
  'HOMEPATH',
]);

/**
 * Whether a `NAME   value` match is a row of a PowerShell environment listing: at a line's start,
 * under the listing's `Name  Value` / `----  -----` header. Elsewhere a name and spaces are prose.
 */
function inEnvTable(name: string, ctx: MatchContext): boolean {
  const { text, matchStart } = ctx;
  if (!ENV_TABLE_NAMES.has(name)) return false;
  const prev = text[matchStart - 1];
  if (!(matchStart === 0 || prev === '\n' || (prev === 'n' && text[matchStart - 2] === '\\'))) return false;
  const rule = text.lastIndexOf('----', matchStart);
  if (rule < 0 || matchStart - rule > 20_000) return false;
  return /Name {2,}Value[ \t]*(?:\r?\n|(?:\\r)?\\n)-{4} {2,}-{5}/.test(
    text.slice(Math.max(0, rule - 120), rule + 40),
  );
}

function envVariableReportable(value: string, ctx: MatchContext): boolean {
  if (value.startsWith('$') || value.startsWith('%') || isPlaceholder(value)) return false;
  const name = envVariableName(ctx);
  if (ctx.text[ctx.matchStart + name.length] === ' ' && !inEnvTable(name, ctx)) return false;
  switch (envVariableKind(value, ctx)) {
    case 'username':
      return envUserReportable(value);
    case 'hostname':
      return envHostReportable(value);
    case 'home-path':
    case 'path':
      return envPathReportable(name, value);
    case 'ipv4':
      return ipv4IsReportable(value);
    case 'ipv6':
      return ipv6IsReportable(value.replace(/%.*$/, ''));
    case 'timezone':
      // TZ=:/etc/localtime points at the system's zone file; the zone's own name is what tells.
      return !value.startsWith(':/') && !/^:?(?:UTC0?|GMT0?|Etc\/UTC|Etc\/GMT|Universal|Zulu)$/i.test(value);
    default:
      return envIdReportable(name, value);
  }
}

/**
 * The broadcast address of a private network as `ip addr` (brd), ifconfig (broadcast) and old
 * net-tools (Bcast:) print it beside the interface's address: it names the network as well as
 * the address does. The broadcast of a whole private block (10.255.255.255, 169.254.255.255)
 * is every such network's.
 */
function isPrivateBroadcast(v: string, ctx: MatchContext): boolean {
  return (
    v.endsWith('.255') &&
    ipv4IsPrivate(v) &&
    !/^(?:10\.255\.255|169\.254\.255|172\.31\.255|192\.168\.255)\.255$/.test(v) &&
    /(?:\bbrd|\bbroadcast|\bbcast:)[ \t]*$/.test(before(ctx.text, ctx.start, 12))
  );
}

/**
 * A private network as ip route prints it (10.20.3.0/24 dev eth0 ..., 10.30.0.0/16 via ...): it
 * names the network as well as its addresses do. A whole private block (10.0.0.0/8,
 * 169.254.0.0/16) and the networks whose router address is every such network's (192.168.1.0/24,
 * 10.0.0.0/24: home routers' and clouds' defaults) stay.
 */
function isPrivateRouteNetwork(v: string, ctx: MatchContext): boolean {
  return (
    v.endsWith('.0') &&
    ipv4IsPrivate(v) &&
    !/^(?:10\.0|172\.16|192\.168|169\.254|100\.64)\.0\.0$/.test(v) &&
    ipv4IsReportable(`${v.slice(0, -1)}1`) &&
    /^\/\d{1,2}[ \t]+(?:dev|via|nhid|proto|scope|metric)[ \t]/.test(ctx.text.slice(ctx.end, ctx.end + 12))
  );
}

/**
 * Whether a `project = ` line is gcloud's (gcloud config list, its configuration files): in the
 * [core] section, whose other lines are `key = value` too. Elsewhere it is code or another tool's.
 */
function inGcloudCore(ctx: MatchContext): boolean {
  const head = ctx.text.lastIndexOf('[core]', ctx.matchStart);
  if (head < 0 || ctx.matchStart - head > 2000) return false;
  return /^(?:(?:\r?\n|(?:\\r)?\\n)[a-z_]{1,64} = [^\r\n\\]*)*(?:\r?\n|(?:\\r)?\\n)$/.test(
    ctx.text.slice(head + '[core]'.length, ctx.matchStart),
  );
}

/**
 * Whether a `--project` flag is gcloud's: gcloud runs the command it is in, on its line or one
 * it continues (a trailing backslash), JSON-escaped too. Other tools' --project names no cloud
 * project (tsc --project tsconfig.json), and neither does one after a `;`, `&&`, `|` or a
 * backtick (prose quoting a gcloud command).
 */
function onGcloudCommand(ctx: MatchContext): boolean {
  const head = ctx.text.slice(Math.max(0, ctx.matchStart - 1000), ctx.matchStart);
  let from = 0;
  for (const m of head.matchAll(/(?<!\\)\r?\n|(?<!\\\\)(?:\\r)?\\n/g)) from = m.index + m[0].length;
  return /(?:^|[^\w.-])gcloud(?:[ \t]|\\t)[^;&|\x60]*$/.test(head.slice(from));
}

/** Public git hosts: an ssh configuration's block for one names no machine of the user's. */
const PUBLIC_SSH_HOSTS =
  /^(?:(?:ssh\.)?github\.com|gitlab\.com|altssh\.gitlab\.com|bitbucket\.org|altssh\.bitbucket\.org|ssh\.dev\.azure\.com|vs-ssh\.visualstudio\.com|codeberg\.org|git\.sr\.ht|source\.developers\.google\.com|heroku\.com|gh|gl|github|gitlab|bitbucket)$/i;

/** Options an ssh client configuration's Host block holds (the first lines after `Host x`). */
const SSH_OPTION =
  /^[ \t]+(?:HostName|User|Port|IdentityFile|IdentitiesOnly|ProxyJump|ProxyCommand|ForwardAgent|AddKeysToAgent|UseKeychain|LocalForward|RemoteForward|DynamicForward|ServerAliveInterval|ServerAliveCountMax|StrictHostKeyChecking|UserKnownHostsFile|PreferredAuthentications|ControlMaster|ControlPath|ControlPersist|Compression|LogLevel|RequestTTY|RemoteCommand|CertificateFile|HostKeyAlias|ConnectTimeout|PubkeyAuthentication|SetEnv|SendEnv)(?:[ \t]|=)/i;

/** The lines around a match, JSON escapes undone (a transcript holds the file as one string). */
function linesAround(ctx: MatchContext, width: number): { before: string[]; after: string[] } {
  const unescape = (t: string): string => t.replace(/(?:\\r)?\\n/g, '\n').replace(/\\t/g, '\t');
  const head = unescape(ctx.text.slice(Math.max(0, ctx.start - width), ctx.start));
  return {
    before: head
      .slice(0, head.lastIndexOf('\n') + 1)
      .split('\n')
      .slice(0, -1)
      .reverse(),
    after: unescape(ctx.text.slice(ctx.matchEnd, ctx.matchEnd + width))
      .split('\n')
      .slice(1),
  };
}

/**
 * Whether a Host / HostName / User line is one of an ssh client configuration, and names one of
 * the user's machines or the user: `Host x` followed by an indented option line, HostName and
 * User lines inside such a block (below `Host x` or `Match`, over option lines, blanks and
 * comments).
 */
function sshConfigReportable(v: string, ctx: MatchContext): boolean {
  const kw = (ctx.groups['kw'] ?? '').toLowerCase();
  const { before: above, after: below } = linesAround(ctx, 1500);
  if (kw === 'host') {
    if (!SSH_OPTION.test(below[0] ?? '')) return false;
    if (/[*?!%]/.test(v) || v.length < 3 || PUBLIC_SSH_HOSTS.test(v) || isHostSurrogate(v)) return false;
    // A word (bastion, prod, db) names no machine, and its surrogate would stand for that word
    // wherever the request has it; a machine's own name (wks-0231, db-prod, build.acme) does.
    if (!/[\d._-]/.test(v)) return false;
    // An alias of a public git host is no machine of the user's.
    for (const line of below) {
      if (!/^[ \t]|^$/.test(line)) break;
      const hostName = /^[ \t]+HostName(?:[ \t]+|[ \t]*=[ \t]*)(\S+)/i.exec(line)?.[1];
      if (hostName !== undefined && PUBLIC_SSH_HOSTS.test(hostName)) return false;
    }
    return !TS_WORDS.has(v.toLowerCase()) && !isPlaceholder(v);
  }
  let inBlock = false;
  for (const line of above.slice(0, 40)) {
    if (/^[ \t]*(?:Host|Match)(?:[ \t]+|[ \t]*=)\S/i.test(line)) {
      inBlock = true;
      break;
    }
    if (!(line.trim() === '' || /^[ \t]*#/.test(line) || SSH_OPTION.test(line))) return false;
  }
  if (!inBlock) return false;
  if (v.includes('%')) return false;
  if (DOTTED_QUAD.test(v)) return ipv4IsReportable(v);
  if (isIPv6(v)) return ipv6IsReportable(v);
  return (
    !PUBLIC_SSH_HOSTS.test(v) &&
    !/^(?:localhost|ip6-localhost)$/i.test(v) &&
    !isHostSurrogate(v) &&
    !/\.(?:example|test|invalid|localhost|example\.internal)$/i.test(v)
  );
}

/**
 * A serial number or system UUID that names a machine: placeholders firmware and hypervisors
 * leave (To Be Filled By O.E.M., Default string, all zeros or ones, the 03000200-0400-0500-...
 * UUID of unset boards) and memory modules' hex ids (0x...) are no one's.
 */
function hardwareIdReportable(v: string, uuid: boolean): boolean {
  if (uuid)
    return (
      /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/.test(v) &&
      !/^[0-]+$|^[Ff-]+$/.test(v) &&
      !/^03000200-0400-0500-0006-000700080009$/i.test(v)
    );
  return (
    /\d/.test(v) &&
    !/^0x/i.test(v) &&
    !/^[0 ._-]+$|^(?:1234567890?|0123456789|123456789|none|n\/a|default string|not specified|to be filled by o\.e\.m\.|system serial number|chassis serial number|base board serial number|[a-z ]*serial number)$/i.test(
      v,
    ) &&
    !isPlaceholder(v)
  );
}

/** A line break as printed or JSON-escaped, and a line's text before it. */
const EOL = r`(?:\r?\n|(?:\\r)?\\n)`;
const LINE = r`[^\n\\]*`;

/**
 * What a shell tool's result puts between the command and its output in the layout Qwen Code
 * writes (Gemini CLI's before it): Command: <cmd>, Directory: <dir>, Output: <output>, a line
 * each.
 */
const TOOL_RESULT_HEAD = r`(?:Directory: ${LINE}${EOL}Output: )?`;

/**
 * Where cat prints the file it is given in the (k+1)-th place, for k below `max`: on the
 * (k+1)-th line after the command, a value a file. The file's place and the value's line are
 * one count, which a regex cannot share between a lookbehind and a lookahead: one alternative
 * per place, up to the files /sys/class/dmi/id holds. A brace list (dmi/id/{a,b}) counts as
 * the shell expands it. The alternatives run only where cat is close before on the line, and
 * each argument is bounded, so a long line costs each hit a bounded look back.
 */
function catOutputLine(max: number): string {
  const places = Array.from(
    { length: max },
    (_, k) =>
      r`(?<=\bcat[ \t]+(?:[^\s,\\]{1,256}(?:[ \t]+|,)){${k}}[^\s,\\]{1,256})${LINE}${EOL}${TOOL_RESULT_HEAD}(?:${LINE}${EOL}){${k}}`,
  );
  return r`(?<=\bcat[ \t][^\n\\]{0,1000})(?:${places.join('|')})`;
}

/**
 * The second address of SSH_CONNECTION (`client port server port`) or of a quoted SSH_CLIENT:
 * env.env-variable reports the first, env.ipv4 and env.ipv6 the one after its port.
 */
const SSH_PEER = /ssh_(?:connection|client)=(?:\\?["'])?[0-9a-f.:]{2,45}(?:%[\w.]+)? \d{1,5} $/;

export const environmentRules: readonly RuleDef[] = [
  {
    id: 'env.home-path',
    category: 'environment',
    severity: 'medium',
    kind: 'home-path',
    description:
      'A Unix home directory (/home/<user>, /Users/<user>, /root), also JSON-escaped (\\/home\\/<user>).',
    keywords: ['/home/', '/users/', r`\\/home\\/`, r`\\/users\\/`, '/root'],
    // `/root` alone is as often a name (Codex calls its main agent `/root`) as root's home, which
    // every machine has; a path below it is a home in use (this machine's own HOME: a canary).
    // A user name may hold letters of any script (`/home/josé`): taken to `/home/jos`, the rest
    // would leave beside the surrogate (`/home/useré`). General punctuation and symbols end it.
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w.~$-](?<!(?<!\\)\\[nt]))(?:\\?/)(?:(?:home|Users)(?:\\?/)(?<user>[A-Za-z0-9._\u00C0-\u1FFF\u2C00-\uD7FF-]{1,64})|root(?=\\?/))(?![A-Za-z0-9._\u00C0-\u1FFF\u2C00-\uD7FF-])`,
    validate: homeOwnerIsPersonal,
    samples: {
      tp: [
        ['Primary working directory: /home/mkowalski/src/app', '/home/mkowalski'],
        ['cd /Users/jsmith.dev && ls', '/Users/jsmith.dev'],
        [r`{"cwd":"\/home\/kpatel\/x"}`, r`\/home\/kpatel`],
        ['sudo ls /root/.ssh', '/root'],
        ['cd /home/josé/src && make', '/home/josé'],
        ['open /Users/łukasz.müller/Desktop', '/Users/łukasz.müller'],
      ],
      fp: [
        'cp a /home/user/project',
        'see /var/home/x',
        'ls /Users/Shared',
        'echo $HOME/home/',
        'path.join("/root2")',
        '/home/${USER}/x',
        'You are `/root`, the primary agent',
      ],
    },
  },
  {
    id: 'env.home-path-percent',
    category: 'environment',
    severity: 'medium',
    kind: 'home-path',
    description:
      "A Unix home directory percent-encoded, as in a URL or a query string (%2Fhome%2F<user>, %2FUsers%2F<user>, either hex case); its surrogate is the home's, encoded the same way.",
    keywords: ['%2fhome%2f', '%2fusers%2f'],
    // The name ends at the next encoded slash or at a character a name does not hold; its own
    // encoded bytes (%C3%A9) belong to it.
    pattern: r`(?<![\w.~$%-])%2[Ff](?:home|Users)%2[Ff](?<user>(?:[A-Za-z0-9._-]|%(?!2[Ff])[0-9A-Fa-f]{2}){1,64})(?![A-Za-z0-9._-])`,
    validate: (v, ctx) => {
      const user = ctx.groups['user']!;
      let name: string;
      try {
        name = decodeURIComponent(user);
      } catch {
        return false;
      }
      return homeOwnerIsPersonal(v, { groups: { user: name } });
    },
    samples: {
      tp: [
        ['GET /open?path=%2Fhome%2Falice%2Fproj HTTP/1.1', '%2Fhome%2Falice'],
        ['https://ci.example.com/x?dir=%2fUsers%2fjsmith%2fsrc', '%2fUsers%2fjsmith'],
        ['?p=%2Fhome%2Fjos%C3%A9%2Fsrc', '%2Fhome%2Fjos%C3%A9'],
      ],
      fp: ['?p=%2Fhome%2Fuser%2Fproject', '?p=%2Fhome%2F%24USER', 'x%2Fhome%2Fabc', '%2Fhome%2F'],
    },
  },
  {
    id: 'env.encoded-home-path',
    category: 'environment',
    severity: 'medium',
    kind: 'home-path',
    description:
      'A home directory flattened into a name, as Claude Code names its per-project folders (~/.claude/projects/-home-<user>-src-app).',
    keywords: ['-home-', '-users-'],
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w.-](?<!(?<!\\)\\[nt]))-(?:home|Users)-(?<user>[A-Za-z0-9_]{2,32})(?=-|\b)`,
    validate: homeOwnerIsPersonal,
    samples: {
      tp: [
        ['~/.claude/projects/-home-mkowalski-src-billing-api/', '-home-mkowalski'],
        ['-Users-jsmith-work', '-Users-jsmith'],
      ],
      fp: ['the-home-page', '-home-user-src'],
    },
  },
  {
    id: 'env.windows-home-path',
    category: 'environment',
    severity: 'medium',
    kind: 'home-path',
    description:
      'A Windows profile directory (C:\\Users\\<user>), also with doubled (JSON-escaped) backslashes or forward slashes.',
    keywords: [r`:\\users`, r`:\\\\users`, ':/users'],
    lookback: 1,
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![A-Za-z0-9](?<!(?<!\\)\\[nt]))[A-Za-z]:(?:\\\\|\\|/)Users(?:\\\\|\\|/)(?<user>[A-Za-z0-9._-]{1,64}(?: [A-Za-z0-9._-]{1,32})?(?=\\|/)|[A-Za-z0-9._-]{1,64})`,
    flags: 'i',
    validate: homeOwnerIsPersonal,
    samples: {
      tp: [
        [r`C:\Users\mkowalski\repo`, r`C:\Users\mkowalski`],
        [r`"C:\\Users\\Jan Nowak\\Desktop"`, r`C:\\Users\\Jan Nowak`],
        ['d:/users/kpatel', 'd:/users/kpatel'],
      ],
      fp: [r`C:\Users\Public\Documents`, r`C:\Users\<user>\AppData`, r`C:\Users\%USERNAME%`],
    },
  },
  {
    id: 'env.windows-home-path-percent',
    category: 'environment',
    severity: 'medium',
    kind: 'home-path',
    description:
      "A Windows profile directory percent-encoded, as in a URL or a query string (C%3A%5CUsers%5C<user>, C:%5CUsers%5C<user>, C%3A%2FUsers%2F<user>, either hex case); its surrogate is the home's, encoded the same way.",
    keywords: [':%5cusers%5c', '%3a%5cusers%5c', ':%2fusers%2f', '%3a%2fusers%2f'],
    lookback: 1,
    // The drive letter stands alone or after an encoded byte (%22C%3A…, file%3A%2F%2F%2FC%3A…).
    // Both separators are the same escape, in the same case. The name ends at the next encoded
    // separator or at a character a name does not hold; its own encoded bytes (UTF-8, %C3%A9)
    // belong to it, an encoded quote (%22) does not, and one encoded space does when a separator
    // follows (C%3A%5CUsers%5CJan%20Nowak%5C).
    pattern: r`(?:(?<=%[0-9A-Fa-f]{2})|(?<![A-Za-z0-9]))[A-Za-z](?::|%3[Aa])(?<sep>%5[Cc]|%2[Ff])[Uu][Ss][Ee][Rr][Ss]\k<sep>(?<user>(?:[A-Za-z0-9._-]|%[89A-Fa-f][0-9A-Fa-f]){1,64}(?:%20(?:[A-Za-z0-9._-]|%[89A-Fa-f][0-9A-Fa-f]){1,32}(?=%5[Cc]|%2[Ff]))?)(?![A-Za-z0-9._-])`,
    validate: (v, ctx) => {
      let name: string;
      try {
        name = decodeURIComponent(ctx.groups['user']!);
      } catch {
        return false;
      }
      return homeOwnerIsPersonal(v, { groups: { user: name } });
    },
    samples: {
      tp: [
        ['GET /api/open?path=C%3A%5CUsers%5Calice%5Csrc HTTP/1.1', 'C%3A%5CUsers%5Calice'],
        ['vscode://file/C:%5CUsers%5Cmkowalski%5Crepo', 'C:%5CUsers%5Cmkowalski'],
        ['?dir=d%3a%5cusers%5cjsmith', 'd%3a%5cusers%5cjsmith'],
        ['file%3A%2F%2F%2FC%3A%2FUsers%2Fkpatel%2Fx', 'C%3A%2FUsers%2Fkpatel'],
        ['?p=C%3A%5CUsers%5CJan%20Nowak%5CDesktop', 'C%3A%5CUsers%5CJan%20Nowak'],
        ['?p=C%3A%5CUsers%5Cjos%C3%A9', 'C%3A%5CUsers%5Cjos%C3%A9'],
        ['%22C%3A%5CUsers%5Calice%22', 'C%3A%5CUsers%5Calice'],
      ],
      fp: [
        '?p=C%3A%5CUsers%5CPublic%5CDocuments',
        '?p=C%3A%5CUsers%5C%25USERNAME%25',
        '?p=C%3A%5CUsers%2Falice',
        'ABC%3A%5CUsers%5Calice',
        '?p=C%3A%5CUsers%5Cuser%5Cproject',
        '%22C%3A%5CUsers%5C%22',
      ],
    },
  },
  {
    id: 'env.tilde-user',
    category: 'environment',
    severity: 'medium',
    kind: 'home-path',
    description: 'A home directory written as ~user/.',
    keywords: ['~'],
    pattern: r`(?<![\w~/.-])~(?<user>[a-z_][a-z0-9_-]{1,31})(?=/)`,
    validate: homeOwnerIsPersonal,
    samples: {
      tp: [['ls ~mkowalski/projects', '~mkowalski']],
      fp: ['ls ~/projects', 'a ~b', 'npm i pkg@~1.2.3/', '~user/x'],
    },
  },
  {
    id: 'env.project-path',
    category: 'environment',
    severity: 'medium',
    kind: 'project-path',
    description:
      'The working directory of the assistant (Primary working directory:, cwd:, PWD=), which names the project and the user.',
    keywords: [
      'working directory',
      'current directory',
      'cwd',
      'project root',
      'project directory',
      'workspace root',
      'pwd=',
      'workdir',
      'working in the directory',
    ],
    // Windows paths stop only at quotes and spaces (`\repos` is not an escaped newline there).
    pattern: r`(?:working directory|current directory|cwd|project root|project directory|workspace root|PWD|workdir|working in the directory)(?:\\?["'])?(?:>|\s*(?:[:=]|is)\s*)(?:\\?["'])?(?:(?<w>[A-Za-z]:(?:\\\\|\\|/)[^\s"'<>|,;()\x60*]{1,300}?)(?=\\?["'\x60]|[\s,;)<]|$)|(?<v>(?:~/|\\?/)[^\s"'<>|,;()\x60*]{1,300}?)(?=\\?["'\x60]|[\s,;)<]|\\[nrt]|$))`,
    flags: 'i',
    validate: (value) =>
      !SYSTEM_DIRS.test(value.replace(/\\\//g, '/')) &&
      /[\\/][^\\/]+[\\/]?[^\\/]*$/.test(value) &&
      (value.match(/[\\/]+/g) ?? []).length >= 2 &&
      !isPlaceholder(value),
    samples: {
      tp: [
        ['Primary working directory: /home/mkowalski/src/billing-api\n', '/home/mkowalski/src/billing-api'],
        ['{"cwd":"/srv/apps/acme-portal"}', '/srv/apps/acme-portal'],
        ['PWD=/Users/jsmith/work/zeta', '/Users/jsmith/work/zeta'],
        ['<cwd>/Users/jnowak/work/ledger</cwd>', '/Users/jnowak/work/ledger'],
        ["I'm currently working in the directory: /home/priya/ranker\n", '/home/priya/ranker'],
        [
          'Working directory: C:\\Users\\anna\\source\\repos\\portal\n',
          'C:\\Users\\anna\\source\\repos\\portal',
        ],
        [r`"cwd": "C:\\Users\\kp\\proj"`, r`C:\\Users\\kp\\proj`],
      ],
      fp: [
        'spawn(cmd, { cwd: process.cwd() })',
        "{ cwd: '/tmp' }",
        "const cwd = '/'",
        'cwd: /path/to/project',
        "cwd: '/usr/local/lib'",
      ],
    },
  },
  {
    id: 'env.workspace-directories',
    category: 'environment',
    severity: 'medium',
    kind: 'project-path',
    description:
      'The workspace directory listed by Gemini CLI ("- **Workspace Directories:**" followed by "  - /home/user/project").',
    keywords: ['workspace directories:'],
    pattern: r`Workspace Directories:\*{0,2}(?:\s|\\n)*-[ \t]+(?<v>(?:[A-Za-z]:\\|~/|/)[^\s"'<>|,;()\x60*\\]{1,300})`,
    flags: 'i',
    samples: {
      tp: [
        [
          '- **Workspace Directories:**\n  - /home/mkowalski/src/billing-api\n- **Directory Structure:**',
          '/home/mkowalski/src/billing-api',
        ],
      ],
      fp: ['Workspace directories: none'],
    },
  },
  {
    id: 'env.shell-prompt-user',
    category: 'environment',
    severity: 'medium',
    kind: 'username',
    description: 'The user name in a shell prompt (user@host:~/dir$).',
    // Anchored at the last character of the user name and the @ (a JSDoc ` @param` or a
    // decorator never reaches the regex); the user name is added by extendLeft.
    keywords: ['[a-z0-9_\\-]@'],
    // The lookahead first: most hits (emails) fail it within a few characters.
    pattern: r`[a-z0-9_-](?=@[A-Za-z0-9][A-Za-z0-9.-]{0,62}:[~/])(?<=(?<![\w.@-])[a-z_][a-z0-9_-]{1,31})(?<v>)@[A-Za-z0-9][A-Za-z0-9.-]{0,62}:(?:~|/)[^\s$#"']*[$#](?= |$)`,
    extendLeft: { chars: '[a-z0-9_-]', max: 32 },
    validate: (v) => !GENERIC_USERS.has(v) && v !== 'root' && v !== 'git',
    samples: {
      tp: [['mkowalski@devbox-7:~/src$ ls', 'mkowalski']],
      fp: ['git@github.com:org/repo.git', 'user@host:~$ ls', 'http://a.b:/x'],
    },
  },
  {
    id: 'env.shell-prompt-host',
    category: 'environment',
    severity: 'high',
    kind: 'hostname',
    description: 'The host name in a shell prompt (user@host:~/dir$).',
    keywords: ['[a-z0-9_\\-]@'],
    pattern: r`[a-z0-9_-](?=@[A-Za-z0-9][A-Za-z0-9.-]{0,62}:[~/])(?<=(?<![\w.@-])[a-z_][a-z0-9_-]{1,31})@(?<v>[A-Za-z0-9][A-Za-z0-9.-]{0,62}):(?:~|/)[^\s$#"']*[$#](?= |$)`,
    validate: (v) => !TS_WORDS.has(v.toLowerCase()) && !isHostSurrogate(v),
    samples: {
      tp: [
        ['root@build-node-3:/srv# make', 'build-node-3'],
        ['root@host-03:/srv# make', 'host-03'],
      ],
      fp: ['git@github.com:org/repo.git', 'user@host:~$ ls', 'root@host-3:/srv# make'],
    },
  },
  {
    id: 'env.hostname-context',
    category: 'environment',
    severity: 'high',
    kind: 'hostname',
    kindOf: hostOrAddressKind,
    description:
      "A host name after a label that names it (hostname:, Host name:, COMPUTERNAME=), except Airlock's own host surrogates (host-N).",
    keywords: ['hostname', 'host name', 'computername', 'computer name'],
    pattern: r`(?:hostname|host name|computername|computer name)(?:\\?["'])?[ \t]*[:=][ \t]*(?:\\?["'])?(?<v>[A-Za-z0-9][A-Za-z0-9.-]{1,62})(?=\\?["']|[ \t]*(?:\r?\n|\\n|$))`,
    flags: 'i',
    validate: (v, ctx) => {
      const label = ctx.text.slice(ctx.matchStart, ctx.start);
      // `hostname = ip` is code; `HOSTNAME=x` and `Host Name: x` are settings and reports.
      if (/=/.test(label) && !/^[A-Z]+=/.test(label)) return false;
      if (DOTTED_QUAD.test(v)) return ipv4IsReportable(v);
      return (
        !TS_WORDS.has(v.toLowerCase()) &&
        !isPlaceholder(v) &&
        !isHostSurrogate(v) &&
        !/^(?:127\.|localhost|0\.0\.0\.0$|::$|\[::\]$)/i.test(v) &&
        !/\.(?:example|test|invalid|example\.internal)$/i.test(v)
      );
    },
    samples: {
      tp: [
        ['Hostname: devbox-7\n', 'devbox-7'],
        ['{"hostname":"wks-0231.acme.lan"}', 'wks-0231.acme.lan'],
        ['COMPUTERNAME=DESKTOP-8F3K2L1', 'DESKTOP-8F3K2L1'],
        ['Hostname: host-3a\n', 'host-3a'],
        ['Hostname: host-07\n', 'host-07'],
        ['HOSTNAME=10.1.2.3', '10.1.2.3'],
      ],
      fp: [
        'hostname: string;',
        "hostname: 'localhost'",
        'ENV HOSTNAME="0.0.0.0"',
        'const hostname = url.hostname;',
        'hostname: options.hostname,',
        '    hostname = ip\n',
        "{ hostname: 'api.example' }",
        'Hostname: host-4.example.internal\n',
        'Hostname: host-3\n',
        'HOSTNAME=host-10417',
        'HOSTNAME=192.0.2.7',
      ],
    },
  },
  {
    id: 'env.docker-info-name',
    category: 'environment',
    severity: 'high',
    kind: 'hostname',
    description:
      "The host name docker info prints as the engine's Name: (after Total Memory:), the machine's own; Docker Desktop's and other VMs' names (docker-desktop, colima, orbstack) are every such machine's.",
    keywords: [' name: '],
    pattern: r`(?<=^|\n|\\n) Name: (?<v>[A-Za-z0-9][A-Za-z0-9.-]{0,252})(?=[ \t]*(?:\r?\n|\\[rn]|$))`,
    validate: (v, ctx) =>
      /(?:^|\n|\\n) Total Memory: [^\r\n\\]{1,32}(?:\r?\n|(?:\\r)?\\n)$/.test(
        ctx.text.slice(Math.max(0, ctx.matchStart - 60), ctx.matchStart),
      ) &&
      !TS_WORDS.has(v.toLowerCase()) &&
      !isHostSurrogate(v) &&
      !/\.(?:example|test|invalid|example\.internal)$/i.test(v) &&
      !/^(?:docker-desktop|colima(?:-[\w-]+)?|orbstack|rancher-desktop|lima-[\w-]+|podman-machine-default|minikube|kind-control-plane)$/i.test(
        v,
      ),
    samples: {
      tp: [[' CPUs: 16\n Total Memory: 31.05GiB\n Name: wks-0231\n ID: 4b3e2c1a\n', 'wks-0231']],
      fp: [
        ' Total Memory: 7.66GiB\n Name: docker-desktop\n',
        'spec:\n Name: wks-0231\n',
        ' Total Memory: 31.05GiB\n Name: host-3\n',
      ],
    },
  },
  {
    id: 'env.docker-info-id',
    category: 'environment',
    severity: 'high',
    kind: 'machine-id',
    description:
      "The engine's ID docker info prints below its Name: (a UUID, or twelve groups of four as older engines wrote it): made once per installation and kept, it names the machine, Docker Desktop's VM too.",
    keywords: [' id: '],
    pattern: r`(?<=^|\n|\\n) ID: (?<v>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9A-Z]{4}(?::[0-9A-Z]{4}){11})(?=[ \t]*(?:\r?\n|\\[rn]|$))`,
    // Where docker info puts it: after Total Memory: and the engine's Name:.
    validate: (_v, ctx) =>
      /(?:^|\n|\\n) Total Memory: [^\r\n\\]{1,32}(?:\r?\n|(?:\\r)?\\n) Name: [^\r\n\\]{1,253}(?:\r?\n|(?:\\r)?\\n)$/.test(
        ctx.text.slice(Math.max(0, ctx.matchStart - 320), ctx.matchStart),
      ),
    samples: {
      tp: [
        [
          ' Total Memory: 31.05GiB\n Name: wks-0231\n ID: 4b3e2c1a-7f6d-4e5b-9c8a-1d2e3f4a5b6c\n',
          '4b3e2c1a-7f6d-4e5b-9c8a-1d2e3f4a5b6c',
        ],
        [
          ' Total Memory: 7.66GiB\n Name: docker-desktop\n ID: 7C3E:QK2M:ABCD:XD5X:TEXB:EKF7:3DDQ:2RLX:B7PE:TVBI:WUBQ:ZZTO\n',
          '7C3E:QK2M:ABCD:XD5X:TEXB:EKF7:3DDQ:2RLX:B7PE:TVBI:WUBQ:ZZTO',
        ],
      ],
      fp: [
        'items:\n ID: 4b3e2c1a-7f6d-4e5b-9c8a-1d2e3f4a5b6c\n',
        ' Name: wks-0231\n ID: 4b3e2c1a-7f6d-4e5b-9c8a-1d2e3f4a5b6c\n',
      ],
    },
  },
  {
    id: 'env.ssh-config',
    category: 'environment',
    severity: 'high',
    kind: 'hostname',
    kindOf: hostOrAddressKind,
    description:
      "A host an ssh client configuration (~/.ssh/config) names: a Host block's alias when it is a machine's name (wks-0231, db-prod; not a word such as bastion) and its HostName (a name or an address). Public git hosts (github.com, gitlab.com...) and their aliases, patterns (Host *) and tokens (%h) are no one's.",
    keywords: ['host ', 'host=', 'hostname ', 'hostname='],
    lookback: 20,
    pattern: r`(?:^|\n|\\n)(?:[ \t]|\\t){0,16}(?<kw>Host|HostName)(?:(?:[ \t]|\\t)+|(?:[ \t]|\\t)*=(?:[ \t]|\\t)*)(?<v>[^\s"'\\#]{1,253})(?=(?:[ \t]|\\t)*(?:\r?\n|\\[rn]|$))`,
    flags: 'i',
    validate: sshConfigReportable,
    samples: {
      tp: [
        ['Host db-prod\n    HostName 10.40.2.17\n    User mkowalski\n', 'db-prod'],
        ['Host bastion\n    HostName bastion-01.acme.io\n    User mkowalski\n', 'bastion-01.acme.io'],
        ['Host db\n\tHostName 34.117.59.81\n\tPort 2222\n', '34.117.59.81'],
      ],
      fp: [
        'Host gh\n    HostName github.com\n    User git\n',
        'Host github.com\n    IdentityFile ~/.ssh/id_ed25519\n',
        'Host host-3\n    HostName host-3.example.internal\n',
        'Host bastion\n    ProxyJump none\n',
        'Host *.acme.io\n    HostName %h\n    ProxyCommand nc %h %p\n',
      ],
    },
  },
  {
    id: 'env.ssh-config-user',
    category: 'environment',
    severity: 'high',
    kind: 'username',
    description:
      "The user a Host block of an ssh client configuration (~/.ssh/config) logs in as (User), the user's own login most often: it takes the user name's surrogate (user-N), as USER= does. Common users (git, root) and tokens (%u) are no one's.",
    // Read from its block's Host line: `user ` alone is in every prompt, and a keyword before it
    // (a line break, indentation) would be hit by every indented line of code.
    keywords: ['host ', 'host='],
    lookback: 2,
    pattern: r`(?:^|\n|\\n)Host(?:(?:[ \t]|\\t)+|=)[^\s\\#][^\n\\]{0,250}(?=(?:(?:\r?\n|\\[rn])(?:[ \t]|\\t)*(?:(?!(?:User|Host|Match)\b)[A-Za-z]{2,40}(?:[ \t]|\\t|=)[^\n\\]{0,300}|#[^\n\\]{0,300})?){0,30}?(?:\r?\n|\\[rn])(?:[ \t]|\\t)*User(?:(?:[ \t]|\\t)+|(?:[ \t]|\\t)*=(?:[ \t]|\\t)*)(?<v>[^\s"'\\#]{1,64})(?=(?:[ \t]|\\t)*(?:\r?\n|\\[rn]|$)))`,
    flags: 'i',
    validate: (v) => envUserReportable(v) && v.toLowerCase() !== 'git' && !v.includes('%'),
    samples: {
      tp: [
        ['Host bastion\n    HostName bastion-01.acme.io\n    User mkowalski\n', 'mkowalski'],
        ['Host db\nHostName 10.40.2.17\n# the deploy account\nUser deploy-svc\n', 'deploy-svc'],
      ],
      fp: [
        'Host gh\n    HostName github.com\n    User git\n',
        'Host *\n    User root\n    ForwardAgent no\n',
        'Host a\n    HostName a.acme.io\nUser: mkowalski\n',
        'User mkowalski\n',
        'Host tunnel\n    User %u\n',
      ],
    },
  },
  {
    id: 'env.private-hostname',
    category: 'environment',
    severity: 'high',
    kind: 'hostname',
    description:
      "A host name under a private or intranet suffix (.local, .lan, .internal, .corp, .intranet, .localdomain, .home.arpa), except names under example.internal (Airlock's host surrogates).",
    keywords: ['.local', '.lan', '.internal', '.corp', '.intranet', '.home.arpa'],
    // Anchored at the suffix (one attempt per hit); the host labels before it come from extendLeft.
    pattern: r`(?<=[A-Za-z0-9])\.(?:localdomain|local|lan|internal|corp|intranet|home\.arpa)(?![\w(-]|\.\w)`,
    extendLeft: { chars: '[A-Za-z0-9.-]', max: 253 },
    validate: (v, ctx) => {
      if (!isHostName(v, ctx.text, ctx.start)) return false;
      const labels = v.split('.');
      const host = labels.slice(0, -1).join('.');
      // Names every cloud VM or container shares say nothing about this machine; names under
      // example.internal are reserved (Airlock's own host surrogates, host-N.example.internal).
      if (
        /^(?:(?:metadata\.google|host\.docker|gateway\.docker|kubernetes\.docker)\.internal|kubernetes\.default\.svc\.cluster\.local|localhost\.localdomain)$|(?:^|\.)example\.internal$/i.test(
          v,
        )
      )
        return false;
      if (
        TS_WORDS.has(labels[0]!.toLowerCase()) ||
        /^(?:this|self|window|global|globalthis|exports|module|process|node|options|opts|obj|ctx|config|state|props|info|data|req|res|el|ts|it|item|api|app)$/i.test(
          labels[0]!,
        )
      )
        return false;
      const context = before(ctx.text, ctx.start, 12);
      // A property access (`foo.internal;`) has no digit or dash and no address-like context.
      return (
        /[\d-]/.test(host) || labels.length >= 3 || /(?:\/\/|@|host|server|ssh |ping |connect)$/.test(context)
      );
    },
    samples: {
      tp: [
        ['ssh build-03.acme.corp', 'build-03.acme.corp'],
        ['http://wiki.intranet/page', 'wiki.intranet'],
        ['ip-10-0-1-23.ec2.internal', 'ip-10-0-1-23.ec2.internal'],
        ['ping printer.local', 'printer.local'],
      ],
      fp: [
        'curl http://metadata.google.internal/computeMetadata/v1/',
        'https://kubernetes.default.svc.cluster.local:443/api',
        '127.0.0.1 localhost localhost.localdomain',
        'this.internal = true',
        'window.localStorage',
        'return node.internal;',
        'obj.local(x)',
        'state.lan.x',
        'const t = args.local ? a : b',
        'ssh host-3.example.internal',
        'http://host-12.example.internal/x',
      ],
    },
  },
  {
    id: 'env.os-version-line',
    category: 'environment',
    severity: 'medium',
    kind: 'os-version',
    description: 'An "OS Version:" / "Operating system:" line, as assistants put in their system prompt.',
    keywords: ['os version', 'operating system'],
    pattern: r`(?:OS Version|Operating System)[ \t]*:[ \t]*(?<v>[A-Za-z0-9][^\n\r"\\<>]{2,100}?)[ \t]*(?=\r?\n|\\n|"|<|$)`,
    flags: 'i',
    validate: (v) => /\d/.test(v) && !isPlaceholder(v),
    samples: {
      tp: [
        ['OS Version: Linux 6.8.0-47-generic\n', 'Linux 6.8.0-47-generic'],
        ['OS Version:                10.0.22631 N/A Build 22631\n', '10.0.22631 N/A Build 22631'],
        ['Operating system: macOS 14.5 (23F79)\n', 'macOS 14.5 (23F79)'],
      ],
      fp: ['// OS version: see below', 'osVersion: string'],
    },
  },
  {
    id: 'env.kernel-version',
    category: 'environment',
    severity: 'medium',
    kind: 'os-version',
    description:
      'A kernel named with its release (Linux 6.8.0-47-generic, Linux devbox 6.1.0-18-amd64, Darwin 23.5.0).',
    keywords: ['linux', 'darwin'],
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w.-](?<!(?<!\\)\\[nt]))(?<v>(?:Linux|Darwin)(?: Kernel Version)? (?:[A-Za-z0-9][\w.-]{0,62} )?\d{1,2}\.\d{1,3}\.\d{1,3}(?:[-.+_][\w.+-]*)?)(?![\w-])`,
    samples: {
      tp: [
        ['Linux 6.8.0-47-generic', 'Linux 6.8.0-47-generic'],
        ['Darwin 23.5.0', 'Darwin 23.5.0'],
        ['Linux devbox 6.1.0-18-amd64 #1 SMP', 'Linux devbox 6.1.0-18-amd64'],
      ],
      fp: ['if (process.platform === "linux")', 'Linux and Darwin builds', 'supports Linux 2.6+'],
    },
  },
  {
    id: 'env.kernel-release',
    category: 'environment',
    severity: 'medium',
    kind: 'os-version',
    description:
      'A kernel release string on its own (6.8.0-47-generic, 5.15.153.1-microsoft-standard-WSL2, 5.14.0-362.el9.x86_64).',
    keywords: [
      '-generic',
      '-lowlatency',
      '-aws',
      '-azure',
      '-gcp',
      '-oracle',
      'microsoft-standard',
      String.raw`\d.el\d`,
      String.raw`\d.fc\d`,
    ],
    lookback: 40,
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w.-](?<!(?<!\\)\\[nt]))(?<v>\d{1,2}\.\d{1,3}\.\d{1,3}(?:[-.]\d+)*-(?:\d+-)?(?:generic|lowlatency|aws|azure|gcp|oracle|microsoft-standard(?:-WSL2)?)|\d{1,2}\.\d{1,3}\.\d{1,3}-[\d.]+\.(?:el\d+|fc\d+)[\w.]*)(?![\w-])`,
    samples: {
      tp: [
        ['kernel 5.15.153.1-microsoft-standard-WSL2', '5.15.153.1-microsoft-standard-WSL2'],
        ['5.14.0-362.8.1.el9_3.x86_64', '5.14.0-362.8.1.el9_3.x86_64'],
        ['uname -r: 6.8.0-47-generic', '6.8.0-47-generic'],
      ],
      fp: ['@aws-sdk/client-s3', 'v1.2.3-aws'],
    },
  },
  {
    id: 'env.distro-version',
    category: 'environment',
    severity: 'low',
    kind: 'os-version',
    description:
      'A distribution or OS release with a build-precise version (Ubuntu 22.04.4 LTS, macOS 14.5 (23F79), Windows 10.0.22631).',
    keywords: ['ubuntu', 'debian gnu/linux', 'fedora linux', 'macos', 'windows', 'pretty_name'],
    pattern: r`(?<v>Ubuntu \d{2}\.\d{2}(?:\.\d+)?(?: LTS)?(?= |$|\n|\\n|")|Debian GNU/Linux \d+ \(\w+\)|Fedora Linux \d+|macOS (?:[A-Z][a-z]+ )?\d{2}\.\d+(?:\.\d+)? \([0-9A-Z]{5,7}\)|Windows (?:NT )?10\.0\.\d{5}(?:\.\d+)?|PRETTY_NAME="[^"\n]{3,60}")`,
    validate: (v) => !/^Ubuntu \d{2}\.\d{2}$/.test(v),
    samples: {
      tp: [
        ['Ubuntu 22.04.4 LTS', 'Ubuntu 22.04.4 LTS'],
        ['macOS 14.5 (23F79)', 'macOS 14.5 (23F79)'],
        ['Microsoft Windows 10.0.22631', 'Windows 10.0.22631'],
        ['PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"'],
      ],
      fp: ['works on Ubuntu 22.04', 'Windows 10 and later', 'macOS 10.15+'],
    },
  },
  {
    id: 'env.sw-vers',
    category: 'environment',
    severity: 'low',
    kind: 'os-version',
    description: 'macOS version and build as printed by sw_vers (ProductVersion:, BuildVersion:).',
    keywords: ['productversion', 'buildversion'],
    pattern: r`(?:ProductVersion|BuildVersion)(?:\s|\\t)*:(?:\s|\\t)*(?<v>\d[\w.]{1,20})`,
    samples: {
      tp: [
        ['ProductVersion:\t\t14.5\nBuildVersion:\t\t23F79\n', '14.5'],
        [String.raw`BuildVersion:\t\t23F79\n`, '23F79'],
      ],
      fp: ['productVersion: string'],
    },
  },
  {
    id: 'env.uname',
    category: 'environment',
    severity: 'medium',
    kind: 'os-version',
    description: 'A whole `uname -a` line (kernel, host name, build date, architecture).',
    keywords: ['gnu/linux'],
    lookback: 300,
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w.-](?<!(?<!\\)\\[nt]))Linux [A-Za-z0-9][\w.-]{0,62} \d+\.\d+\.\d+[\w.+~-]* #[^\n\\]{1,200}? GNU/Linux`,
    samples: {
      tp: [
        [
          'Linux ml-gpu-04 5.15.0-105-generic #115-Ubuntu SMP Mon Apr 15 09:52:04 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux\n',
          'Linux ml-gpu-04 5.15.0-105-generic #115-Ubuntu SMP Mon Apr 15 09:52:04 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux',
        ],
      ],
      fp: ['Debian GNU/Linux 12'],
    },
  },
  {
    id: 'env.timezone-line',
    category: 'environment',
    severity: 'low',
    kind: 'timezone',
    description: 'A Windows time zone line (systeminfo "Time Zone: (UTC+01:00) Amsterdam, Berlin, ...").',
    keywords: ['time zone', 'timezone'],
    pattern: r`Time ?Zone[ \t]*:[ \t]*(?<v>\(UTC(?:[+-]\d\d:\d\d)?\)[^\n\r"\\]{0,120}?)[ \t]*(?=\r?\n|\\n|"|$)`,
    flags: 'i',
    samples: {
      tp: [
        [
          'Time Zone:                 (UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna\n',
          '(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna',
        ],
      ],
      fp: ['timeZone: string'],
    },
  },
  {
    id: 'env.arch',
    category: 'environment',
    severity: 'low',
    kind: 'arch',
    description: 'The CPU architecture in a system description (Architecture: x86_64, uname output).',
    keywords: ['architecture', 'arch:', 'gnu/linux', 'machine:'],
    lookback: 10,
    pattern: r`(?:(?:Architecture|\barch|Machine)[ \t]*:[ \t]*(?<v>x86_64|amd64|aarch64|arm64|armv7l|i686|ppc64le|s390x|riscv64)(?=[ \t]*(?:\r?\n|\\n|$|,))|(?<w>x86_64|aarch64|armv7l|ppc64le|s390x) GNU/Linux)`,
    flags: 'i',
    samples: {
      tp: [
        ['Architecture: x86_64\n', 'x86_64'],
        ['#1 SMP PREEMPT_DYNAMIC x86_64 GNU/Linux', 'x86_64'],
      ],
      fp: ["{ arch: 'arm64', platform: 'darwin' }", 'if (arch === "x64")'],
    },
  },
  {
    id: 'env.runtime-version',
    category: 'environment',
    severity: 'low',
    kind: 'runtime-version',
    description:
      'An exact runtime version (Node.js v20.11.1, node/v20.11.1, Python 3.11.4, go1.22.3 linux/amd64, rustc 1.78.0).',
    keywords: ['node', 'python 3.', 'bun v', 'deno 1', 'deno 2', 'go1.', 'rustc 1.', 'openjdk version'],
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w.-](?<!(?<!\\)\\[nt]))(?<v>(?:Node(?:\.js)?|node)(?: version)?(?: |/)v\d{1,2}\.\d{1,2}\.\d{1,2}|Python 3\.\d{1,2}\.\d{1,2}(?![\d.])|Bun v\d\.\d{1,2}\.\d{1,2}|Deno [12]\.\d{1,2}\.\d{1,2}|go1\.\d{1,2}(?:\.\d{1,2})? (?:linux|darwin|windows)/\w+|rustc 1\.\d{1,3}\.\d{1,2}|openjdk version "[\d._]+")(?![+\d.])`,
    samples: {
      tp: [
        ['Node.js v20.11.1', 'Node.js v20.11.1'],
        ['ua node/v20.18.1 x', 'node/v20.18.1'],
        ['Python 3.11.4 (main)', 'Python 3.11.4'],
        ['go version go1.22.3 linux/amd64', 'go1.22.3 linux/amd64'],
      ],
      fp: [
        'requires Node.js 18 or later',
        'node.version',
        'node v18+',
        'Python 3.11',
        '// Node.js v18.0.0+ and v22.15.0+ support',
      ],
    },
  },
  {
    id: 'env.timezone-iana',
    category: 'environment',
    severity: 'low',
    kind: 'timezone',
    description: 'An IANA time zone name (Europe/Berlin, America/New_York).',
    keywords: [
      'africa/',
      'america/',
      'antarctica/',
      'arctic/',
      'asia/',
      'atlantic/',
      'australia/',
      'europe/',
      'indian/',
      'pacific/',
      'etc/gmt',
    ],
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w/-](?<!(?<!\\)\\[nt]))(?<v>(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Z][A-Za-z_-]{1,30}(?:/[A-Z][A-Za-z_-]{1,30})?|Etc/GMT[+-]\d{1,2})(?![\w/-])`,
    // Documentation examples ("e.g. `America/Los_Angeles`") describe the format, not a machine.
    validate: (_v, ctx) =>
      !/(?:e\.g\.|for example|such as|example:?|like)[\s`'"(]*$/i.test(before(ctx.text, ctx.start, 20)),
    samples: {
      tp: [
        ['TZ: Europe/Warsaw', 'Europe/Warsaw'],
        ['"timeZone":"America/Argentina/Cordoba"', 'America/Argentina/Cordoba'],
        ['Etc/GMT-2', 'Etc/GMT-2'],
      ],
      fp: ['src/europe/map.ts', 'europe/berlin', 'Europe/', 'the user, e.g. `America/Los_Angeles`.'],
    },
  },
  {
    id: 'env.timezone-offset',
    category: 'environment',
    severity: 'low',
    kind: 'timezone',
    description:
      'A UTC offset that reveals the local time zone (UTC+02:00, GMT+0200 (Central European Summer Time), 2025-06-01T10:00:00+02:00).',
    keywords: ['utc+', 'utc-', 'gmt+', 'gmt-', r`+\d\d:\d\d`, r`-\d\d:\d\d`, r`+\d\d\d\d`, r`-\d\d\d\d`],
    // A timestamp's offset counts in command output (git log --date=iso, ls --full-time), not
    // inside a quoted literal in code, where it is test data.
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<v>(?<![\w+-](?<!(?<!\\)\\[nt]))(?:UTC|GMT)[+-](?:1[0-4]|0?\d)(?::?[0-5]\d)?(?: \([A-Z][A-Za-z ]{2,40}\))?(?![\w:])|(?<=(?:^|[^"'\x60\d])\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)? ?)[+-](?:0\d|1[0-4]):?[0-5]\d(?![\d:]))`,
    validate: (v) => !/^[+-]00:00$|^(?:UTC|GMT)[+-]0?0(?::?00)?$/.test(v),
    samples: {
      tp: [
        [
          'Date: Mon Jun 02 2025 10:00:00 GMT+0200 (Central European Summer Time)',
          'GMT+0200 (Central European Summer Time)',
        ],
        ['at 2025-06-01T10:00:00+02:00 we', '+02:00'],
        ['UTC-05:00', 'UTC-05:00'],
        ['Date:   2025-06-01 10:00:00 +0200', '+0200'],
      ],
      fp: ['2025-06-01T10:00:00+00:00', 'UTC+0', 'x = a-05:00', 'parse("2020-10-14T17:42:29+02:00")'],
    },
  },
  {
    id: 'env.locale',
    category: 'environment',
    severity: 'low',
    kind: 'locale',
    description:
      'A locale setting (LANG=pl_PL.UTF-8, de_DE.UTF-8, LC_ALL=...), a LANGUAGE= list whole (pl_PL:pl: its bare languages name the locale too).',
    keywords: ['.utf-8', '.utf8', 'lang=', 'lc_', 'language='],
    lookback: 7,
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w.-](?<!(?<!\\)\\[nt]))(?:(?:LANG|LANGUAGE|LC_[A-Z]+)=["']?)?(?<v>[a-z]{2,3}(?:_[A-Z]{2})?(?::[a-z]{2,3}(?:_[A-Z]{2})?)+|[a-z]{2,3}_[A-Z]{2}(?:\.(?:UTF-8|utf8|UTF8|ISO-8859-\d{1,2}))?)(?![\w-])`,
    validate: (v, ctx) => /\./.test(v) || /=["']?$/.test(ctx.text.slice(ctx.matchStart, ctx.start)),
    samples: {
      tp: [
        ['LANG=pl_PL.UTF-8', 'pl_PL.UTF-8'],
        ['LC_TIME=de_DE', 'de_DE'],
        ['locale is fr_CA.utf8', 'fr_CA.utf8'],
        ['LANGUAGE=pl_PL:pl', 'pl_PL:pl'],
        ['LANGUAGE="de:en_GB:en"', 'de:en_GB:en'],
      ],
      fp: ['const lang = "en"', 'LANG=C.UTF-8', 'x.utf8()', 'see pl_PL:pl', 'a:b:c'],
    },
  },
  {
    id: 'env.localized-date',
    category: 'environment',
    severity: 'low',
    kind: 'locale',
    description:
      "A date the client formatted in the user's locale (Gemini CLI: Today's date is środa, 25 listopada 2026 (formatted according to the user's locale)): its language names the locale.",
    keywords: ["formatted according to the user's locale"],
    lookback: 90,
    pattern: r`(?<=Today's date is )(?<v>[^\n\\()]{6,80}?) \(formatted according to the user's locale\)`,
    // English dates say little; any other language names the user's locale.
    validate: (v) =>
      !/^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}$/.test(
        v,
      ),
    samples: {
      tp: [
        [
          "Today's date is środa, 25 listopada 2026 (formatted according to the user's locale).",
          'środa, 25 listopada 2026',
        ],
      ],
      fp: ["Today's date is Wednesday, November 25, 2026 (formatted according to the user's locale)."],
    },
  },
  {
    id: 'env.proxy-setting',
    category: 'environment',
    severity: 'medium',
    kind: 'hostname',
    kindOf: (v, ctx) => (ctx.groups['w'] !== undefined ? 'ipv6' : DOTTED_QUAD.test(v) ? 'ipv4' : 'hostname'),
    description:
      'A proxy setting (HTTPS_PROXY=, "proxy": "http://...", --proxy): the proxy host names the network. Only the host is reported (an address as an address), so its port and path stay; its user name is reported by env.proxy-user, its password by secret.url-credentials.',
    keywords: ['proxy', 'https_proxy', 'http_proxy', 'ftp_proxy', 'all_proxy', 'socks_proxy'],
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w](?<!(?<!\\)\\[nt]))(?:(?:https?|ftp|all|socks)_)?proxy(?:[-_]?(?:url|server|host))?(?:\\?["'])?\s*(?:[:=]|\s)\s*(?:\\?["'])?(?:(?:https?|socks[45]h?)://)(?:[^@\s"'/\\]*@)?(?:\[(?<w>[0-9A-Fa-f:.]{2,45})\]|(?<v>[A-Za-z0-9][A-Za-z0-9.-]*))(?![A-Za-z0-9.-])`,
    flags: 'i',
    validate: (v, ctx) => {
      if (ctx.groups['w'] !== undefined) return ipv6IsReportable(v);
      if (DOTTED_QUAD.test(v)) return ipv4IsReportable(v);
      return (
        !/^(?:localhost|0\.0\.0\.0)$/i.test(v) &&
        !isHostSurrogate(v) &&
        !/(?:^|\.)(?:example\.\w+|test|invalid|proxy|your-proxy|myproxy|proxy-host)$/i.test(v)
      );
    },
    samples: {
      tp: [
        ['HTTPS_PROXY=http://squid.acme.lan:3128', 'squid.acme.lan'],
        ['export https_proxy=http://jdoe:S3cr3t!@10.20.0.5:8080', '10.20.0.5'],
        ['"proxy": "socks5h://gw-7.corp:1080"', 'gw-7.corp'],
        ['ALL_PROXY=socks5://[fd00:12::7]:1080', 'fd00:12::7'],
        ['HTTP_PROXY=http://squid.corp:3128/pac/x', 'squid.corp'],
      ],
      fp: [
        "proxy: 'http://localhost:8080'",
        'HTTP_PROXY=http://proxy.example.com:8080',
        'HTTPS_PROXY=http://host-9707',
        'HTTPS_PROXY=http://host-9707.example.internal:3128',
        'HTTPS_PROXY=http://192.0.2.7:3128',
        'HTTPS_PROXY=http://127.0.0.1:3128',
        'HTTPS_PROXY=http://[::1]:3128',
        'const proxy = new Proxy(target, {})',
      ],
    },
  },
  {
    id: 'env.proxy-user',
    category: 'environment',
    severity: 'high',
    kind: 'username',
    description:
      "The user name of a proxy URL (HTTPS_PROXY=http://jdoe:...@squid.corp:3128): the user's own login, so it takes the user name's surrogate (user-N), as USER= does; the password is secret.url-credentials'.",
    keywords: ['proxy', 'https_proxy', 'http_proxy', 'ftp_proxy', 'all_proxy', 'socks_proxy'],
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w](?<!(?<!\\)\\[nt]))(?:(?:https?|ftp|all|socks)_)?proxy(?:[-_]?(?:url|server|host))?(?:\\?["'])?\s*(?:[:=]|\s)\s*(?:\\?["'])?(?:(?:https?|socks[45]h?)://)(?<v>[^@\s"'/\\:]{1,128})(?::[^@\s"'/\\]{0,256})?@[A-Za-z0-9[]`,
    flags: 'i',
    validate: (v) =>
      !v.startsWith('$') &&
      !v.startsWith('%') &&
      !isPlaceholder(v) &&
      !GENERIC_USERS.has(v.toLowerCase()) &&
      !COMMON_USER_NAMES.has(v.toLowerCase()) &&
      !/^(?:login|proxy|proxyuser|proxy-user|anonymous)$/i.test(v) &&
      !isUserSurrogate(v),
    samples: {
      tp: [
        ['export https_proxy=http://mkowalski:S3cr3t!@10.20.0.5:8080', 'mkowalski'],
        ['HTTPS_PROXY=http://ACME%5Cmkowalski@squid.corp:3128', 'ACME%5Cmkowalski'],
      ],
      fp: [
        'HTTPS_PROXY=http://user:password@proxy.corp:3128',
        'HTTPS_PROXY=http://${PROXY_USER}:${PROXY_PASS}@proxy.corp:3128',
        'HTTPS_PROXY=http://user-12:pw@host-3.example.internal:3128',
        'HTTPS_PROXY=http://squid.corp:3128',
      ],
    },
  },
  {
    id: 'env.no-proxy',
    category: 'environment',
    severity: 'low',
    kind: 'text',
    description: 'A NO_PROXY list, which names internal domains and networks.',
    keywords: ['no_proxy'],
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w](?<!(?<!\\)\\[nt]))no_proxy(?:\\?["'])?\s*[:=]\s*(?:\\?["'])?(?<v>[^\s"'\\]{3,500})`,
    flags: 'i',
    validate: (v) =>
      v.replace(/(?:^|,)(?:localhost|127\.0\.0\.1|::1|\.local)(?=,|$)/g, '').replace(/,/g, '').length > 0 &&
      !v.startsWith('$'),
    samples: {
      tp: [['NO_PROXY=localhost,.acme.corp,10.0.0.0/8', 'localhost,.acme.corp,10.0.0.0/8']],
      fp: ['NO_PROXY=localhost,127.0.0.1', 'no_proxy=$NO_PROXY'],
    },
  },
  {
    id: 'env.ipv4',
    category: 'environment',
    severity: 'medium',
    kind: 'ipv4',
    description:
      "An IPv4 address, except loopback, documentation, benchmarking (198.18.0.0/15) and broadcast ranges (but a private network's broadcast where ip addr or ifconfig print it: brd 10.20.3.255, and a private network where ip route prints it: 10.20.3.0/24 dev eth0). Public addresses need a context word (ip, addr, host, inet, server...), so version numbers are not reported; a quad that starts a line before a capitalised word is a section number when its parts are small and not 0 and a title or a sentence follows (10.2.1.3 Let x, but not 10.20.30.40 Connection refused, nor 10.1.2.3 Refused alone on its line), one inside a sentence is an address whatever follows.",
    keywords: [r`\d.\d`],
    lookback: 3,
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w.-](?<!(?<!\\)\\[nt]))(?<v>(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})(?![\w-]|\.\d)`,
    validate: (v, ctx) => {
      if (!ipv4IsReportable(v) && !isPrivateBroadcast(v, ctx) && !isPrivateRouteNetwork(v, ctx)) return false;
      // Spec section numbers in comments (// 4.2.6.1) and headings (`10.2.1.3. Let x` at the start
      // of a line) look like addresses. A quad inside a sentence is one, whatever word follows
      // (`connect to 10.20.30.40 Connection refused`), and so is one at a line's start that no
      // section could be numbered with (the log line `10.20.30.40 Connection refused`).
      if (
        /(?:^|[^:])\/\/ *$|§ *$/.test(ctx.text.slice(Math.max(0, ctx.start - 5), ctx.start)) ||
        (/^\.? [A-Z]/.test(ctx.text.slice(ctx.end, ctx.end + 3)) &&
          couldBeSectionNumber(v) &&
          QUAD_HEADING_START.test(before(ctx.text, ctx.start, 40)) &&
          !isStatusLine(ctx))
      )
        return false;
      if (ipv4IsPrivate(v) || SSH_PEER.test(before(ctx.text, ctx.start, 80))) return true;
      const context = before(ctx.text, ctx.start, 40);
      if (/(?:version|ver|v|@|release|build|§|section|step|rfc)[\s:=]*$/.test(context)) return false;
      return ADDRESS_CONTEXT.test(context) || /^:\d{2,5}\b/.test(ctx.text.slice(ctx.end, ctx.end + 6));
    },
    samples: {
      tp: [
        ['inet 192.168.1.23/24', '192.168.1.23'],
        ['Server address: 34.117.59.81', '34.117.59.81'],
        ['curl http://10.0.12.7:8080/x', '10.0.12.7'],
        ['connect 52.94.236.248:443', '52.94.236.248'],
        ['connect to 10.20.30.40 Connection refused', '10.20.30.40'],
        ['ssh: connect to host 192.168.7.21. Permission denied', '192.168.7.21'],
        ['10.20.30.40 Connection refused', '10.20.30.40'],
        ['SSH_CONNECTION=85.12.3.4 51234 93.184.216.34 22', '93.184.216.34'],
        ['ok\n10.0.3.17 Timeout', '10.0.3.17'],
        ['10.1.2.3 Refused\n10.1.2.4 OK\n', '10.1.2.3'],
        ['inet 10.20.3.4/24 brd 10.20.3.255 scope global eth0', '10.20.3.255'],
        ['inet 192.168.1.34 netmask 0xffffff00 broadcast 192.168.1.255', '192.168.1.255'],
        ['10.20.3.0/24 dev eth0 proto kernel scope link src 10.20.3.4', '10.20.3.0'],
      ],
      fp: [
        'version 1.2.3.4',
        '127.0.0.1',
        'see 192.0.2.10 docs',
        'v4.3.2.1',
        'values 4.2.0.1 and',
        '1.3.6.1.4.1.311',
        'lodash@4.17.21.1',
        '// 4.2.6.8\n',
        '// 10.2.1.3. Let x',
        'ip 192.168.1.1',
        'cidr 10.0.0.0/8',
        'http://169.254.169.254/latest',
        'server ip 198.18.4.77',
        'link/ether brd 169.254.255.255 scope link',
        'ping 10.20.3.255',
        '192.168.1.0/24 dev wlan0 proto kernel scope link',
        '169.254.0.0/16 dev eth0 scope link metric 1000',
        'allow 10.20.3.0/24',
        '10.2.1.3. Let x be',
        ' * 10.2.1.3 Let x be',
        '## 10.2.1.3 Introduction',
        '10.1.6.3 ValidateAndApplyPropertyDescriptor ( O, P )',
      ],
    },
  },
  {
    id: 'env.ipv6',
    category: 'environment',
    severity: 'medium',
    kind: 'ipv6',
    description:
      'An IPv6 address, except loopback, unspecified, multicast and the documentation prefix 2001:db8::/32.',
    keywords: ['::', r`\h:\h\h\h\h:`, r`\h:\h\h\h:`, r`\h:\h\h:`, r`\h:\h:`],
    lookback: 40,
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w:.](?<!(?<!\\)\\[nt]))(?<v>(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,6}(?::[0-9A-Fa-f]{1,4}){1,6}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4})(?:%[\w.]+)?)(?![\w:.])`,
    validate: (v, ctx) => {
      const addr = v.replace(/%.*$/, '');
      if (!ipv6IsReportable(addr)) return false;
      return (
        ipv6IsLocal(addr) ||
        ADDRESS_CONTEXT.test(before(ctx.text, ctx.start, 40)) ||
        SSH_PEER.test(before(ctx.text, ctx.start, 80))
      );
    },
    samples: {
      tp: [
        ['inet6 fe80::1c2b:3aff:fe4d:5e6f%en0', 'fe80::1c2b:3aff:fe4d:5e6f%en0'],
        ['addr 2a02:810d:4b3f:a100:1c2b:3aff:fe4d:5e6f here', '2a02:810d:4b3f:a100:1c2b:3aff:fe4d:5e6f'],
        ['fd12:3456:789a:1::42', 'fd12:3456:789a:1::42'],
        ['inet6 fd00::2/64 scope global nodad', 'fd00::2'],
        ['ping fdab::c', 'fdab::c'],
      ],
      fp: [
        '::1',
        '2001:db8::1',
        'std::vector',
        'a::b',
        'fd::close',
        'face::b',
        'ff02::1',
        'valid("2a02:810d:4b3f:a100:1c2b:3aff:fe4d:5e6f")',
      ],
    },
  },
  {
    id: 'env.mac',
    category: 'environment',
    severity: 'medium',
    kind: 'mac',
    description:
      "A MAC address (aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff), except all-zero, broadcast, the documentation range and 02:00:5e:xx:xx:xx (Airlock's wide-space MAC surrogates).",
    keywords: [r`\h\h:\h\h:\h\h`, r`\h\h-\h\h-\h\h`],
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w:-](?<!(?<!\\)\\[nt]))(?<v>[0-9A-Fa-f]{2}(?<sep>[:-])[0-9A-Fa-f]{2}(?:\k<sep>[0-9A-Fa-f]{2}){4})(?![\w:-])`,
    // Outside the output of network tools a MAC-shaped literal is more often test data.
    validate: (v, ctx) => macIsReportable(v) && ADDRESS_CONTEXT.test(before(ctx.text, ctx.start, 40)),
    samples: {
      tp: [
        ['link/ether 3c:22:fb:7a:10:4e brd', '3c:22:fb:7a:10:4e'],
        ['Physical Address. . . : 3C-22-FB-7A-10-4E', '3C-22-FB-7A-10-4E'],
        ['? (10.0.0.1) at a4:83:e7:1c:22:9f on en0', 'a4:83:e7:1c:22:9f'],
        ['link/ether 02:00:5f:01:2f:9c brd', '02:00:5f:01:2f:9c'],
      ],
      fp: [
        '00:00:00:00:00:00',
        'ether 00:00:5e:00:53:01',
        'link/ether 02:00:5e:01:2f:9c brd ff:ff:ff:ff:ff:ff',
        'Physical Address. . . : 02-00-5E-01-2F-9C',
        '12:30:45',
        'aa:bb:cc:dd:ee',
        'mac.parse("3c:22:fb:7a:10:4e")',
      ],
    },
  },
  {
    id: 'env.machine-id',
    category: 'environment',
    severity: 'high',
    kind: 'machine-id',
    description:
      'A machine identifier (/etc/machine-id, macOS IOPlatformUUID, Windows MachineGuid) after its name.',
    keywords: [
      'machine-id',
      'machine_id',
      'machineid',
      'machine id',
      'ioplatformuuid',
      'machineguid',
      'hardware uuid',
    ],
    pattern: r`(?:machine[-_ ]?id|IOPlatformUUID|MachineGuid|Hardware UUID)(?:\\?["'])?(?:\s|\\[nrt])*(?:[:=]|=>|REG_SZ)?(?:\s|\\[nrt])*(?:\\?["'])?(?<v>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9a-f]{32})(?![\w-])`,
    flags: 'i',
    samples: {
      tp: [
        ['$ cat /etc/machine-id\n4f1c2a9be0d34c6f8a1e7b2d9c3f5a60', '4f1c2a9be0d34c6f8a1e7b2d9c3f5a60'],
        ['"IOPlatformUUID" = "5A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9"', '5A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9'],
        [
          'MachineGuid    REG_SZ    0f2e4c6a-8b1d-4e3f-9a7c-5d6e8f0a1b2c',
          '0f2e4c6a-8b1d-4e3f-9a7c-5d6e8f0a1b2c',
        ],
      ],
      fp: ['machineId: string', 'the machine id is stable'],
    },
  },
  {
    id: 'env.hardware-serial',
    category: 'environment',
    severity: 'high',
    kind: 'machine-id',
    description:
      "A machine's serial number or system UUID as dmidecode prints it (Serial Number: and UUID: under System, Base Board or Chassis Information), or system_profiler (Serial Number (system):): the vendor's identifier of this very machine. Placeholders firmware leaves (To Be Filled By O.E.M., Not Specified, all zeros) are no one's.",
    keywords: ['serial number', 'uuid: '],
    pattern: r`(?<=(?:^|\n|\\n)(?:[ \t]|\\t){1,16})(?<kw>Serial Number(?: \(system\))?|UUID): (?<v>[A-Za-z0-9][A-Za-z0-9 ._/-]{1,63}?)(?=[ \t]*(?:\r?\n|(?:\\r)?\\n|$))`,
    validate: (v, ctx) => {
      const kw = ctx.groups['kw'] ?? '';
      if (!hardwareIdReportable(v, kw === 'UUID')) return false;
      if (kw === 'Serial Number (system)') return true;
      // dmidecode: the section's header is the first line above that is not indented.
      const header = linesAround(ctx, 1500).before.find((line) => !/^[ \t]/.test(line));
      return (
        header !== undefined &&
        (kw === 'UUID' ? /^System Information$/ : /^(?:System|Base Board|Chassis) Information$/).test(
          header.trimEnd(),
        )
      );
    },
    samples: {
      tp: [
        [
          'System Information\n\tManufacturer: LENOVO\n\tProduct Name: 20XW0055GE\n\tSerial Number: PF2XK4LM\n\tUUID: 4c4c4544-0052-3510-8058-b4c04f4e4d32\n',
          'PF2XK4LM',
        ],
        [
          'System Information\n\tManufacturer: LENOVO\n\tSerial Number: PF2XK4LM\n\tUUID: 4c4c4544-0052-3510-8058-b4c04f4e4d32\n',
          '4c4c4544-0052-3510-8058-b4c04f4e4d32',
        ],
        ['Base Board Information\n\tManufacturer: LENOVO\n\tSerial Number: L1HF16Q01TN\n', 'L1HF16Q01TN'],
        ['      Serial Number (system): C02XL0GJJGH5\n', 'C02XL0GJJGH5'],
      ],
      fp: [
        'System Information\n\tSerial Number: To Be Filled By O.E.M.\n\tUUID: 03000200-0400-0500-0006-000700080009\n',
        'Chassis Information\n\tSerial Number: Not Specified\n',
        'Memory Device\n\tSerial Number: 0x1A2B3C4D\n',
        'server:\n  UUID: 4c4c4544-0052-3510-8058-b4c04f4e4d32\n',
        'Disk /dev/sda\n\tSerial Number: 00000000\n',
      ],
    },
  },
  {
    id: 'env.dmi-file',
    category: 'environment',
    severity: 'high',
    kind: 'machine-id',
    description:
      "A machine identifier read from /sys/class/dmi/id (product_serial, product_uuid, board_serial, chassis_serial): the value cat prints on the lines after the command (the n-th line for the n-th file, a brace list dmi/id/{a,b} as the shell expands it; from Output: on where a shell tool's result has Command:, Directory:, Output: lines), grep . prints after the path and a colon, or head after its ==> path <== line.",
    // The file's name: in a brace list only the first has dmi/id/ before it.
    keywords: ['product_serial', 'product_uuid', 'board_serial', 'chassis_serial'],
    // The value is captured in a lookahead so that the match ends at the file name: the next
    // file of the same command is a match of its own.
    pattern: r`(?<=dmi/id/(?:\{[\w,]{0,500})?)(?:product_serial|product_uuid|board_serial|chassis_serial)(?!\w)(?=(?::|(?:[ \t]|\\t)*<==[ \t]*${EOL}|${catOutputLine(24)})(?<v>[A-Za-z0-9][A-Za-z0-9 ._/-]{1,63}?)(?=[ \t]*(?:${EOL}|$)))`,
    validate: (v, ctx) => hardwareIdReportable(v, ctx.text.startsWith('product_uuid', ctx.matchStart)),
    samples: {
      tp: [
        ['$ cat /sys/class/dmi/id/product_serial\nPF2XK4LM\n', 'PF2XK4LM'],
        [
          '$ sudo cat /sys/class/dmi/id/product_serial /sys/class/dmi/id/product_uuid /sys/class/dmi/id/board_serial\nPF2XK4LM\n4c4c4544-0052-3510-8058-b4c04f4e4d32\nL1HF16Q01TN\n',
          'L1HF16Q01TN',
        ],
        [
          '/sys/class/dmi/id/product_uuid:4c4c4544-0052-3510-8058-b4c04f4e4d32\n',
          '4c4c4544-0052-3510-8058-b4c04f4e4d32',
        ],
        ['==> /sys/class/dmi/id/board_serial <==\nL1HF16Q01TN\n', 'L1HF16Q01TN'],
        [
          'Command: cat /sys/class/dmi/id/product_serial\nDirectory: (root)\nOutput: PF2XK4LM\nError: (none)\n',
          'PF2XK4LM',
        ],
      ],
      fp: [
        'cat: /sys/class/dmi/id/product_serial: Permission denied\n',
        '$ cat /sys/class/dmi/id/product_serial\nTo Be Filled By O.E.M.\n',
        'read /sys/class/dmi/id/product_uuid\nthen hash it\n',
      ],
    },
  },
  {
    id: 'env.aws-account',
    category: 'environment',
    severity: 'medium',
    kind: 'aws-account-id',
    description: 'An AWS account id inside an ARN or after its name.',
    keywords: ['arn:aws', 'account_id', 'accountid', 'account id', '"account"'],
    pattern: r`(?:arn:aws[\w-]*:[\w-]+:[\w-]*:(?<v>\d{12})(?=:)|(?:aws_account_id|AccountId|account id|"Account")(?:\\?["'])?\s*[:=]?\s*(?:\\?["'])?(?<w>\d{12})(?!\d))`,
    flags: 'i',
    validate: (v) => !/^(?:0{12}|123456789012|111122223333|444455556666)$/.test(v),
    samples: {
      tp: [
        ['arn:aws:iam::918273645501:role/deploy', '918273645501'],
        ['"AccountId": "918273645501"', '918273645501'],
        ['{"Account": "918273645501",', '918273645501'],
      ],
      fp: ['arn:aws:iam::123456789012:user/Bob', 'arn:aws:s3:::my-bucket'],
    },
  },
  {
    id: 'env.aws-principal',
    category: 'environment',
    severity: 'medium',
    kind: 'username',
    kindOf: (v) => (v.includes('@') ? 'email' : 'username'),
    description:
      "The person in an AWS ARN (aws sts get-caller-identity, an access-denied error): an IAM user's name (user/<path>/<name>), a federated user's, or an assumed role's session name, which SSO sets to the user's name or e-mail address (assumed-role/<role>/jdoe@corp.com). It takes the user name's surrogate (user-N) or an e-mail's; roles, SDK and instance session names are no one's.",
    keywords: ['arn:aws'],
    pattern: r`arn:aws[\w-]*:(?:iam|sts)::\d{12}:(?:user/(?:[\w+=,.@-]{1,64}/){0,8}|federated-user/|assumed-role/[\w+=,.@-]{1,64}/)(?<v>[\w+=,.@-]{1,64})(?![\w+=,.@/-])`,
    validate: (v) => {
      const name = v.toLowerCase();
      return (
        !GENERIC_USERS.has(name) &&
        !COMMON_USER_NAMES.has(name) &&
        !isPlaceholder(v) &&
        !isUserSurrogate(v) &&
        !/^user-[1-9]\d*@example\.com$/.test(v) &&
        !/@example\.(?:com|org|net)$/.test(name) &&
        // The AWS documentation's people, and the session names SDKs, the CLI and EC2 pick.
        !/^(?:bob|alice|john|jane|johndoe|janedoe|richard|mary|shirley|zhang|paulo|nikki|myuser|exampleuser|some-user|session-?name|my-?session)$/.test(
          name,
        ) &&
        !/^(?:botocore-session|aws-(?:go|sdk|cli)[\w-]*|i-[0-9a-f]{8,17}$|\d+$|awscli|terraform|gitlab|github|cdk|eks-)/.test(
          name,
        )
      );
    },
    samples: {
      tp: [
        ['"Arn": "arn:aws:iam::918273645501:user/mkowalski"', 'mkowalski'],
        ['arn:aws:iam::918273645501:user/division/platform/jnowak', 'jnowak'],
        [
          'arn:aws:sts::918273645501:assumed-role/AWSReservedSSO_AdministratorAccess_5f2c1a9b8d7e6f40/marta.kowalska@acme-corp.pl',
          'marta.kowalska@acme-corp.pl',
        ],
        ['arn:aws:sts::918273645501:federated-user/priya', 'priya'],
      ],
      fp: [
        'arn:aws:iam::918273645501:role/deploy',
        'arn:aws:iam::123456789012:user/Bob',
        'arn:aws:sts::918273645501:assumed-role/ci-deploy/botocore-session-1732870000',
        'arn:aws:sts::918273645501:assumed-role/ec2-role/i-0a1b2c3d4e5f60718',
        'arn:aws:iam::918273645501:user/user-3',
        'arn:aws:s3:::my-bucket/user/jnowak',
      ],
    },
  },
  {
    id: 'env.gcp-project',
    category: 'environment',
    severity: 'medium',
    kind: 'cloud-project',
    description:
      "A Google Cloud project id (project_id in a service-account file, GOOGLE_CLOUD_PROJECT=, /projects/<id>/ in API paths, gcloud's configuration: project = under [core] in gcloud config list and its config files, the output of gcloud config get-value project (from Output: on where a shell tool's result has Command:, Directory:, Output: lines), gcloud config set project <id>, a gcloud command's --project <id> or --project=<id>).",
    keywords: [
      'google_cloud_project',
      'gcloud_project',
      'cloudsdk_core_project',
      'gcp_project',
      'project_id',
      '/projects/',
      'project = ',
      'config get-value project',
      'config get project',
      'config set project ',
      '--project ',
      '--project=',
    ],
    lookback: 2,
    pattern: r`(?:(?:GOOGLE_CLOUD_PROJECT|GCLOUD_PROJECT|CLOUDSDK_CORE_PROJECT|GCP_PROJECT)=["']?|\\?["']project_id\\?["']\s*:\s*\\?["']|/projects/|(?<=^|\n|\\n)project = |config (?:get(?:-value)? project[ \t]*${EOL}${TOOL_RESULT_HEAD}(?:Your active configuration is: \[[\w-]{1,64}\](?:\r?\n|(?:\\r)?\\n))?|set project )|--project(?:=|[ \t]+)(?:\\?["'])?)(?<v>[a-z][a-z0-9-]{4,28}[a-z0-9])(?![\w-])`,
    validate: (v, ctx) =>
      !isPlaceholder(v) &&
      !/^(?:project-id|my-project|your-project|projectid|example-project|test-project|cloud-project-\d+$)/.test(
        v,
      ) &&
      (!ctx.text.startsWith('/projects/', ctx.matchStart) ||
        /^\/(?:locations|zones|regions|instances|databases|topics|subscriptions|secrets|serviceAccounts|datasets|buckets)\//.test(
          ctx.text.slice(ctx.end, ctx.end + 20),
        )) &&
      (!ctx.text.startsWith('project = ', ctx.matchStart) || inGcloudCore(ctx)) &&
      // A word after --project may be prose (pass --project explicitly), and its surrogate would
      // stand for that word wherever the request has it: an id with a digit or a dash is one.
      (!ctx.text.startsWith('--project', ctx.matchStart) || (/[\d-]/.test(v) && onGcloudCommand(ctx))) &&
      // gcloud prints the id alone on its line.
      (!ctx.text.startsWith('config get', ctx.matchStart) ||
        /^[ \t]*(?:\r?\n|\\[rn]|$)/.test(ctx.text.slice(ctx.end, ctx.end + 4))),
    samples: {
      tp: [
        ['"project_id": "acme-billing-prod-4711"', 'acme-billing-prod-4711'],
        ['GOOGLE_CLOUD_PROJECT=zeta-ml-3', 'zeta-ml-3'],
        ['/v1/projects/acme-data-221/locations/us-central1/', 'acme-data-221'],
        ['[core]\naccount = jnowak@zeta-labs.io\nproject = zeta-ledger-prod\n', 'zeta-ledger-prod'],
        ['$ gcloud config get-value project\nzeta-ledger-prod\n', 'zeta-ledger-prod'],
        ['gcloud config set project zeta-ledger-prod', 'zeta-ledger-prod'],
        ['gcloud run deploy api --region=europe-west1 --project=zeta-ledger-prod', 'zeta-ledger-prod'],
      ],
      fp: [
        '"project_id": "my-project"',
        'src/projects/components/list',
        'project_id: string',
        'GOOGLE_CLOUD_PROJECT=cloud-project-42',
        'def load():\n    project = client\n',
        '[tool.poetry]\nproject = ledger\n',
        '$ gcloud config get-value project\n(unset)\n',
        'npx tsc --project tsconfig-build.json',
        'gcloud auth login && firebase deploy --project zeta-ledger-prod',
      ],
    },
  },
  {
    id: 'env.gcp-service-account',
    category: 'environment',
    severity: 'medium',
    kind: 'email',
    description:
      'A Google service-account address, which names the project (name@project.iam.gserviceaccount.com).',
    keywords: ['.iam.gserviceaccount.com'],
    lookback: 100,
    pattern: r`(?<![\w.-])[a-z][a-z0-9-]{4,29}@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com`,
    validate: (v) => !/@(?:my-project|project-id|your-project|example)/.test(v),
    samples: {
      tp: ['"client_email": "ranker@research-ml-7731.iam.gserviceaccount.com"'],
      fp: ['svc@my-project.iam.gserviceaccount.com'],
    },
  },
  {
    id: 'env.cloud-instance',
    category: 'environment',
    severity: 'medium',
    kind: 'machine-id',
    description: 'A cloud instance id (AWS i-0123456789abcdef0, instance-id: ..., vmId).',
    keywords: [r`i-\h\h\h\h\h\h\h\h`, 'instance-id', 'instance_id', 'instanceid', 'vmid'],
    pattern: r`(?:(?<![\w-])(?<v>i-(?:[0-9a-f]{17}|[0-9a-f]{8}))(?![\w-])|(?:instance[-_]?id|vmId)(?:\\?["'])?\s*[:=]\s*(?:\\?["'])?(?<w>[\w-]{8,64}))`,
    flags: 'i',
    validate: (v) =>
      /\d/.test(v) && !isPlaceholder(v) && !/^i-0{8,}/.test(v) && !/^i-1234567890abcdef0$/.test(v),
    samples: {
      tp: [
        ['instance i-0a1b2c3d4e5f60718 running', 'i-0a1b2c3d4e5f60718'],
        ['"vmId": "02aab8a4-74ef-476e-8182-f6d2ba4166a6"', '02aab8a4-74ef-476e-8182-f6d2ba4166a6'],
      ],
      fp: ['i-1234567890abcdef0', 'instanceId: string', 'multi-deadbeef'],
    },
  },
  {
    id: 'env.git-user-name',
    category: 'environment',
    severity: 'high',
    kind: 'person-name',
    description:
      'A git identity name (git config user.name, GIT_AUTHOR_NAME=, "Git user:", [user] name = ...).',
    keywords: ['user.name', 'git_author_name', 'git_committer_name', 'git user', r`\[user]`],
    lookback: 0,
    pattern: r`(?:\buser\.name|GIT_(?:AUTHOR|COMMITTER)_NAME|\bGit user|\[user\](?:\s|\\[nt])*(?:email\s*=\s*[^\n\\]*(?:\s|\\[nt])+)?name)(?:[ \t]*[=:][ \t]*|[ \t]+)(?:\\?["'])?(?<v>\p{L}[\p{L}\p{M}'. -]{0,60}\p{L})(?=(?:\\?["'])?[ \t]*(?:\r?\n|\\[nr]|$))`,
    flags: 'u',
    validate: (v) => !isPlaceholder(v) && !/^(?:name|user|username|your name|john doe|jane doe)$/i.test(v),
    samples: {
      tp: [
        ['Git user: Marta Kowalska\n', 'Marta Kowalska'],
        ['git config --global user.name "Jan Nowak"\n', 'Jan Nowak'],
        ['[user]\n\tname = Zoë Müller\n\temail = z@x.io', 'Zoë Müller'],
        ['GIT_AUTHOR_NAME=Priya Raman', 'Priya Raman'],
      ],
      fp: ['user.name = name;', 'if (user.name === other)', 'git config user.name "Your Name"'],
    },
  },
  {
    id: 'env.git-user-email',
    category: 'environment',
    severity: 'high',
    kind: 'email',
    description: 'A git identity email (git config user.email, GIT_AUTHOR_EMAIL=, [user] email = ...).',
    keywords: ['user.email', 'git_author_email', 'git_committer_email', 'git email', r`\[user]`],
    pattern: r`(?:\buser\.email|GIT_(?:AUTHOR|COMMITTER)_EMAIL|\bGit email|\[user\](?:\s|\\[nt])*(?:name\s*=\s*[^\n\\]*(?:\s|\\[nt])+)?email)(?:[ \t]*[=:][ \t]*|[ \t]+)(?:\\?["'])?<?(?<v>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)`,
    validate: (v) =>
      !/@(?:example\.(?:com|org|net)|users\.noreply\.example)$/i.test(v) && !isPlaceholder(v.split('@')[0]!),
    samples: {
      tp: [
        ['git config --global user.email marta.k@acme-corp.pl', 'marta.k@acme-corp.pl'],
        ['[user]\n\tname = Zoe\n\temail = zoe@zeta.io', 'zoe@zeta.io'],
      ],
      fp: ['git config user.email you@example.com', 'user.email = email;'],
    },
  },
  {
    id: 'env.git-author',
    category: 'environment',
    severity: 'medium',
    kind: 'person-name',
    description: 'A commit author in git log output (Author: Name <email>).',
    keywords: ['author:'],
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w@*](?<!(?<!\\)\\[nt]) ?)Author:[ \t]+(?<v>\p{L}[\p{L}\p{M}'. -]{0,60}\p{L}) <[^<>\s@]+@[^<>\s]+>`,
    flags: 'u',
    validate: (v) => !/^(?:name|your name|john doe|jane doe)$/i.test(v),
    samples: {
      tp: [['commit 3f2a\nAuthor: Marta Kowalska <marta@acme.pl>\nDate:', 'Marta Kowalska']],
      fp: [' * @author Marta <m@x.io>', 'Author: Your Name <you@example.com>'],
    },
  },
  {
    id: 'env.git-remote-org',
    category: 'environment',
    severity: 'medium',
    kind: 'org',
    description:
      'The organisation in a git remote (git@host:org/repo.git, remote.origin.url=, `git remote -v` output).',
    keywords: ['git@', 'remote.origin.url', '(fetch)', '(push)', r`\[remote `],
    lookback: 200,
    pattern: r`(?:(?<![\w.-])git@[\w.-]+:(?<v>[\w.-]+)/[\w.-]+|remote\.origin\.url[ \t]*[= ][ \t]*\S*?://[^/\s]+/(?<w>[\w.-]+)/[\w.-]+|\[remote "[\w.-]+"\](?:\s|\\[nt])*url\s*=\s*\S*?[:/](?<x>[\w.-]+)/[\w.-]+?(?:\.git)?(?=\s|\\n|$)|(?<![\w-])[\w-]+\t\S*?[/:](?<y>[\w.-]+)/[\w.-]+? \((?:fetch|push)\))`,
    validate: (v) => !/^(?:org|user|username|owner|your-org|you|example|repo|org-\d+)$/i.test(v),
    samples: {
      tp: [
        ['git clone git@github.com:acme-internal/billing.git', 'acme-internal'],
        ['remote.origin.url=https://gitlab.acme.pl/platform/api.git', 'platform'],
        ['origin\thttps://github.com/zeta-labs/core.git (fetch)', 'zeta-labs'],
      ],
      fp: [
        'git@github.com:org/repo.git',
        'see https://github.com/microsoft/TypeScript',
        'git clone git@github.com:org-17/billing.git',
      ],
    },
  },
  {
    id: 'env.forge-account',
    category: 'environment',
    severity: 'medium',
    kind: 'username',
    description:
      "The account a git host greets or reports: `ssh -T git@github.com` (Hi <login>! You've successfully authenticated), GitLab's (Welcome to GitLab, @<login>!), `gh auth status` (Logged in to github.com account <login>, or as <login> before gh 2.40).",
    keywords: ["you've successfully authenticated", 'welcome to gitlab, @', 'logged in to '],
    lookback: 50,
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?:(?<![\w-](?<!(?<!\\)\\[nt]))Hi (?<v>[A-Za-z0-9][A-Za-z0-9-]{0,38})! You've successfully authenticated|Welcome to GitLab, @(?<w>[A-Za-z0-9_][A-Za-z0-9_.-]{0,254})!|Logged in to [\w.-]+ (?:account|as) (?<x>[A-Za-z0-9][A-Za-z0-9-]{0,38})(?![\w-]))`,
    validate: (v) => !GENERIC_USERS.has(v.toLowerCase()) && !isPlaceholder(v) && !/^user-\d+$/.test(v),
    samples: {
      tp: [
        [
          "Hi zelda-q! You've successfully authenticated, but GitHub does not provide shell access.",
          'zelda-q',
        ],
        ['Welcome to GitLab, @mkowalski!', 'mkowalski'],
        ['  ✓ Logged in to github.com account zelda-q (keyring)', 'zelda-q'],
        ['✓ Logged in to github.acme.com as mkowalski (oauth_token)', 'mkowalski'],
      ],
      fp: [
        "Hi username! You've successfully authenticated",
        "Hi acme/billing! You've successfully authenticated",
        '✓ Logged in to github.com account user-12 (keyring)',
        'You are not logged in to any GitHub hosts.',
      ],
    },
  },
  {
    id: 'env.env-variable',
    category: 'environment',
    severity: 'low',
    kind: 'opaque-id',
    kindOf: envVariableKind,
    description:
      "An environment variable that describes the machine or the user, in an assignment or a dump (USER=, HOSTNAME=, HOME=, SSH_CONNECTION=, TZ=, USERPROFILE=...): its value takes the surrogate of what it holds (a user name, a host, a path, an address, a time zone, a session id). Airlock's own surrogates (USER=user-3, HOME=/home/user, HOSTNAME=host-3) and values that name no one (USER=root, SHELL=/bin/zsh, DISPLAY=:1, a short session number) are not findings.",
    keywords: [
      'hostname=',
      'user=',
      'logname=',
      'username=',
      'home=',
      'oldpwd=',
      'mail=',
      'shell=',
      'tz=',
      'display=',
      'ssh_client=',
      'ssh_connection=',
      'ssh_auth_sock=',
      'xdg_runtime_dir=',
      'xdg_session_id=',
      'dbus_session_bus_address=',
      'term_session_id=',
      'iterm_session_id=',
      'wt_session=',
      'userdomain=',
      'userdnsdomain=',
      'computername=',
      'userprofile=',
      'homepath=',
      'tmpdir=',
      'kubeconfig=',
      'aws_profile=',
      'logonserver=',
      // A PowerShell listing (Get-ChildItem env:): the name, spaces, the value.
      'username ',
      'userdomain ',
      'userdnsdomain ',
      'computername ',
      'logonserver ',
      'homepath ',
    ],
    lookback: 0,
    // Three forms: an SSH variable's first address (the second is env.ipv4's, see SSH_PEER);
    // HOMEPATH's user name (\Users\<name>), LOGONSERVER's host (\\<host>) and MAIL's mailbox
    // (/var/mail/<name>, the rest of which is every machine's); any other value,
    // quoted or up to a space, a quote, a backslash (a JSON escape) or a shell operator. After an
    // escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no name.
    pattern: r`(?<![\w$.-](?<!(?<!\\)\\[nt]))(?:SSH_(?:CLIENT|CONNECTION)=(?:\\?["'])?(?<x>[0-9A-Fa-f.:]{2,45}(?:%[\w.]+)?)(?=[ \t"'\\]|$)|(?:HOMEPATH(?:=(?:\\?["'])?| {1,40})\\{1,2}Users\\{1,2}|LOGONSERVER(?:=(?:\\?["'])?| {1,40})(?:\\{2}){1,2}|MAIL=(?:\\?["'])?\/var\/(?:spool\/)?mail\/)(?<y>[^\s"'\\;&|]{1,64})|(?:HOSTNAME|USER|LOGNAME|USERNAME|HOME|OLDPWD|MAIL|SHELL|TZ|DISPLAY|SSH_AUTH_SOCK|XDG_RUNTIME_DIR|XDG_SESSION_ID|DBUS_SESSION_BUS_ADDRESS|TERM_SESSION_ID|ITERM_SESSION_ID|WT_SESSION|USERDOMAIN|USERDNSDOMAIN|COMPUTERNAME|USERPROFILE|TMPDIR|KUBECONFIG|AWS_PROFILE)(?:=| {1,40})(?:(?<q>["'])(?<v>[^"'\n]{1,300})\k<q>|(?<w>[^\s"'\\;&|]{1,300})))`,
    validate: envVariableReportable,
    samples: {
      tp: [
        ['HOSTNAME=wks-0231', 'wks-0231'],
        ['USER=mkowalski', 'mkowalski'],
        ['LOGNAME="jnowak"', 'jnowak'],
        ['SSH_CONNECTION=10.1.2.3 51234 10.1.2.9 22', '10.1.2.3'],
        ['SSH_CLIENT=85.12.3.4 51234 22', '85.12.3.4'],
        ['USERPROFILE="C:\\Users\\kp"', 'C:\\Users\\kp'],
        ['HOMEPATH=\\Users\\anna.schmidt', 'anna.schmidt'],
        ['LOGONSERVER=\\\\DC01', 'DC01'],
        ['OLDPWD=/home/mkowalski/src/billing', '/home/mkowalski/src/billing'],
        ['MAIL=/var/mail/mkowalski', 'mkowalski'],
        ['MAIL="/var/spool/mail/jnowak"', 'jnowak'],
        ['MAIL=/home/mkowalski/Maildir', '/home/mkowalski/Maildir'],
        ['TZ=Europe/Warsaw', 'Europe/Warsaw'],
        ['AWS_PROFILE=acme-prod', 'acme-prod'],
        ['WT_SESSION=5f1c8a4e-2b7d-4c3e-9a1f-0d6e8b2c4a7f', '5f1c8a4e-2b7d-4c3e-9a1f-0d6e8b2c4a7f'],
        ['Name      Value\n----      -----\nHOMEDRIVE C:\nUSERNAME  anna.schmidt\n', 'anna.schmidt'],
      ],
      fp: [
        'USER=$USER',
        'HOME=%USERPROFILE%',
        'process.env.USER',
        'SHELL=/bin/bash',
        'SHELL=/usr/bin/zsh',
        'MY_USER=x',
        '"start": "HOSTNAME=0.0.0.0 node server.js"',
        'HOSTNAME=127.0.0.1',
        'HOSTNAME=host-3',
        'HOSTNAME=host-17.example.internal',
        'USER=user-3',
        'USER=root',
        'USER=node',
        'MAIL=/var/mail/root',
        'HOME=/home/user',
        'HOME=/root',
        'USERPROFILE="C:\\Users\\user"',
        'OLDPWD=/data/path-12',
        'KUBECONFIG=/home/a/.kube/config:/home/b/.kube/config',
        'TZ=UTC',
        'DISPLAY=:1',
        'DISPLAY=localhost:10.0',
        'XDG_SESSION_ID=c3',
        'DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus',
        'AWS_PROFILE=default',
        'SSH_CONNECTION=192.0.2.7 51234 198.51.100.9 22',
        'USERNAME    the name the user logs in with',
        'See the docs.\nUSERNAME   mkowalski\n',
      ],
    },
  },
];
