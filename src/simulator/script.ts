/**
 * Chooses the reply for one generation request from the current script: a single reply, a list
 * walked turn by turn (by arrival or by conversation history), or a function of the request.
 */
import type { Reply, RecordedRequest, Script } from './types.js';

export const DEFAULT_TEXT = 'Hello from the Airlock simulator.';
export const DEFAULT_SCRIPT: Script = { reply: [{ text: DEFAULT_TEXT }] };

function pick(replies: Reply[], index: number): Reply {
  // Past the end, the last reply repeats; an empty list means the default answer.
  return replies[Math.min(index, replies.length - 1)] ?? (DEFAULT_SCRIPT as Reply);
}

export class ScriptRunner {
  private script: Script;
  private arrivals = 0;

  constructor(script: Script = DEFAULT_SCRIPT) {
    this.script = script;
  }

  set(script: Script): void {
    this.script = script;
    this.arrivals = 0;
  }

  reset(): void {
    this.arrivals = 0;
  }

  /** The reply for this request; `assistantTurns` is read only for `turnBy: 'history'`. */
  async next(req: RecordedRequest, assistantTurns: () => number): Promise<Reply> {
    const script = this.script;
    const arrival = this.arrivals++;
    if (typeof script === 'function') return script(req);
    if (Array.isArray(script)) return pick(script, arrival);
    if ('turns' in script)
      return pick(script.turns, script.turnBy === 'history' ? assistantTurns() : arrival);
    return script;
  }
}
