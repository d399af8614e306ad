/** Personal data: email addresses, phone numbers, payment cards (Luhn), IBANs (mod 97). */
import type { RuleDef } from '../rule-types.js';
import { ibanValid, luhn } from '../validators.js';

const r = String.raw;

/** Countries that issue IBANs (ISO 13616 registry), as prefilter keywords `cc\d\d`. */
/** What comes before a URL's password: `scheme://user:` (the user part without `/`, `@` or space). */
const URL_USER_BEFORE = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/@:]*:$/;

const IBAN_COUNTRIES =
  'ad ae al at az ba be bg bh br by ch cr cy cz de dk do ee eg es fi fo fr gb ge gi gl gr gt hr hu ie il iq is it jo kw kz lb lc li lt lu lv md mc me mk mr mt mu nl no pk pl ps pt qa ro rs sa sc se si sk sm st sv tl tn tr ua va vg xk'.split(
    ' ',
  );

/** Published test numbers (card networks, payment providers, the IBAN registry): never a person's. */
const TEST_CARDS = new Set([
  '4111111111111111',
  '4242424242424242',
  '4012888888881881',
  '4007000000027',
  '4222222222222',
  '5555555555554444',
  '5105105105105100',
  '2223003122003222',
  '378282246310005',
  '371449635398431',
  '378734493671000',
  '6011111111111117',
  '6011000990139424',
  '3530111333300000',
  '3566002020360505',
  '30569309025904',
  '38520000023237',
  '6200000000000005',
  '2200000000000004',
  '6250000000000000005',
]);
const TEST_IBANS = new Set([
  'DE89370400440532013000',
  'GB29NWBK60161331926819',
  'GB82WEST12345698765432',
  'NL91ABNA0417164300',
  'BE68539007547034',
  'NO9386011117947',
  'FR1420041010050500013M02606',
  'TR610000100000000000000001',
  'CH9300762011623852957',
  'ES9121000418450200051332',
  'IT60X0542811101000000123456',
  'AT611904300234573201',
]);

const CARD_PREFIX = /^(?:4|5[1-5]|2[2-7]|3[47]|6011|65|64[4-9]|35|30[0-5]|36|38|62)/;

export const piiRules: readonly RuleDef[] = [
  {
    id: 'pii.email',
    category: 'pii',
    severity: 'medium',
    kind: 'email',
    description: 'An email address (not on reserved example/test domains).',
    // Anchored at the last character of the local part and the @, so the prefilter hit is the
    // match start and a JSDoc ` @param` never reaches the regex; the rest of the local part is
    // added by extendLeft.
    keywords: ['[A-Za-z0-9._%+\\-]@'],
    pattern: r`[A-Za-z0-9._%+-](?<v>@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w.-]*@)(?![A-Za-z0-9-])`,
    extendLeft: { chars: '[A-Za-z0-9._%+-]', max: 64 },
    validate: (v, ctx) => {
      const [local, domain] = v.split('@') as [string, string];
      if (local.startsWith('.') || local.endsWith('.')) return false;
      // A URL's user part (a Sentry DSN's key, `ftp://anonymous@host`) is no mailbox, nor is
      // its password (`postgres://app:s3cret@db.corp.internal`).
      if (ctx.text.endsWith('://', ctx.start)) return false;
      if (
        ctx.text.charCodeAt(ctx.start - 1) === 0x3a &&
        URL_USER_BEFORE.test(ctx.text.slice(Math.max(0, ctx.start - 256), ctx.start))
      )
        return false;
      if (/^(?:git|noreply|no-reply|user|username|you|your\.?name|name|email|someone|example)$/i.test(local))
        return false;
      return (
        !/(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost|local)$/i.test(domain) &&
        !/\.(?:png|jpe?g|gif|svg|webp|js|ts|css)$/i.test(domain)
      );
    },
    samples: {
      tp: [
        ['contact marta.kowalska+ci@acme-corp.pl today', 'marta.kowalska+ci@acme-corp.pl'],
        ['<j.nowak@zeta.io>', 'j.nowak@zeta.io'],
      ],
      fp: [
        '@param name',
        'postgres://billing:Tr0ub4dor-x91@db01.acme-corp.internal:5432/billing',
        'you@example.com',
        'import x from "@types/node"',
        'git@github.com:org/repo',
        'logo@2x.png',
        'SENTRY_DSN=https://3f2a9c1b7d5e4f60a1b2c3d4e5f60718@o123456.ingest.sentry.io/1234567',
      ],
    },
  },
  {
    id: 'pii.phone',
    category: 'pii',
    severity: 'medium',
    kind: 'phone',
    description:
      'A phone number in international (+48 601 234 567) or North American ((415) 555-0132, 415-555-0132) form.',
    keywords: [r`+\d`, r`(\d\d\d)`, r`\d\d\d-\d\d\d-`, r`\d\d\d.\d\d\d.`],
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w+.-](?<!(?<!\\)\\[nt]))(?<v>\+[1-9]\d{0,2}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{2,4}){2,5}|\(\d{3}\) ?\d{3}-\d{4}|\d{3}(?<sep>[-.])\d{3}\k<sep>\d{4})(?![\w-]|\.\d)`,
    validate: (v) => {
      const digits = v.replace(/\D/g, '').length;
      return digits >= 10 && digits <= 15 && !/^\+?(\d)\1+$/.test(v.replace(/\D/g, ''));
    },
    samples: {
      tp: [
        ['call +48 601 234 567 now', '+48 601 234 567'],
        ['tel (415) 555-0132', '(415) 555-0132'],
        ['415-555-0132', '415-555-0132'],
      ],
      fp: ['x = y +1', 'version 1.2.3', 'i += 10000', '2024-01-15'],
    },
  },
  {
    id: 'pii.card-number',
    category: 'pii',
    severity: 'high',
    kind: 'card-number',
    description:
      'A payment card number: 13–19 digits (optionally grouped), a known issuer prefix and a valid Luhn check digit.',
    keywords: [r`\d\d\d\d\d\d\d\d\d\d\d\d\d`, r`\d\d\d\d \d\d`, r`\d\d\d\d-\d\d`],
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w.-](?<!(?<!\\)\\[nt]))(?<v>\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}|\d{4}[ -]\d{6}[ -]\d{5}|\d{13,19})(?![\w-]|\.\d)`,
    validate: (v) => {
      const digits = v.replace(/\D/g, '');
      // Long zero runs are synthetic test numbers, not issued cards.
      return (
        digits.length >= 13 &&
        digits.length <= 19 &&
        CARD_PREFIX.test(digits) &&
        !/^(\d)\1+$/.test(digits) &&
        !/0{6,}|(\d{4})\1\1/.test(digits) &&
        !TEST_CARDS.has(digits) &&
        luhn(digits)
      );
    },
    samples: {
      tp: [
        ['card 4539 1488 0343 6467 exp', '4539 1488 0343 6467'],
        ['5273849102657318', '5273849102657318'],
        ['3714-829104-61525', '3714-829104-61525'],
      ],
      fp: [
        '4539 1488 0343 6468',
        '1700000000000',
        '1234567890123456',
        '0000 0000 0000 0000',
        '4111111111111111',
        '4111 1111 1111 1111',
        '6200000000000005',
      ],
    },
  },
  {
    id: 'pii.iban',
    category: 'pii',
    severity: 'high',
    kind: 'iban',
    description: 'An International Bank Account Number with valid check digits (ISO 13616 mod 97).',
    keywords: IBAN_COUNTRIES.map((c) => c + r`\d\d`),
    // After an escaped line break or tab (a JSON-escaped transcript) too: the n of \n is no word.
    pattern: r`(?<![\w](?<!(?<!\\)\\[nt]))(?<v>[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)(?![\w])`,
    validate: (v) => ibanValid(v) && !TEST_IBANS.has(v.replace(/\s/g, '')) && !/0{8,}/.test(v),
    samples: {
      tp: [
        ['IBAN DE44 5001 0517 5407 3249 31', 'DE44 5001 0517 5407 3249 31'],
        ['GB09BARC20038461927364', 'GB09BARC20038461927364'],
        ['PL61109010140000071219812874', 'PL61109010140000071219812874'],
      ],
      fp: ['DE44 5001 0517 5407 3249 32', 'DE12345', 'DE89 3704 0044 0532 0130 00', 'GB29NWBK60161331926819'],
    },
  },
];
