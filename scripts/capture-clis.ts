/**
 * Captures real-shaped requests from the real assistant CLIs for the detection evaluation:
 * each CLI runs against the provider simulator (loopback only) in a made-up environment and is
 * asked to read the project's `.env`; every request the simulator received is saved with the
 * list of planted values it must not leak.
 *   node --import tsx scripts/capture-clis.ts [claude|codex|gemini|qwen ...]
 * Writes test/fixtures/captures/<cli>.json.
 */
import { writeFileSync } from 'node:fs';
import { startSimulator } from '../src/simulator/index.js';
import type { RecordedRequest, Reply } from '../src/simulator/types.js';
import { CLIS, jsonForSchema, runCli, type CliName } from '../test/helpers/cli-runs.js';
import { makeFakeEnv } from '../test/helpers/fake-env.js';

interface ToolDef {
  name: string;
  schema: { properties?: Record<string, unknown>; required?: string[] };
}

/** Tool definitions in any of the three request shapes. */
function tools(body: Record<string, unknown>): ToolDef[] {
  const out: ToolDef[] = [];
  for (const t of (body.tools as Record<string, unknown>[] | undefined) ?? []) {
    const fn = (t.function as Record<string, unknown> | undefined) ?? t;
    if (typeof fn.name === 'string') {
      out.push({ name: fn.name, schema: (fn.input_schema ?? fn.parameters ?? {}) as ToolDef['schema'] });
    }
    for (const d of (t.functionDeclarations as Record<string, unknown>[] | undefined) ?? []) {
      out.push({
        name: String(d.name),
        schema: (d.parameters ?? d.parametersJsonSchema ?? {}) as ToolDef['schema'],
      });
    }
  }
  return out;
}

export function readEnvScript(project: string): (req: RecordedRequest) => Reply {
  return (req) => {
    const body = (req.json ?? {}) as Record<string, unknown>;
    const config = body.generationConfig as
      { responseMimeType?: string; responseJsonSchema?: unknown; responseSchema?: unknown } | undefined;
    if (config?.responseMimeType === 'application/json') {
      return {
        reply: [
          { text: JSON.stringify(jsonForSchema(config.responseJsonSchema ?? config.responseSchema ?? {})) },
        ],
      };
    }
    const text = req.body.toString();
    const alreadyRead =
      text.includes('AWS_ACCESS_KEY_ID') ||
      /tool_result|function_call_output|functionResponse|"role":"tool"/.test(text);
    const reader = tools(body).find((t) => /^(Read|read_file)$/.test(t.name));
    const shell = tools(body).find((t) => /^(shell|exec_command|local_shell)$/.test(t.name));
    if (!alreadyRead && reader) {
      const param = reader.schema.required?.[0] ?? 'file_path';
      return { reply: [{ toolCall: { name: reader.name, args: { [param]: `${project}/.env` } } }] };
    }
    if (!alreadyRead && shell) {
      const param = shell.schema.required?.[0] ?? 'command';
      const value =
        shell.schema.properties?.[param] &&
        (shell.schema.properties[param] as { type?: string }).type === 'string'
          ? 'cat .env'
          : ['cat', '.env'];
      return { reply: [{ toolCall: { name: shell.name, args: { [param]: value, workdir: project } } }] };
    }
    return { reply: [{ text: 'I read the .env file; it holds AWS, GitHub and Stripe settings.' }] };
  };
}

async function capture(cli: CliName): Promise<void> {
  const fe = makeFakeEnv();
  const sim = await startSimulator({ script: readEnvScript(fe.project) });
  try {
    const result = await runCli(
      cli,
      'Read the .env file in this project and tell me which services it configures.',
      sim.urls,
      fe,
    );
    const requests = sim.received.map((r) => ({
      method: r.method,
      path: r.path,
      headers: r.headers,
      body: r.json ?? r.body.toString('utf8'),
    }));
    const leaked = fe.planted.filter((p) => sim.received.some((r) => r.body.toString().includes(p)));
    process.stdout.write(
      `${cli}: exit ${result.code}, ${requests.length} requests, planted values present: ${leaked.length}\n`,
    );
    if (result.code !== 0) process.stdout.write(result.output.slice(-2000) + '\n');
    writeFileSync(
      `test/fixtures/captures/${cli}.json`,
      `${JSON.stringify(
        {
          cli,
          capturedAt: new Date().toISOString(),
          exitCode: result.code,
          planted: {
            home: fe.home,
            user: fe.user,
            host: fe.host,
            gitName: fe.gitName,
            gitEmail: fe.gitEmail,
            proxyPassword: fe.proxyPassword,
            ...fe.keys,
          },
          requests,
        },
        null,
        1,
      )}\n`,
    );
  } finally {
    await sim.close();
    fe.cleanup();
  }
}

const selected = process.argv.slice(2) as CliName[];
for (const cli of selected.length > 0 ? selected : CLIS) await capture(cli);
