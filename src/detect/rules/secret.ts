/**
 * Secrets: credentials that give access to something. Vendor rules key on the vendor's own
 * prefix (AKIA, ghp_, sk-ant-, xoxb-...); generic rules need a secret-looking name and a value
 * that looks random. Published example values are never findings.
 */
import type { RuleDef } from '../rule-types.js';
import {
  base64Text,
  charClasses,
  isBase64Credentials,
  isBase64PemPrivateKey,
  isPlaceholder,
  KNOWN_EXAMPLES,
  looksRandom,
} from '../validators.js';

const r = String.raw;

// Sample values are assembled at load so that no complete key-shaped literal sits in the source.
const rep = (s: string, n: number): string => s.repeat(Math.ceil(n / s.length)).slice(0, n);
const B62 = 'q7Zk2LmX9vTb4RcW8nYp3HsJ6fGd1AeQ5uKo0iVxB';
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const pem = (label: string, lead: string, lines: number): string =>
  `-----BEGIN ${label}-----\n` +
  rep(lead + B62, 64 * lines).replace(/(.{64})/g, '$1\n') +
  `-----END ${label}-----\n`;

export const secretRules: readonly RuleDef[] = [
  {
    id: 'secret.aws-access-key',
    category: 'secret',
    severity: 'critical',
    kind: 'aws-access-key',
    description: 'An AWS access key id (AKIA/ASIA/ABIA/ACCA + 16 characters).',
    keywords: ['akia', 'asia', 'abia', 'acca'],
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![A-Za-z0-9](?<!(?<!\\)\\[nt]))(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])`,
    deny: KNOWN_EXAMPLES,
    // Documentation's placeholders (AKIAXXXXXXXXXXXXXXXX, AKIAEXAMPLE...): 16 random characters
    // of 32 have more than three distinct ones and no run of five X but once in millions.
    validate: (v) => !v.endsWith('EXAMPLE') && !/X{5}/.test(v) && new Set(v.slice(4)).size > 3,
    samples: {
      tp: [
        'AWS_ACCESS_KEY_ID=AKIA' + 'Q3ZK7XWPL2M4RTV6',
        ['key ASIA' + 'ZZ3K7XWPL2M4RTV6.', 'ASIAZZ3K7XWPL2M4RTV6'],
      ],
      fp: [
        'AKIAIOSFODNN7EXAMPLE',
        'AKIA' + 'Q3ZK7XWPL2M4RTV',
        'Asia/Tokyo',
        'AWS keys look like AKIAXXXXXXXXXXXXXXXX (AKIA + 16 chars)',
        'AKIA' + 'ABABABABABABABAB',
        'ASIA' + 'Q3ZK7XWPLXXXXXV6',
      ],
    },
  },
  {
    id: 'secret.aws-secret-key',
    category: 'secret',
    severity: 'critical',
    kind: 'aws-secret-key',
    description: 'An AWS secret access key after its name (aws_secret_access_key =, "SecretAccessKey":).',
    keywords: ['aws_', 'secret'],
    pattern: r`(?:aws_)?(?:secret_access_key|SecretAccessKey|secret_key|secret)(?:\\?["'])?\s*(?:[:=]|=>)\s*(?:\\?["'])?(?<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
    flags: 'i',
    deny: KNOWN_EXAMPLES,
    validate: (v) => !v.endsWith('EXAMPLEKEY') && looksRandom(v, 40),
    samples: {
      tp: [
        [
          'aws_secret_access_key = ' + rep('Zk2Lm/X9vTb4Rc+W8nYp3HsJ6f', 40),
          rep('Zk2Lm/X9vTb4Rc+W8nYp3HsJ6f', 40),
        ],
      ],
      fp: [
        'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        'secret_access_key: ' + 'a'.repeat(40),
      ],
    },
  },
  {
    id: 'secret.gcp-service-account',
    category: 'secret',
    severity: 'critical',
    kind: 'token',
    description:
      'The private key id of a Google service-account JSON file (its PEM key is reported by secret.private-key).',
    keywords: ['private_key_id'],
    pattern: r`private_key_id\\?["']\s*:\s*\\?["'](?<v>[0-9a-f]{40})`,
    samples: {
      tp: [['"private_key_id": "' + rep('3f9a1c0b7e', 40) + '"', rep('3f9a1c0b7e', 40)]],
      fp: ['"private_key_id": ""', 'private_key_id: string'],
    },
  },
  {
    id: 'secret.google-api-key',
    category: 'secret',
    severity: 'critical',
    kind: 'google-api-key',
    description: 'A Google API key (AIza + 35 characters).',
    keywords: ['aiza'],
    pattern: r`(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])`,
    validate: (v) => !/EXAMPLE|XXXXX/i.test(v),
    samples: { tp: ['key=AIza' + rep('SyB4' + B62, 35)], fp: ['AIza' + 'X'.repeat(35), 'AIzaShort'] },
  },
  {
    id: 'secret.azure-storage-key',
    category: 'secret',
    severity: 'critical',
    kind: 'token',
    description: 'An Azure storage account key in a connection string (AccountKey=...).',
    keywords: ['accountkey='],
    pattern: r`AccountKey=(?<v>[A-Za-z0-9+/]{86}==)`,
    samples: {
      tp: ['DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=' + rep(B62 + '+/', 86) + '==;'],
      fp: ['AccountKey=<key>', 'AccountKey=;'],
    },
  },
  {
    id: 'secret.azure-client-secret',
    category: 'secret',
    severity: 'critical',
    kind: 'token',
    description: 'An Entra ID (Azure AD) client secret (xxx8Q~...).',
    keywords: [r`\dq~`],
    lookback: 3,
    pattern: r`(?<![\w~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![\w~.-])`,
    samples: { tp: ['client_secret=abc8Q~' + rep(B62, 34)], fp: ['8Q~ short', 'abc8Q~tooShort'] },
  },
  {
    id: 'secret.github-token',
    category: 'secret',
    severity: 'critical',
    kind: 'github-token',
    description: 'A GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_).',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    pattern: r`(?<![\w])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{80,100})(?![\w])`,
    validate: (v) => !/x{10}|X{10}/.test(v),
    samples: {
      tp: ['GITHUB_TOKEN=ghp_' + rep(B62, 36), 'token: github_pat_' + rep('11AB' + B62 + '_', 82)],
      fp: ['ghp_' + 'x'.repeat(36), 'ghp_short'],
    },
  },
  {
    id: 'secret.gitlab-token',
    category: 'secret',
    severity: 'critical',
    kind: 'gitlab-token',
    description: 'A GitLab token (glpat-, glptt-, gldt-, glrt-, gloas-).',
    keywords: ['glpat-', 'glptt-', 'gldt-', 'glrt-', 'gloas-'],
    pattern: r`(?<![\w-])(?:glpat|glptt|gldt|glrt|gloas)-[A-Za-z0-9_-]{20,64}(?![\w-])`,
    validate: (v) => !/x{10}/i.test(v),
    samples: { tp: ['CI_TOKEN=glpat-' + rep(B62, 20)], fp: ['glpat-xxxxxxxxxxxxxxxxxxxx', 'glpat-short'] },
  },
  {
    id: 'secret.anthropic-key',
    category: 'secret',
    severity: 'critical',
    kind: 'anthropic-key',
    description: 'An Anthropic API or admin key (sk-ant-api03-..., sk-ant-admin01-...).',
    keywords: ['sk-ant-'],
    pattern: r`(?<![\w-])sk-ant-(?:api|admin|oat|ort)\d{2}-[A-Za-z0-9_-]{32,120}(?![\w-])`,
    validate: (v) => !/x{12}|X{12}|\.\.\./.test(v),
    samples: {
      tp: ['ANTHROPIC_API_KEY=sk-ant-api03-' + rep(B62 + '-_', 93) + 'AA'],
      fp: ['sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'sk-ant-...'],
    },
  },
  {
    id: 'secret.openai-key',
    category: 'secret',
    severity: 'critical',
    kind: 'openai-key',
    description:
      'An OpenAI API key (sk-proj-, sk-svcacct-, sk-admin-, or the legacy sk-...T3BlbkFJ... form).',
    keywords: ['sk-proj-', 'sk-svcacct-', 'sk-admin-', 't3blbkfj'],
    lookback: 24,
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w-](?<!(?<!\\)\\[nt]))(?:sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,200}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})(?![\w-])`,
    validate: (v) => !/x{12}|X{12}/.test(v),
    samples: {
      tp: [
        'OPENAI_API_KEY=sk-proj-' + rep(B62 + '_-', 120),
        'sk-' + rep(B62, 20) + 'T3BlbkFJ' + rep(B62, 20),
      ],
      fp: ['sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'task-proj-setup'],
    },
  },
  {
    id: 'secret.slack-token',
    category: 'secret',
    severity: 'critical',
    kind: 'slack-token',
    description: 'A Slack token (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xapp-) or incoming-webhook URL.',
    keywords: ['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxe', 'xapp-', 'hooks.slack.com/services/'],
    pattern: r`(?<![\w-])(?:xox[baprse](?:\.xox[be])?-[0-9A-Za-z-]{10,250}|xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+|hooks\.slack\.com/services/T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{20,32})(?![\w-])`,
    validate: (v) => !/x{10}|X{10}/.test(v.slice(5)),
    samples: {
      tp: [
        'SLACK_BOT_TOKEN=xoxb-2468013579-1357924680-' + rep(B62, 24),
        'https://hooks.slack.com/services/T01ABCD2E/B02FGHI3J/' + rep(B62, 24),
      ],
      fp: ['xoxb-xxxxxxxxxxxxxxxxxxxx', 'xoxb-'],
    },
  },
  {
    id: 'secret.discord-webhook',
    category: 'secret',
    severity: 'critical',
    kind: 'token',
    description:
      'The token of a Discord webhook URL (discord.com/api/webhooks/<id>/<token>): the host, path and id stay.',
    keywords: ['discord.com/api/', 'discordapp.com/api/'],
    pattern: r`(?<![\w-])discord(?:app)?\.com/api/(?:v\d{1,2}/)?webhooks/\d{17,20}/(?<v>[A-Za-z0-9_-]{60,100})(?![\w-])`,
    validate: (v) => !/x{10}|X{10}/.test(v) && !isPlaceholder(v) && looksRandom(v, 60),
    samples: {
      tp: [
        [
          'DISCORD_WEBHOOK=https://discord.com/api/webhooks/123456789012345678/' + rep(B62 + '_-', 68),
          rep(B62 + '_-', 68),
        ],
        [
          'curl -X POST https://discordapp.com/api/webhooks/987654321098765432/' +
            rep('Ab-' + B62, 68) +
            ' -d @msg.json',
          rep('Ab-' + B62, 68),
        ],
      ],
      fp: [
        'https://discord.com/api/webhooks/123456789012345678/' + 'x'.repeat(68),
        'https://discord.com/api/webhooks/{webhook.id}/{webhook.token}',
        'https://discord.com/api/webhooks/123456789012345678/short-token',
      ],
    },
  },
  {
    id: 'secret.pypi-token',
    category: 'secret',
    severity: 'critical',
    kind: 'token',
    description:
      'A PyPI or TestPyPI API token (pypi-AgEI... / pypi-AgEN...: a base64url macaroon for pypi.org or test.pypi.org).',
    keywords: ['pypi-agei', 'pypi-agen'],
    pattern: r`(?<![\w-])pypi-AgE[IN][A-Za-z0-9_-]{50,500}(?![\w-])`,
    validate: (v) => !/x{10}/i.test(v) && looksRandom(v.slice(9), 40),
    samples: {
      tp: [
        'password = pypi-AgEIcHlwaS5vcmc' + rep('CJDU' + B62 + '_-', 160),
        [
          'TWINE_PASSWORD="pypi-AgENdGVzdC5weXBpLm9yZw' + rep(B62, 120) + '"',
          'pypi-AgENdGVzdC5weXBpLm9yZw' + rep(B62, 120),
        ],
      ],
      fp: [
        'pypi-AgEIcHlwaS5vcmc' + 'X'.repeat(60),
        'pypi-AgEIcHlwaS5vcmc...',
        'pip install pypi-agent-tools',
      ],
    },
  },
  {
    id: 'secret.stripe-key',
    category: 'secret',
    severity: 'critical',
    kind: 'stripe-key',
    description:
      'A Stripe secret or restricted key (sk_live_, sk_test_, rk_live_, rk_test_) or webhook secret (whsec_).',
    keywords: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_', 'whsec_'],
    pattern: r`(?<![\w])(?:[sr]k_(?:live|test)_[0-9a-zA-Z]{24,247}|whsec_[0-9a-zA-Z]{32,64})(?![\w])`,
    deny: KNOWN_EXAMPLES,
    validate: (v) => !/x{10}/i.test(v),
    samples: {
      tp: ['STRIPE_SECRET_KEY=sk_live_' + rep('51Hq' + B62, 99)],
      fp: ['sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_xxxxxxxxxxxxxxxxxxxxxxxx'],
    },
  },
  {
    id: 'secret.npm-token',
    category: 'secret',
    severity: 'critical',
    kind: 'npm-token',
    description: 'An npm access token (npm_ + 36) or an _authToken line of an .npmrc.',
    keywords: ['npm_', '_authtoken'],
    pattern: r`(?:(?<![\w])npm_[A-Za-z0-9]{36}(?![\w])|_authToken\s*=\s*(?<v>[A-Za-z0-9_./+=-]{20,200}))`,
    validate: (v) => !v.startsWith('$') && !/x{10}/i.test(v) && (v.startsWith('npm_') || looksRandom(v, 20)),
    samples: {
      tp: [
        'NPM_TOKEN=npm_' + rep(B62, 36),
        [
          '//registry.npmjs.org/:_authToken=3f9a1c0b-7e2d-4a6b-9c8d-1e2f3a4b5c6d',
          '3f9a1c0b-7e2d-4a6b-9c8d-1e2f3a4b5c6d',
        ],
      ],
      fp: ['//registry.npmjs.org/:_authToken=${NPM_TOKEN}', 'npm_config_cache'],
    },
  },
  {
    id: 'secret.npmrc-auth',
    category: 'secret',
    severity: 'critical',
    kind: 'password',
    description:
      'An .npmrc _auth (base64 of user:password) or _password (base64 of a password) line, global or per registry (//host/:_auth=).',
    keywords: ['_auth', '_password'],
    pattern: r`(?<=(?:^|[\r\n:]|\\n)[ \t]{0,40})_(?:auth|password)[ \t]*=[ \t]*(?<v>[A-Za-z0-9+/]{4,1000}={0,2})(?=[\s"']|\\[nr]|$)`,
    validate: (v, ctx) => {
      if (ctx.text.startsWith('_auth', ctx.matchStart)) return isBase64Credentials(v);
      const password = base64Text(v);
      return (
        password !== undefined && password.length >= 4 && !/\s/.test(password) && !isPlaceholder(password)
      );
    },
    samples: {
      tp: [
        ['//registry.npmjs.org/:_auth=' + b64('dave:S3cretPass2024!'), b64('dave:S3cretPass2024!')],
        [
          '//registry.example.com/:username=dave\n//registry.example.com/:_password=' + b64('S3cretPass'),
          b64('S3cretPass'),
        ],
        [
          'registry=https://npm.acme.lan/\n_auth = ' + b64('ci-bot:Xk29!fq7Lm') + '\nalways-auth=true',
          b64('ci-bot:Xk29!fq7Lm'),
        ],
      ],
      fp: [
        '//registry.npmjs.org/:_auth=${NPM_AUTH}',
        '//registry.npmjs.org/:_auth=' + b64('user:password'),
        '//registry.npmjs.org/:_password=' + b64('changeme'),
        '    self._password = password',
        '_auth = True',
        '_password = hash_pw(raw)',
      ],
    },
  },
  {
    id: 'secret.private-key',
    category: 'secret',
    severity: 'critical',
    kind: 'private-key',
    description:
      'A private key block (PEM: RSA, EC, DSA, PKCS#8, encrypted; OpenSSH; PGP), also JSON-escaped.',
    keywords: ['-----begin'],
    pattern: r`-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]{0,16000}?-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----|(?:\\[nr]|[\sA-Za-z0-9+/=:-]){64,16000})`,
    validate: (v) =>
      (v.match(/[A-Za-z0-9+/]/g) ?? []).length >= 120 &&
      !/\.\.\.|<[^>]*>/.test(v.slice(0, 200).replace(/-----[^-]*-----/g, '')),
    samples: {
      tp: [
        '-----BEGIN RSA PRIVATE KEY-----\n' +
          rep('MIIEpAIBAAKCAQEA' + B62, 64 * 3).replace(/(.{64})/g, '$1\n') +
          '-----END RSA PRIVATE KEY-----',
        r`"-----BEGIN PRIVATE KEY-----\n` +
          rep('MIIEvQIBADANBgkq' + B62, 64 * 3).replace(/(.{64})/g, '$1\\n') +
          r`-----END PRIVATE KEY-----\n"`,
        '-----BEGIN OPENSSH PRIVATE KEY-----\n' +
          rep('b3BlbnNzaC1rZXk' + B62, 70 * 3).replace(/(.{70})/g, '$1\n') +
          '-----END OPENSSH PRIVATE KEY-----',
      ],
      fp: [
        '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----',
        "const header = '-----BEGIN PRIVATE KEY-----';",
      ],
    },
  },
  {
    id: 'secret.private-key-base64',
    category: 'secret',
    severity: 'critical',
    kind: 'private-key',
    description:
      'A PEM private key encoded as one base64 run (kubeconfig client-key-data, Kubernetes secrets, "private_key": "LS0tLS1CRUdJTi..."): it decodes to a PRIVATE KEY block.',
    keywords: ['ls0tls1crudjti'],
    pattern: r`(?<![A-Za-z0-9+/])LS0tLS1CRUdJTi[A-Za-z0-9+/]{100,40000}={0,2}`,
    validate: (v) => isBase64PemPrivateKey(v),
    samples: {
      tp: [
        [
          '    client-key-data: ' + b64(pem('RSA PRIVATE KEY', 'MIIEpAIBAAKCAQEA', 6)),
          b64(pem('RSA PRIVATE KEY', 'MIIEpAIBAAKCAQEA', 6)),
        ],
        [
          '{"private_key": "' + b64(pem('OPENSSH PRIVATE KEY', 'b3BlbnNzaC1rZXk', 4)) + '"}',
          b64(pem('OPENSSH PRIVATE KEY', 'b3BlbnNzaC1rZXk', 4)),
        ],
      ],
      fp: [
        '    certificate-authority-data: ' + b64(pem('CERTIFICATE', 'MIIC5zCCAc+gAwIBAgIBADAN', 6)),
        'client-key-data: ' +
          b64('-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n') +
          'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        'client-key-data: ' +
          b64(
            '-----BEGIN RSA PRIVATE KEY-----\n<your key here>\n-----END RSA PRIVATE KEY-----\n' +
              'z'.repeat(64),
          ),
        b64(pem('PUBLIC KEY', 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A', 5)),
        'echo LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ== | base64 -d',
      ],
    },
  },
  {
    id: 'secret.jwt',
    category: 'secret',
    severity: 'high',
    kind: 'jwt',
    description: 'A JSON Web Token (three base64url parts, the first two JSON objects).',
    keywords: ['eyj'],
    pattern: r`(?<![\w-])eyJ[A-Za-z0-9_-]{10,4000}\.eyJ[A-Za-z0-9_-]{10,8000}\.[A-Za-z0-9_-]{16,2000}(?![\w-])`,
    samples: {
      tp: [
        'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MjQyIiwibmFtZSI6Ik1hcnRhIn0.' +
          rep(B62 + '_-', 43),
      ],
      fp: ['eyJhbGciOiJIUzI1NiJ9', 'eyJ.eyJ.x'],
    },
  },
  {
    id: 'secret.url-credentials',
    category: 'secret',
    severity: 'critical',
    kind: 'password',
    description:
      'A password inside a URL (scheme://user:password@host, or scheme://:password@host with no user name): database connection strings, proxy URLs, git remotes.',
    keywords: ['://'],
    pattern: r`(?<=[A-Za-z][A-Za-z0-9+.-]{0,20})://[^:/\s"'<>@\\]{0,128}:(?<v>[^@/\s"'<>\\]{1,256})@[A-Za-z0-9\[]`,
    validate: (v, ctx) =>
      !isPlaceholder(v) &&
      !/^(?:pass(?:word)?|pwd|secret|\*+|x+|\$\w+|\$\{[^}]*\}|<[^>]*>|%[^%]*%|:?\d{1,5})$/i.test(v) &&
      // No user name (redis://:password@host): documentation writes a name there
      // (redis://:authpassword@..., dotenv://:key_1234@...), so the value must not be one.
      (ctx.text.slice(ctx.start - 4, ctx.start) !== '://:' ||
        (!/pass|pwd|secret|key|token|auth/i.test(v) && !/^\d+$/.test(v))),
    samples: {
      tp: [
        ['DATABASE_URL=postgres://billing:Tr0ub4dor-x91@db.acme.lan:5432/app', 'Tr0ub4dor-x91'],
        ['https_proxy=http://jdoe:S3cr3t!@10.20.0.5:8080', 'S3cr3t!'],
        ['REDIS_URL=redis://:hunter2hunter2@redis:6379/0', 'hunter2hunter2'],
      ],
      fp: [
        'postgres://user:password@localhost/db',
        'https://github.com/a/b',
        'mongodb://${USER}:${PASS}@host',
        'http://host:8080/x@y',
        'redis://:password@localhost:6379/0',
        'new Redis("redis://:authpassword@127.0.0.1:6380/4")',
        'in valid uri format like dotenv://:key_1234@dotenvx.com/vault/.env.vault',
        'redis://:${REDIS_PASSWORD}@redis:6379/0',
        'redis://:@localhost:6379',
        'http://:8080@host',
      ],
    },
  },
  {
    id: 'secret.connection-string-password',
    category: 'secret',
    severity: 'critical',
    kind: 'password',
    description: 'A password in a key=value connection string (Password=...;, Pwd=...;).',
    keywords: ['password=', 'pwd='],
    pattern: r`(?<![\w])(?:Password|Pwd)=(?<v>[^;"'\s]{6,128})(?=;|["'\s]|$)`,
    flags: 'i',
    validate: (v, ctx) =>
      !isPlaceholder(v) &&
      !/^[{$%<]/.test(v) &&
      /;\s*$|;\w/.test(
        ctx.text.slice(ctx.matchStart - 80, ctx.matchStart) + ctx.text.slice(ctx.end, ctx.end + 1),
      ),
    samples: {
      tp: [['Server=db01;Database=app;User Id=sa;Password=Xk29!fq7Lm;', 'Xk29!fq7Lm']],
      fp: ['Password=${DB_PASS};', 'password=changeme;', 'url?password=abc'],
    },
  },
  {
    id: 'secret.env-assignment',
    category: 'secret',
    severity: 'high',
    kind: 'token',
    description:
      'A value assigned to a secret-looking environment variable (API_KEY=..., DB_PASSWORD=..., as in .env files and shell exports).',
    // Upper-case sets ([K][E][Y]): the name is an environment variable, so `key` in code is no hit.
    keywords: [
      '[K][E][Y]',
      '[T][O][K][E][N]',
      '[S][E][C][R][E][T]',
      '[P][A][S][S][W]',
      '[P][W][D]',
      '[C][R][E][D][E][N][T][I][A][L]',
      '[A][U][T][H]',
    ],
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no name.
    pattern: r`(?<=(?:^|[^\w$.]|(?<!\\)\\[nt])[A-Z0-9_]{0,60})(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PWD|CREDENTIALS?|AUTH)(?:_[A-Z0-9]+){0,4}=(?:(?<q>["'])(?<v>[^"'\n\\]{6,300})\k<q>|(?<w>[^\s"'#\\]{6,300}))`,
    validate: (v, ctx) => {
      if (isPlaceholder(v) || /^[$%{<]/.test(v)) return false;
      const name = ctx.text.slice(Math.max(0, ctx.matchStart - 60), ctx.matchEnd).toUpperCase();
      // The shell's working directories (in every `env` dump) are paths, not passwords: the
      // project-path rule gives PWD the project's surrogate. So is the SSH agent's socket
      // (SSH_AUTH_SOCK=/tmp/ssh-XXXX/agent.N), a path surrogate's for env.env-variable.
      if (
        /^(?:[/~]|[A-Za-z]:[\\/])/.test(v) &&
        /(?:^|[^A-Z0-9_])(?:(?:OLD)?PWD|SSH_AUTH_SOCK)=["']?$/.test(
          name.slice(0, name.length - (ctx.matchEnd - ctx.start)),
        )
      )
        return false;
      return /PASSW|PWD/.test(name)
        ? v.length >= 6 && !/^(?:true|false|\d{1,5})$/i.test(v)
        : looksRandom(v, 12) || /^\S{24,}$/.test(v);
    },
    samples: {
      tp: [
        ['DB_PASSWORD=hunter2-Blue!', 'hunter2-Blue!'],
        ['MYSQL_PWD=s3cretpass', 's3cretpass'],
        ['PWD=hunter2-Blue!', 'hunter2-Blue!'],
        ['export SERVICE_API_KEY="k9Qz3LmX8vTb4RcW"', 'k9Qz3LmX8vTb4RcW'],
        ['JWT_SECRET=' + rep('f3a9c1e7b5d2', 48), rep('f3a9c1e7b5d2', 48)],
      ],
      fp: [
        'API_KEY=your-api-key-here',
        'TOKEN=$GITHUB_TOKEN',
        'const apiKey = process.env.API_KEY',
        'USE_AUTH=true',
        'SECRET_KEY=changeme',
        'PWD=/home/kpatel/src/billing',
        'OLDPWD=/home/kpatel',
        'SSH_AUTH_SOCK=/tmp/ssh-kPq3Jx8Ylm2c/agent.81231',
      ],
    },
  },
  {
    id: 'secret.assignment',
    category: 'secret',
    severity: 'high',
    kind: 'token',
    description:
      'A random-looking quoted value assigned to a secret-looking name in code, JSON or YAML (apiKey: "...", "client_secret": "...").',
    // Every alternative of the name starts with one of these, so a hit is the match start.
    // Whole names, so common words (api, client, private...) are no hits.
    keywords: [
      'api_key',
      'api-key',
      'apikey',
      'access_key',
      'access-key',
      'accesskey',
      'secret',
      'client_secret',
      'client-secret',
      'clientsecret',
      'token',
      'auth_token',
      'auth-token',
      'authtoken',
      'access_token',
      'access-token',
      'accesstoken',
      'refresh_token',
      'refresh-token',
      'refreshtoken',
      'password',
      'passwd',
      'private_key',
      'private-key',
      'privatekey',
      'credential',
    ],
    pattern: r`(?:api[_-]?key|apikey|access[_-]?key|secret(?:[_-]?key)?|client[_-]?secret|token|auth[_-]?token|access[_-]?token|refresh[_-]?token|password|passwd|private[_-]?key|credentials?)(?:\\?["'])?[ \t]*(?::|=|:=|=>)[ \t]*(?:\\?(?<q>["'\x60]))(?<v>[^"'\x60\s\\]{8,300})\\?\k<q>`,
    flags: 'i',
    deny: KNOWN_EXAMPLES,
    validate: (v, ctx) => {
      const name = ctx.text.slice(ctx.matchStart, ctx.start).toLowerCase();
      if (/passw/.test(name))
        return !isPlaceholder(v) && v.length >= 8 && /\d|[^\w]/.test(v) && !/^[a-z]+$/i.test(v);
      return looksRandom(v, 16);
    },
    samples: {
      tp: [
        ['const apiKey = "Zk2LmX9vTb4RcW8nYp3HsJ6f"', 'Zk2LmX9vTb4RcW8nYp3HsJ6f'],
        ['{"client_secret": "GOCSPX-' + rep(B62, 28) + '"}', 'GOCSPX-' + rep(B62, 28)],
        ["password: 'Tr0ub4dor&3'", 'Tr0ub4dor&3'],
      ],
      fp: [
        "token: 'SyntaxKind.Identifier'",
        'apiKey: "YOUR_API_KEY_HERE_PLEASE"',
        "password: 'password'",
        'secretKey = "abcdefghijklmnop"',
        "const tokenType = 'bearer-token-default'",
      ],
    },
  },
  {
    id: 'secret.password-unquoted',
    category: 'secret',
    severity: 'high',
    kind: 'password',
    description:
      'An unquoted password on its own config line (INI, YAML, .properties, .pypirc: password = ..., db.password=...), the value alone on the line and secret-looking (not a variable, call, identifier or path).',
    keywords: ['password', 'passwd', 'passphrase'],
    // The key starts its line (after indentation or a YAML `- `); a dotted or underscored prefix
    // (spring.datasource., DB_) sits in the lookbehind so that the keyword starts the match.
    pattern: r`(?<=(?:^|[\r\n]|\\n)[ \t]{0,40}(?:-[ \t]{1,4})?(?:[A-Za-z0-9_.-]{0,60}[._-])?)(?:password|passwd|passphrase)[ \t]*[:=][ \t]*(?<v>[^\s"'\x60\\]{6,200})(?=[ \t]*(?:[\r\n]|\\[nr]|$)|[ \t]+#)`,
    flags: 'i',
    deny: KNOWN_EXAMPLES,
    validate: (v) =>
      !isPlaceholder(v) &&
      // Variables, templates, YAML tags/anchors/aliases/block scalars, paths, operators.
      !/^[$%<>{[(&*!@~/.=|?:+]/.test(v) &&
      // Calls, indexing, URLs, member access (->, ::), code ending in a comma or semicolon.
      !/[()[\]{}]|:\/\/|->|::|[,;]$/.test(v) &&
      // Dotted identifiers (settings.DB_PASSWORD) and constant names (DB_PASSWORD_2).
      !/^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$/.test(v) &&
      !/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(v) &&
      // snake_case names (new_password1), names that say what they hold, generic types (Secret<String>).
      !/^[a-z]+(?:_[a-z0-9]+)+$/.test(v) &&
      !(/^\w+$/.test(v) && /pass|pwd|secret|token|key|cred/i.test(v)) &&
      !/<.*>/.test(v) &&
      (charClasses(v) >= 3 || looksRandom(v, 12)),
    samples: {
      tp: [
        ['[server]\npassword = Sup3r$ecretPw\n', 'Sup3r$ecretPw'],
        ['db:\n  user: app\n  password: Sup3r$ecretPw', 'Sup3r$ecretPw'],
        ['db.url=jdbc:postgresql://db:5432/app\ndb.password=Sup3r$ecretPw\n', 'Sup3r$ecretPw'],
        ['[pypi]\nusername = dave\npassword = Tr0ub4dor&3  # prod\n', 'Tr0ub4dor&3'],
        ['spring.datasource.password: 8f14e45fceea167a5a36dedd4bea2543', '8f14e45fceea167a5a36dedd4bea2543'],
      ],
      fp: [
        'password = getPassword()',
        '  password: string',
        '  password: string;',
        'password = ""',
        'password: ${DB_PASSWORD}',
        'password = os.environ["X"]',
        'password=',
        'password: <your-password>',
        'password = None',
        'password: true',
        'password_field = models.CharField(max_length=128)',
        '# password = example',
        '    password=password,',
        '    password=settings.DB_PASSWORD',
        '  password: this.password,',
        'password = hashed_password',
        'password: DB_PASSWORD_2',
        'password := os.Getenv("PW")',
        'password: !vault |',
        'password: /run/secrets/db_password',
        'password = changeme',
        'password: ********',
        'const password = "Sup3r$ecretPw"',
        'password: Optional[str] = None',
        'password: Secret<String>',
        'password = new_password1',
        'password = userPassword2',
      ],
    },
  },
  {
    id: 'secret.docker-auth',
    category: 'secret',
    severity: 'critical',
    kind: 'password',
    description: 'The "auth" member of a Docker config.json (auths): base64 of user:password or user:token.',
    keywords: ['auth"', r`auth\\"`],
    lookback: 2,
    pattern: r`\\?"auth\\?"\s*:\s*\\?"(?<v>[A-Za-z0-9+/]{8,1000}={0,2})\\?"`,
    validate: (v) => isBase64Credentials(v),
    samples: {
      tp: [
        [
          '{"auths":{"https://index.docker.io/v1/":{"auth":"' +
            b64('dave:dckr_pat_abcdef1234567890') +
            '"}}}',
          b64('dave:dckr_pat_abcdef1234567890'),
        ],
        [
          '{\n  "auths": {\n    "ghcr.io": {\n      "auth": "' +
            b64('octo:ghp_' + rep(B62, 36)) +
            '"\n    }\n  }\n}',
          b64('octo:ghp_' + rep(B62, 36)),
        ],
      ],
      fp: [
        '{"auths":{"ghcr.io":{"auth":"' + b64('user:password') + '"}}}',
        '{"auth": "bearer-token-default"}',
        '{"auth": "' + b64('just-a-token-value') + '"}',
        '{"oauth": "' + b64('dave:S3cr3tValue') + '"}',
        '{"auth": true}',
      ],
    },
  },
  {
    id: 'secret.basic-auth-header',
    category: 'secret',
    severity: 'critical',
    kind: 'password',
    description:
      'HTTP Basic or Bearer credentials written out (Proxy-Authorization: Basic ..., Authorization: Basic ...).',
    keywords: ['authorization'],
    lookback: 6,
    // The scheme stays outside the value: a stand-in must still read `Bearer <token>`.
    pattern: r`(?:Proxy-)?Authorization(?:\\?["'])?\s*:\s*(?:\\?["'])?(?:Basic|Bearer|Negotiate|NTLM|Digest)\s+(?<v>[A-Za-z0-9+/=._~-]{12,4096})`,
    flags: 'i',
    validate: (v) => !isPlaceholder(v) && looksRandom(v, 12),
    samples: {
      tp: [
        ['Proxy-Authorization: Basic amRvZTpTM2NyM3QhMjAyNQ==', 'amRvZTpTM2NyM3QhMjAyNQ=='],
        [
          'curl -H "Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543"',
          '8f14e45fceea167a5a36dedd4bea2543',
        ],
      ],
      fp: ['Authorization: Bearer <token>', 'Authorization: Bearer ${TOKEN}'],
    },
  },
];
