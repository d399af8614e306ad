/**
 * `airlock env`: what Airlock learned about this machine at start (the local canaries it will
 * look for in every request), masked: first and last characters only, never a whole value.
 */
import type { Command } from 'commander';
import { learnCanaries, type Canary, type CanaryLabel } from '../../detect/canaries.js';
import { maskValue } from '../../detect/mask.js';

const LABEL_TITLES: Record<CanaryLabel, string> = {
  hostname: 'Host names',
  username: 'User names',
  home: 'Home directory',
  'machine-id': 'Machine ids',
  mac: 'MAC addresses',
  ip: 'IP addresses',
  'git-name': 'Git user name',
  'git-email': 'Git user email',
  proxy: 'Proxies',
  timezone: 'Time zone',
  'secret-env': 'Secret values (environment variables, proxy passwords)',
};

export interface MaskedCanary {
  label: CanaryLabel;
  kind: string;
  category: string;
  severity: string;
  source: string;
  masked: string;
  length: number;
}

export function maskCanaries(canaries: readonly Canary[]): MaskedCanary[] {
  return canaries.map((c) => ({
    label: c.label,
    kind: c.kind,
    category: c.category,
    severity: c.severity,
    source: c.source,
    masked: maskValue(c.value, c.category === 'secret'),
    length: c.value.length,
  }));
}

/** The report as text (grouped by kind) or JSON; never contains an unmasked value. */
export function envReport(canaries: readonly Canary[], json: boolean): string {
  const masked = maskCanaries(canaries);
  if (json) return JSON.stringify({ canaries: masked, count: masked.length }, null, 2) + '\n';
  const lines = [
    `Airlock learned ${masked.length} value(s) from this machine; each is looked for raw, case-folded, JSON-escaped, URL-encoded, base64 and hex.`,
    '',
  ];
  for (const label of Object.keys(LABEL_TITLES) as CanaryLabel[]) {
    const group = masked.filter((m) => m.label === label);
    if (group.length === 0) continue;
    lines.push(`${LABEL_TITLES[label]}:`);
    for (const m of group)
      lines.push(`  ${m.masked.padEnd(24)} ${String(m.length).padStart(3)} chars  from ${m.source}`);
    lines.push('');
  }
  if (masked.length === 0)
    lines.push('(nothing: host and user names here are too common to look for, and no secrets are set)', '');
  return lines.join('\n');
}

export function registerEnvCommand(program: Command): void {
  program
    .command('env')
    .description(
      'show what Airlock learned about this machine (host, user, home, machine id, addresses, git identity, proxy, time zone, secret env values), masked',
    )
    .option(
      '--json',
      'print JSON: { canaries: [{ label, kind, category, severity, source, masked, length }], count }',
    )
    .action((opts: { json?: boolean }) => {
      process.stdout.write(envReport(learnCanaries(), opts.json === true));
    });
}
