/**
 * `airlock run` as a user starts it (a real process), around stand-in assistants that report
 * what they could reach. All destinations are loopback or refused; nothing leaves the machine.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator/index.js';
import { closeServer, listen, startEcho } from '../egress/helpers.js';
import { baseEnv, fixture, NO_GATEWAY, runCli, startCli, tempDir } from './helpers.js';

let echo: Awaited<ReturnType<typeof startEcho>>;
before(async () => {
  echo = await startEcho();
});
after(async () => {
  await echo.close();
});

interface ProbeOut {
  gateway: string;
  anthropic: string;
  telemetry: string;
  other?: string;
  noProxy: string;
  proxy: string;
}

function probeOutput(stdout: string): ProbeOut {
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `probe printed its JSON line: ${stdout}`);
  return JSON.parse(line) as ProbeOut;
}

/** `airlock run` with its own gateway around the probe, which also tries `other` and exits with `args[1]`. */
function runProbe(dataDir: string, args: string[], env: NodeJS.ProcessEnv) {
  return runCli(
    [
      'run',
      '--gateway',
      NO_GATEWAY,
      '--data-dir',
      dataDir,
      '--',
      process.execPath,
      fixture('egress-probe.mjs'),
      ...args,
    ],
    env,
  );
}

test('the command reaches the gateway, provider and telemetry hosts are refused, the exit code passes through', async () => {
  const dataDir = tempDir();
  const r = await runProbe(dataDir, [`127.0.0.1:${echo.port}`, '5'], baseEnv());
  assert.equal(r.code, 5, r.stderr);
  const out = probeOutput(r.stdout);
  assert.equal(out.gateway, '200', 'the in-process gateway answers at ANTHROPIC_BASE_URL');
  assert.equal(out.anthropic, '403');
  assert.equal(out.telemetry, '403');
  assert.equal(out.other, '200', 'other destinations pass in the default profile');
  assert.equal(out.noProxy, '127.0.0.1,localhost,::1');
  assert.match(
    r.stderr,
    /airlock: refused api\.anthropic\.com:443, http-intake\.logs\.us5\.datadoghq\.com:443 \(details in .*run\.log\)/,
  );
  const log = readFileSync(join(dataDir, 'run.log'), 'utf8');
  assert.match(
    log,
    /"decision":"deny".*"host":"api\.anthropic\.com"|"host":"api\.anthropic\.com".*"decision":"deny"/,
  );
  assert.match(log, /"userAgent":"probe\/1"/);
  assert.match(log, /"inProcess":true/);
});

test('an environment that picks a cloud provider is told so before the command runs, and its host is refused', async () => {
  const r = await runProbe(
    tempDir(),
    ['bedrock-runtime.us-east-1.amazonaws.com:443'],
    baseEnv({ CLAUDE_CODE_USE_BEDROCK: '1', ANTHROPIC_BEDROCK_BASE_URL: `http://127.0.0.1:${echo.port}` }),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    probeOutput(r.stdout).other,
    '403',
    'the Bedrock runtime host is refused (built-in @model-apis)',
  );
  assert.match(
    r.stderr,
    /airlock: CLAUDE_CODE_USE_BEDROCK is set: Claude Code calls Amazon Bedrock\. The egress proxy refuses/,
  );
  assert.match(r.stderr, /refused .*bedrock-runtime\.us-east-1\.amazonaws\.com:443/);
  assert.ok(
    r.stderr.indexOf('CLAUDE_CODE_USE_BEDROCK') < r.stderr.indexOf('refused bedrock'),
    'the notice comes first',
  );
});

test('--strict-egress refuses everything not allowed, the gateway stays reachable', async () => {
  const r = await runCli(
    [
      'run',
      '--strict-egress',
      '-q',
      '--gateway',
      NO_GATEWAY,
      '--data-dir',
      tempDir(),
      '--',
      process.execPath,
      fixture('egress-probe.mjs'),
      `127.0.0.1:${echo.port}`,
    ],
    baseEnv(),
  );
  assert.equal(r.code, 0, r.stderr);
  const out = probeOutput(r.stdout);
  assert.deepEqual([out.gateway, out.anthropic, out.telemetry, out.other], ['200', '403', '403', '403']);
  assert.doesNotMatch(r.stderr, /refused/, '--quiet: no summary');
});

test('a gateway that answers at --gateway is used instead of starting one', async () => {
  const seen: string[] = [];
  const fake = createHttpServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url === '/healthz')
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    else res.writeHead(204).end();
  });
  const port = await listen(fake);
  try {
    const dataDir = tempDir();
    const r = await runCli(
      [
        'run',
        '--gateway',
        `http://127.0.0.1:${port}`,
        '--data-dir',
        dataDir,
        '--',
        process.execPath,
        fixture('egress-probe.mjs'),
      ],
      baseEnv(),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(probeOutput(r.stdout).gateway, '204');
    assert.deepEqual(seen, ['GET /healthz', 'HEAD /anthropic']);
    assert.match(readFileSync(join(dataDir, 'run.log'), 'utf8'), /"inProcess":false/);
  } finally {
    await closeServer(fake);
  }
});

test("the user's HTTPS_PROXY becomes Airlock's upstream; the child never sees its credentials", async () => {
  const corpSeen: { target: string; auth?: string }[] = [];
  const corpSockets = new Set<Socket>();
  const corp = createHttpServer((_req, res) => res.writeHead(405).end());
  corp.on('connect', (req: IncomingMessage, socket: Socket) => {
    corpSeen.push({ target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    corpSockets.add(socket);
    const out = connect({ host: '127.0.0.1', port: echo.port }, () => {
      socket.write('HTTP/1.1 200 OK\r\n\r\n');
      socket.pipe(out).pipe(socket);
    });
    out.on('error', () => socket.destroy());
    socket.on('error', () => out.destroy());
  });
  const port = await listen(corp);
  try {
    const dataDir = tempDir();
    const r = await runCli(
      [
        'run',
        '--gateway',
        NO_GATEWAY,
        '--data-dir',
        dataDir,
        '--',
        process.execPath,
        fixture('egress-probe.mjs'),
        'pkg.example.test:443',
      ],
      baseEnv({ HTTPS_PROXY: `http://dev:Corp-Secret-9@127.0.0.1:${port}` }),
    );
    assert.equal(r.code, 0, r.stderr);
    const out = probeOutput(r.stdout);
    assert.equal(out.other, '200');
    assert.match(out.proxy, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(out.proxy, `http://127.0.0.1:${port}`);
    assert.deepEqual(corpSeen, [
      {
        target: 'pkg.example.test:443',
        auth: `Basic ${Buffer.from('dev:Corp-Secret-9').toString('base64')}`,
      },
    ]);
    const log = readFileSync(join(dataDir, 'run.log'), 'utf8');
    assert.doesNotMatch(log + r.stderr + r.stdout, /Corp-Secret-9|ZGV2OkNvcnAtU2VjcmV0LTk/);
    assert.match(log, /"route":"upstream-proxy"/);
  } finally {
    for (const s of corpSockets) s.destroy();
    await closeServer(corp);
  }
});

test("a tool's own proxy variable is Airlock's too: npm's reaches the egress proxy, which uses it as upstream", async () => {
  const corpSeen: string[] = [];
  const corpSockets = new Set<Socket>();
  const corp = createHttpServer((_req, res) => res.writeHead(405).end());
  corp.on('connect', (req: IncomingMessage, socket: Socket) => {
    corpSeen.push(req.url ?? '');
    corpSockets.add(socket);
    const out = connect({ host: '127.0.0.1', port: echo.port }, () => {
      socket.write('HTTP/1.1 200 OK\r\n\r\n');
      socket.pipe(out).pipe(socket);
    });
    out.on('error', () => socket.destroy());
    socket.on('error', () => out.destroy());
  });
  const port = await listen(corp);
  const corpUrl = `http://dev:Corp-Secret-9@127.0.0.1:${port}`;
  try {
    const dataDir = tempDir();
    const r = await runCli(
      [
        'run',
        '--gateway',
        NO_GATEWAY,
        '--data-dir',
        dataDir,
        '--',
        process.execPath,
        '-e',
        `const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => /proxy/i.test(k)));
         const s = require('net').connect(Number(new URL(env.npm_config_https_proxy).port), '127.0.0.1');
         s.write('CONNECT registry.example.test:443 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n');
         s.once('data', (d) => { console.log(JSON.stringify({ env, status: d.toString().split(' ')[1] })); s.destroy(); });`,
      ],
      baseEnv({ npm_config_https_proxy: corpUrl, YARN_HTTPS_PROXY: corpUrl, npm_config_noproxy: '*' }),
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { env: Record<string, string>; status: string };
    assert.match(out.env.npm_config_https_proxy!, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(out.env.YARN_HTTPS_PROXY, out.env.HTTPS_PROXY);
    assert.equal(out.env.npm_config_https_proxy, out.env.HTTPS_PROXY);
    assert.equal(out.env.npm_config_noproxy, '127.0.0.1,localhost,::1');
    assert.doesNotMatch(JSON.stringify(out.env), new RegExp(`Corp-Secret-9|:${port}\\b`));
    assert.equal(out.status, '200');
    assert.deepEqual(corpSeen, ['registry.example.test:443'], 'the egress proxy went on through it');
    assert.match(readFileSync(join(dataDir, 'run.log'), 'utf8'), /"host":"registry\.example\.test"/);
  } finally {
    for (const s of corpSockets) s.destroy();
    await closeServer(corp);
  }
});

test('an inherited proxy URL Airlock cannot use stops the run, naming the variable', async () => {
  for (const [name, value] of [
    ['HTTPS_PROXY', 'https://dev:Corp-Secret-9@127.0.0.1:1'],
    ['http_proxy', 'http://dev:Corp-Secret-9@[bad'],
  ] as const) {
    const r = await runCli(
      ['run', '--gateway', NO_GATEWAY, '--data-dir', tempDir(), '--', process.execPath, '-e', ''],
      baseEnv({ [name]: value }),
    );
    assert.equal(r.code, 2, name);
    assert.match(
      r.stderr,
      new RegExp(`^airlock: ${name} \\(.*\\) cannot be Airlock's outbound proxy: `),
      name,
    );
    assert.doesNotMatch(r.stderr, /Corp-Secret-9/);
  }
});

test('exit codes: plain, killed by a signal, command not found', async () => {
  const env = baseEnv();
  const common = ['run', '-q', '--gateway', NO_GATEWAY, '--data-dir', tempDir(), '--'];
  assert.equal((await runCli([...common, process.execPath, '-e', 'process.exit(7)'], env)).code, 7);
  assert.equal(
    (await runCli([...common, process.execPath, '-e', "process.kill(process.pid, 'SIGKILL')"], env)).code,
    137,
  );
  const missing = await runCli([...common, 'airlock-no-such-command-x'], env);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /airlock: airlock-no-such-command-x: command not found/);
  // Options after COMMAND belong to the command.
  const passthrough = await runCli(
    [
      'run',
      '-q',
      '--gateway',
      NO_GATEWAY,
      '--data-dir',
      tempDir(),
      process.execPath,
      '-e',
      'console.log(process.argv.slice(1).join(" "))',
      '--',
      '--help',
      '-q',
    ],
    env,
  );
  assert.equal(passthrough.code, 0, passthrough.stderr);
  assert.equal(passthrough.stdout.trim(), '--help -q');
});

test('SIGTERM and (without a terminal) SIGINT sent to airlock reach the command', async () => {
  for (const [signal, code] of [
    ['SIGTERM', 42],
    ['SIGINT', 43],
    ['SIGHUP', 44],
  ] as const) {
    const run = startCli(
      [
        'run',
        '-q',
        '--gateway',
        NO_GATEWAY,
        '--data-dir',
        tempDir(),
        '--',
        process.execPath,
        fixture('signals.mjs'),
      ],
      baseEnv(),
    );
    await run.waitFor('ready');
    run.child.kill(signal);
    const r = await run.done;
    assert.equal(r.code, code, `${signal}: ${r.stderr}`);
    assert.equal(r.stdout.match(/got SIG/g)?.length, 1, `${signal} delivered once`);
    assert.match(r.stdout, new RegExp(`got ${signal}`));
  }
});

test("an in-process gateway reaches remote upstreams through the user's proxy", async () => {
  const sim = await startSimulator({ script: { reply: [{ text: 'answer via the corporate proxy' }] } });
  const corpSeen: { target: string; auth?: string }[] = [];
  const corpSockets = new Set<Socket>();
  // The "corporate proxy" hands every tunnel to the simulator: the made-up upstream host is
  // never resolved or dialled.
  const corp = createHttpServer((req, res) => {
    corpSeen.push({ target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    res.writeHead(405).end();
  });
  corp.on('connect', (req: IncomingMessage, socket: Socket) => {
    corpSeen.push({ target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    corpSockets.add(socket);
    const out = connect({ host: '127.0.0.1', port: sim.port }, () => {
      socket.write('HTTP/1.1 200 OK\r\n\r\n');
      socket.pipe(out).pipe(socket);
    });
    out.on('error', () => socket.destroy());
    socket.on('error', () => out.destroy());
  });
  const port = await listen(corp);
  const call =
    "fetch(process.env.ANTHROPIC_BASE_URL + '/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'claude-test', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }) }).then((r) => r.text()).then((t) => console.log(t))";
  try {
    const r = await runCli(
      ['run', '-q', '--gateway', NO_GATEWAY, '--data-dir', tempDir(), '--', process.execPath, '-e', call],
      baseEnv({
        HTTPS_PROXY: `http://dev:Corp-Secret-9@127.0.0.1:${port}`,
        AIRLOCK_UPSTREAM_ANTHROPIC: 'http://api.corp-upstream.example.test:8080',
      }),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /answer via the corporate proxy/);
    assert.deepEqual(corpSeen, [
      {
        target: 'api.corp-upstream.example.test:8080',
        auth: `Basic ${Buffer.from('dev:Corp-Secret-9').toString('base64')}`,
      },
    ]);
    assert.equal(sim.received.length, 1);
  } finally {
    for (const s of corpSockets) s.destroy();
    await closeServer(corp);
    await sim.close();
  }
});
