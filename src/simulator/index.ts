/** The provider simulator's public surface (used by tests, benchmarks, `airlock simulate` and `airlock demo`). */
export { startSimulator } from './server.js';
export { DEFAULT_SCRIPT, DEFAULT_TEXT } from './script.js';
export { loadScriptFile, parseScript } from './script-file.js';
export type {
  AnswerReply,
  ArgValue,
  ErrorReply,
  FromRequest,
  HangReply,
  PlainScript,
  RecordedRequest,
  Reply,
  ReplyStep,
  RequestMatch,
  RoutedScript,
  ScriptRoute,
  Script,
  ScriptFunction,
  Simulator,
  SimulatorOptions,
  StreamErrorSpec,
  StreamShape,
  TextStep,
  ThinkingStep,
  ToolCallStep,
  TurnMode,
  TurnScript,
} from './types.js';
