/**
 * Generates the scan benchmark corpus: assistant transcripts and captures in the real record
 * shapes of test/fixtures/scan (Claude Code, Codex, Gemini CLI JSONL, HAR), whose bulk is real
 * text — source files of installed packages as tool results, the way real transcripts are
 * mostly file contents — with a fake secret or home path planted every few records.
 * Written file by file, streaming, so a 2 GB corpus never sits in memory.
 */
import { createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';

const ROOT = new URL('../', import.meta.url).pathname;

/** Real text to fill tool results with: TypeScript/JavaScript sources and docs from node_modules. */
function loadTextPool(limitBytes = 24 * 1024 * 1024): string[] {
  const dirs = [
    'node_modules/typescript/lib',
    'node_modules/undici/lib',
    'node_modules/zod',
    'node_modules/commander',
    'node_modules/yaml/dist',
    'node_modules/pino',
  ];
  const out: string[] = [];
  let total = 0;
  const walk = (dir: string, depth: number): void => {
    if (total >= limitBytes || depth > 4) return;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries.sort()) {
      const full = path.join(dir, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full, depth + 1);
      else if (/\.(ts|js|md|json)$/.test(name) && st.size > 2000 && st.size < 4 * 1024 * 1024) {
        out.push(readFileSync(full, 'utf8'));
        total += st.size;
      }
      if (total >= limitBytes) return;
    }
  };
  for (const d of dirs) walk(path.join(ROOT, d), 0);
  return out;
}

class Rng {
  constructor(private s: number) {}
  next(): number {
    this.s = (this.s * 1103515245 + 12345) & 0x7fffffff;
    return this.s / 0x7fffffff;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

const PLANTS = [
  (i: number) => `AWS_ACCESS_KEY_ID=AKIA${String(100000 + i).padStart(16, 'Q')}`,
  (i: number) => `token ghp_${String(i).padStart(6, '0')}R8x2Lq0Vd7Nw4Ks9Tb3Hm6Jc1Pf5Yz`,
  (i: number) => `cd /home/jdoe/work/project-${i} && npm test`,
  (i: number) => `contact jane.doe${i}@acme-corp.com`,
];

function chunk(pool: string[], rng: Rng, min: number, max: number): string {
  const src = pool[rng.int(pool.length)]!;
  const len = min + rng.int(max - min);
  const start = rng.int(Math.max(1, src.length - len));
  return src.slice(start, start + len);
}

type Shape = 'claude-code' | 'codex' | 'gemini-cli' | 'har';

function record(shape: Shape, i: number, pool: string[], rng: Rng): string {
  const ts = new Date(Date.UTC(2026, 9, 1) + i * 61_000).toISOString();
  const body = chunk(pool, rng, 2_000, 30_000) + (i % 7 === 0 ? `\n${PLANTS[i % PLANTS.length]!(i)}\n` : '');
  const prompt = `Please look at src/module-${i % 50}.ts and fix the failing test`;
  switch (shape) {
    case 'claude-code': {
      const base = {
        parentUuid: `p${i}`,
        isSidechain: false,
        userType: 'external',
        cwd: '/home/jdoe/work/acme',
        sessionId: 's-1',
        version: '2.1.197',
        gitBranch: 'main',
        timestamp: ts,
      };
      const kind = i % 3;
      if (kind === 0)
        return JSON.stringify({
          ...base,
          type: 'user',
          uuid: `u${i}`,
          message: { role: 'user', content: prompt },
        });
      if (kind === 1)
        return JSON.stringify({
          ...base,
          type: 'assistant',
          uuid: `a${i}`,
          message: {
            id: `msg_${i}`,
            type: 'message',
            role: 'assistant',
            model: 'claude-sonnet-4-5',
            content: [
              { type: 'text', text: 'Reading the file.' },
              {
                type: 'tool_use',
                id: `toolu_${i}`,
                name: 'Read',
                input: { file_path: `/home/jdoe/work/acme/src/module-${i % 50}.ts` },
              },
            ],
          },
        });
      // As the real CLI writes a Read result (test/fixtures/scan/real/claude-code.jsonl): the
      // file's text in the message sent to the model and again in `toolUseResult`, the local
      // UI's copy, which is not scanned but is in every byte of the line.
      const lines = body.split('\n').length;
      return JSON.stringify({
        ...base,
        type: 'user',
        uuid: `r${i}`,
        message: {
          role: 'user',
          content: [{ tool_use_id: `toolu_${i - 1}`, type: 'tool_result', content: body }],
        },
        toolUseResult: {
          type: 'text',
          file: {
            filePath: `/home/jdoe/work/acme/src/module-${(i - 1) % 50}.ts`,
            content: body,
            numLines: lines,
            startLine: 1,
            totalLines: lines,
          },
        },
      });
    }
    case 'codex': {
      if (i % 2 === 0)
        return JSON.stringify({
          timestamp: ts,
          type: 'response_item',
          payload: {
            type: 'function_call',
            name: 'shell',
            arguments: JSON.stringify({ command: ['bash', '-lc', `sed -n 1,400p src/module-${i % 50}.ts`] }),
            call_id: `call_${i}`,
          },
        });
      return JSON.stringify({
        timestamp: ts,
        type: 'response_item',
        payload: {
          type: 'function_call_output',
          call_id: `call_${i - 1}`,
          output: JSON.stringify({ output: body, metadata: { exit_code: 0, duration_seconds: 0.1 } }),
        },
      });
    }
    case 'gemini-cli':
      return JSON.stringify({
        id: `m${i}`,
        timestamp: ts,
        type: 'gemini',
        content: 'Done.',
        model: 'gemini-2.5-pro',
        toolCalls: [
          {
            id: `read-${i}`,
            name: 'read_file',
            args: { absolute_path: `/work/src/m${i}.ts` },
            result: [
              { functionResponse: { id: `read-${i}`, name: 'read_file', response: { output: body } } },
            ],
            status: 'success',
          },
        ],
      });
    case 'har': {
      const req = {
        model: 'claude-sonnet-4-5',
        max_tokens: 32000,
        system: [{ type: 'text', text: 'You are Claude Code.' }],
        messages: [
          { role: 'user', content: prompt },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: body }] },
        ],
        stream: true,
      };
      const sse = `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Looks fine.' } })}\n\n`;
      return JSON.stringify({
        startedDateTime: ts,
        time: 500,
        request: {
          method: 'POST',
          url: 'https://api.anthropic.com/v1/messages',
          httpVersion: 'HTTP/1.1',
          headers: [
            { name: 'user-agent', value: 'claude-cli/2.1.197 (external, cli)' },
            { name: 'x-stainless-os', value: 'Linux' },
          ],
          queryString: [],
          cookies: [],
          headersSize: -1,
          bodySize: -1,
          postData: { mimeType: 'application/json', text: JSON.stringify(req) },
        },
        response: {
          status: 200,
          statusText: 'OK',
          httpVersion: 'HTTP/1.1',
          headers: [],
          cookies: [],
          content: { size: sse.length, mimeType: 'text/event-stream', text: sse },
          redirectURL: '',
          headersSize: -1,
          bodySize: -1,
        },
        cache: {},
        timings: { send: 1, wait: 400, receive: 99 },
      });
    }
  }
}

async function writeFileOf(
  file: string,
  shape: Shape,
  bytes: number,
  pool: string[],
  rng: Rng,
  first: number,
): Promise<number> {
  const out = createWriteStream(file);
  let written = 0;
  let i = first;
  const write = async (s: string): Promise<void> => {
    written += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  if (shape === 'har')
    await write(
      '{\n  "log": {\n    "version": "1.2",\n    "creator": {"name": "bench", "version": "1"},\n    "entries": [\n',
    );
  let firstEntry = true;
  while (written < bytes) {
    const rec = record(shape, i, pool, rng);
    i += 1;
    if (shape === 'har') {
      await write(`${firstEntry ? '' : ',\n'}      ${rec}`);
      firstEntry = false;
    } else await write(`${rec}\n`);
  }
  if (shape === 'har') await write('\n    ]\n  }\n}\n');
  out.end();
  await once(out, 'finish');
  return i;
}

const SHAPES: { shape: Shape; name: (n: number) => string }[] = [
  { shape: 'claude-code', name: (n) => `claude/projects/-home-jdoe-work-acme/${n}.jsonl` },
  { shape: 'codex', name: (n) => `codex/sessions/2026/10/01/rollout-2026-10-01T00-00-00-${n}.jsonl` },
  { shape: 'gemini-cli', name: (n) => `gemini/tmp/abc/chats/session-2026-10-01T00-00-${n}.jsonl` },
  { shape: 'har', name: (n) => `captures/capture-${n}.har` },
];

/** Writes `files` files of about `fileBytes` each under `dir`, the shapes in turn. */
export async function generateCorpus(dir: string, files: number, fileBytes: number): Promise<number> {
  const pool = loadTextPool();
  const rng = new Rng(42);
  let total = 0;
  let index = 0;
  for (let n = 0; n < files; n += 1) {
    const { shape, name } = SHAPES[n % SHAPES.length]!;
    const file = path.join(dir, name(n));
    await mkdir(path.dirname(file), { recursive: true });
    index = await writeFileOf(file, shape, fileBytes, pool, rng, index);
    total += statSync(file).size;
  }
  return total;
}
