/** The user name canary alone, learnt for one login: what it finds in a tool result's text. */
import { learnCanaries } from '../../src/detect/canaries.js';
import { createEngine } from '../../src/detect/engine.js';

/** Each finding's text, with `around` characters of the text on either side of it. */
export function usernameCanaryFindings(username: string, text: string, around = 0): string[] {
  const engine = createEngine({
    rules: [],
    canaries: learnCanaries({
      username,
      home: '/nonexistent',
      readGit: false,
      env: {},
      fqdns: [],
      macs: [],
      ips: [],
    }),
  });
  return engine
    .scan([{ path: ['messages', 0, 'content'], role: 'tool_result', text }])
    .filter((f) => f.ruleId === 'canary.username')
    .map((f) => text.slice(Math.max(0, f.start - around), f.end + around));
}
