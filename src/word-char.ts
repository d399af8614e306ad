/**
 * A word character as regular expressions' `\w` reads one (ASCII letters, digits, `_`): the
 * boundary that detection, surrogate choice and restoration agree on, so `user-1` is never
 * taken for the start of `user-12` in one place and not in another.
 */
export function isWordChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
  );
}

/**
 * Logins that are words programs name things with: a role account's (an agent sandbox's `agent`,
 * a CI machine's `jenkins` or `build`, `deploy`) or a name that is also one (`grant`, as in
 * `grant_type`). Joined by `_` they are parts of identifiers (`user_agent`, `agent_id`,
 * `JENKINS_URL`, `build_dir`) far more often than the user.
 */
const IDENTIFIER_WORDS: ReadonlySet<string> = new Set([
  'agent',
  'agents',
  'build',
  'builder',
  'buildbot',
  'buildkite',
  'deploy',
  'deployer',
  'jenkins',
  'coder',
  'gitpod',
  'worker',
  'server',
  'service',
  'client',
  'runner',
  'robot',
  'daemon',
  'system',
  'backup',
  'admin',
  'sysadmin',
  'devops',
  'ansible',
  'docker',
  'vagrant',
  'ubuntu',
  'debian',
  'centos',
  'fedora',
  'alpine',
  'azureuser',
  'cloud',
  'oracle',
  'tomcat',
  'apache',
  'nginx',
  'mysql',
  'redis',
  'postgres',
  'jupyter',
  'jovyan',
  'python',
  'gitlab',
  'github',
  'circleci',
  'tester',
  'developer',
  'guest',
  'support',
  'operator',
  'manager',
  'monitor',
  'sandbox',
  'local',
  'master',
  'owner',
  'staff',
  'super',
  'grant',
]);

/**
 * Whether a user name stands on its own where `_` joins it to a word (`alice_build.log`,
 * `build_alice`): a name of five or more characters that starts and ends with a letter or a
 * digit and is not a word programs name things with (IDENTIFIER_WORDS). A shorter one joined
 * so is more often part of an identifier (`max_tokens`, `will_x`), and so is such a word.
 */
export function userNameJoins(name: string): boolean {
  return (
    name.length >= 5 &&
    /^[A-Za-z0-9](?:.*[A-Za-z0-9])?$/.test(name) &&
    !IDENTIFIER_WORDS.has(name.toLowerCase())
  );
}

/** A user name's surrogate (`user-N`), which stands where `_` joins it as its original did. */
export function isUserSurrogate(text: string): boolean {
  return /^user-[1-9]\d*$/.test(text);
}

/** Whether the character beside a value leaves it a word: not a word character, or `_` where it joins. */
export function bounds(code: number, joins: boolean): boolean {
  return !isWordChar(code) || (joins && code === 95);
}
