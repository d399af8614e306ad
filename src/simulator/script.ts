/**
 * Chooses the reply for one generation request from the current script: a single reply, a list
 * walked turn by turn (by arrival or by conversation history), routes that send side requests
 * to their own replies, or a function of the request.
 */
import type {
  PlainScript,
  Reply,
  RecordedRequest,
  RequestMatch,
  RoutedScript,
  Script,
  TurnMode,
} from './types.js';

export const DEFAULT_TEXT = 'Hello from the Airlock simulator.';
export const DEFAULT_SCRIPT: Script = { reply: [{ text: DEFAULT_TEXT }] };
const DEFAULT_REPLY: Reply = { reply: [{ text: DEFAULT_TEXT }] };

/** What a script may look at in a request, each computed only when asked for. */
export interface RequestView {
  req: RecordedRequest;
  assistantTurns(): number;
  toolResultTurns(): number;
  model(): string;
  /** The string leaves of the JSON body, joined by "\n". */
  text(): string;
  /** The whole body as text, after undoing any Content-Encoding. */
  body(): string;
}

function pick(replies: Reply[], index: number): Reply {
  // Past the end, the last reply repeats; an empty list means the default answer.
  return replies[Math.min(index, replies.length - 1)] ?? DEFAULT_REPLY;
}

function turnIndex(mode: TurnMode | undefined, arrival: number, view: RequestView): number {
  switch (mode) {
    case 'history':
      return view.assistantTurns();
    case 'toolResults':
      return view.toolResultTurns();
    default:
      return arrival;
  }
}

function isRouted(script: Script): script is RoutedScript {
  return typeof script === 'object' && !Array.isArray(script) && 'routes' in script;
}

export class ScriptRunner {
  private script: Script;
  /** Arrival counters, one per plain (sub-)script, so each route walks its own turns. */
  private arrivals = new WeakMap<object, number>();
  private readonly patterns = new Map<string, RegExp>();

  constructor(script: Script = DEFAULT_SCRIPT) {
    this.script = script;
  }

  set(script: Script): void {
    this.script = script;
    this.reset();
  }

  reset(): void {
    this.arrivals = new WeakMap();
  }

  /** The reply for this request. */
  async next(view: RequestView): Promise<Reply> {
    const script = this.script;
    if (typeof script === 'function') return script(view.req);
    if (!isRouted(script)) return this.fromPlain(script, view);
    const route = script.routes.find((r) => this.matches(r.when, view));
    return this.fromPlain(route?.script ?? script.otherwise ?? DEFAULT_REPLY, view);
  }

  private fromPlain(script: PlainScript, view: RequestView): Reply {
    const arrival = this.arrivals.get(script) ?? 0;
    this.arrivals.set(script, arrival + 1);
    if (Array.isArray(script)) return pick(script, arrival);
    if ('turns' in script) return pick(script.turns, turnIndex(script.turnBy, arrival, view));
    return script;
  }

  private regex(source: string): RegExp {
    let re = this.patterns.get(source);
    if (re === undefined) {
      re = new RegExp(source, 'u');
      this.patterns.set(source, re);
    }
    return re;
  }

  private matches(when: RequestMatch, view: RequestView): boolean {
    if (when.path !== undefined && !this.regex(when.path).test(view.req.path)) return false;
    if (when.model !== undefined && !this.regex(when.model).test(view.model())) return false;
    if (when.body !== undefined && !this.regex(when.body).test(view.body())) return false;
    if (when.text !== undefined && !this.regex(when.text).test(view.text())) return false;
    return true;
  }
}
