/**
 * `headers.user_agent: reduce`: keep what identifies the client (product and version, which
 * providers use for compatibility), drop what fingerprints the machine (OS, architecture,
 * runtime and their versions). `claude-cli/2.0.14 (external, cli)` stays as it is;
 * `GeminiCLI/0.1.5 (darwin; arm64) gl-node/v20.11.1` becomes `GeminiCLI/0.1.5`.
 */

/** Comments (`(...)`) naming an OS, an architecture or a runtime. */
const MACHINE_COMMENT =
  /darwin|linux|windows|win32|win64|mac ?os|macintosh|os x|ubuntu|debian|fedora|x86|x64|amd64|arm64|aarch64|node|bun|deno|python|kernel/i;

/** Product tokens that are a runtime or an OS, not the client. */
const MACHINE_PRODUCT =
  /^(?:gl-)?(?:node(?:\.js)?|nodejs|bun|deno|v8|python|cpython|pypy|go|openssl|darwin|linux|win32|windows|ubuntu)\//i;

export function reduceUserAgent(value: string): string {
  const tokens = value.match(/\([^)]*\)?|[^\s()]+/g) ?? [];
  const kept = tokens.filter((t) =>
    t.startsWith('(') ? !MACHINE_COMMENT.test(t) : !MACHINE_PRODUCT.test(t),
  );
  const reduced = kept.join(' ');
  return reduced === '' ? (value.split(/[\s(]/)[0] ?? value) : reduced;
}
