/*
 * The gateway's JSON check (src/gateway/json-scan.ts) for WebAssembly with 128-bit SIMD: the
 * same grammar as the TypeScript scanner, 64 bytes at a time through string contents.
 * Rebuild with `npm run build:wasm` (scripts/build-wasm.sh); the module is committed as base64
 * in json-scan-wasm.ts, so neither installing nor running Airlock needs a C compiler.
 *
 * The caller copies the body to `input` (at most INPUT_CAPACITY bytes) and calls scan(n):
 *   0  not JSON (JSON.parse would throw)
 *   1  JSON; model_start/model_end hold the last top-level "model" string token (quotes
 *      included), or -1 when there is none or its value is not a string
 *   2  the TypeScript scanner must decide: nesting deeper than MAX_DEPTH, or a top-level key
 *      spelled with escapes that could read as "model"
 * A body that arrives in chunks is scanned as it comes: reset(), then scan_more(n, 0) after each
 * chunk is appended to `input` (3: more wanted, 0 and 2 as above), and scan_more(n, 1) at the end.
 * Bytes from 0x80 up are ordinary string characters, as in the TypeScript scanner: every ASCII
 * byte of the body is the same character in its UTF-8 decoding.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define INPUT_CAPACITY (1 << 20)
#define MAX_DEPTH (1 << 16)

uint8_t input[INPUT_CAPACITY + 16];
int32_t model_start = -1;
int32_t model_end = -1;

/* One bit per open container: 1 object, 0 array. */
static uint8_t stack[MAX_DEPTH / 8];

static inline int is_space(uint8_t c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

static inline int is_hex(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* Where string_end ran out of input: a place inside the string's content (never inside an
 * escape) from which scanning can go on when more bytes have arrived. */
static int32_t string_stop;

/* The length of the escape at b[p] (a backslash): 2 or 6; -1 when it is not JSON, -2 when the
 * input ends inside it (string_stop is then p). */
static inline int32_t escape_len(const uint8_t *b, int32_t p, int32_t n) {
  if (p + 1 >= n) {
    string_stop = p;
    return -2;
  }
  uint8_t e = b[p + 1];
  if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') return 2;
  if (e != 'u') return -1;
  if (p + 5 >= n) {
    string_stop = p;
    return -2;
  }
  return is_hex(b[p + 2]) && is_hex(b[p + 3]) && is_hex(b[p + 4]) && is_hex(b[p + 5]) ? 6 : -1;
}

/* The bits of a 64-byte block where `hit` is set, four vectors of sixteen. */
static inline uint64_t bits64(v128_t a, v128_t b, v128_t c, v128_t d) {
  return (uint64_t)(uint16_t)wasm_i8x16_bitmask(a) | ((uint64_t)(uint16_t)wasm_i8x16_bitmask(b) << 16) |
         ((uint64_t)(uint16_t)wasm_i8x16_bitmask(c) << 32) | ((uint64_t)(uint16_t)wasm_i8x16_bitmask(d) << 48);
}

/* Bytes that may follow a backslash (" \ / b f n r t u), by nibble tables: a byte is in the set
 * when the table entries of its low and of its high nibble share a bit (simdjson's classifier). */
static inline v128_t escapable(v128_t v) {
  const v128_t lo = wasm_i8x16_const(0, 0, 1 | 4 | 8, 0, 8, 8, 4, 0, 0, 0, 0, 0, 2, 0, 4, 1);
  const v128_t hi = wasm_i8x16_const(0, 0, 1, 0, 0, 2, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0);
  v128_t l = wasm_i8x16_swizzle(lo, wasm_v128_and(v, wasm_i8x16_splat(0x0f)));
  v128_t h = wasm_i8x16_swizzle(hi, wasm_u8x16_shr(v, 4));
  return wasm_i8x16_ne(wasm_v128_and(l, h), wasm_i8x16_splat(0));
}

/* Which bytes of a block a backslash escapes; `carry` says whether the block's first byte is
 * escaped by the block before, and is set for the next. simdjson's find_escaped_branchless:
 * runs of backslashes pair off, and a run of odd length escapes the byte after it. */
static inline uint64_t escaped_bytes(uint64_t backslash, uint64_t *carry) {
  const uint64_t even = 0x5555555555555555ULL;
  backslash &= ~*carry;
  uint64_t follows = (backslash << 1) | *carry;
  uint64_t odd_starts = backslash & ~even & ~follows;
  uint64_t sum;
  *carry = __builtin_add_overflow(odd_starts, backslash, &sum);
  return (even ^ (sum << 1)) & follows;
}

/* Index of the closing quote of the string whose content starts at i; -1 when the string is
 * not JSON, -2 when the input ends first (string_stop says where to go on). */
static int32_t string_end(const uint8_t *b, int32_t i, int32_t n) {
  const v128_t quote = wasm_i8x16_splat('"');
  const v128_t backslash = wasm_i8x16_splat('\\');
  const v128_t space = wasm_i8x16_splat(0x20);
  const v128_t u = wasm_i8x16_splat('u');
  /* Most strings of a request are keys and short values (in a Claude Code request 80% are 16
   * bytes or less, "type", "text", "role"...): one vector finds their end when nothing before
   * the quote is a backslash or a control character, instead of a whole 64-byte block each. */
  if (i + 16 <= n) {
    v128_t v = wasm_v128_load(b + i);
    uint32_t q = (uint16_t)wasm_i8x16_bitmask(wasm_i8x16_eq(v, quote));
    uint32_t stop = (uint16_t)wasm_i8x16_bitmask(
        wasm_v128_or(wasm_i8x16_eq(v, backslash), wasm_u8x16_lt(v, space)));
    if (q != 0 && (stop & ((q & -q) - 1)) == 0) return i + __builtin_ctz(q);
  }
  /* 64 bytes at a time without a branch per escape: assistants' requests carry one every 20-40
   * bytes, and a branch on each (where it is, what it escapes) was mispredicted so often that
   * the scan ran at a third of its speed on real text. */
  uint64_t carry = 0;
  while (i + 64 <= n) {
    v128_t v0 = wasm_v128_load(b + i), v1 = wasm_v128_load(b + i + 16);
    v128_t v2 = wasm_v128_load(b + i + 32), v3 = wasm_v128_load(b + i + 48);
    uint64_t bs = bits64(wasm_i8x16_eq(v0, backslash), wasm_i8x16_eq(v1, backslash),
                         wasm_i8x16_eq(v2, backslash), wasm_i8x16_eq(v3, backslash));
    uint64_t q = bits64(wasm_i8x16_eq(v0, quote), wasm_i8x16_eq(v1, quote), wasm_i8x16_eq(v2, quote),
                        wasm_i8x16_eq(v3, quote));
    uint64_t ctrl = bits64(wasm_u8x16_lt(v0, space), wasm_u8x16_lt(v1, space), wasm_u8x16_lt(v2, space),
                           wasm_u8x16_lt(v3, space));
    uint64_t esc = escaped_bytes(bs, &carry);
    uint64_t end_quote = q & ~esc;
    /* Bytes before the closing quote (all of the block when there is none). */
    uint64_t before = end_quote ? (end_quote & -end_quote) - 1 : ~0ULL;
    uint64_t ok = bits64(escapable(v0), escapable(v1), escapable(v2), escapable(v3));
    if (((ctrl | (esc & ~ok)) & before) != 0) return -1;
    uint64_t ues = esc & before &
                   bits64(wasm_i8x16_eq(v0, u), wasm_i8x16_eq(v1, u), wasm_i8x16_eq(v2, u), wasm_i8x16_eq(v3, u));
    while (ues != 0) {
      /* \u: four hex digits after the u (rare: JSON.stringify writes them for few characters). */
      int32_t len = escape_len(b, i + __builtin_ctzll(ues) - 1, n);
      if (len < 0) return len;
      ues &= ues - 1;
    }
    if (end_quote != 0) return i + __builtin_ctzll(end_quote);
    i += 64;
  }
  /* The rest, byte by byte; a backslash that ended the last block escapes the first byte here. */
  if (carry) i--;
  for (;;) {
    while (i < n && b[i] != '"' && b[i] != '\\' && b[i] >= 0x20) i++;
    if (i >= n) {
      string_stop = i;
      return -2;
    }
    uint8_t c = b[i];
    if (c == '"') return i;
    if (c < 0x20) return -1;
    int32_t len = escape_len(b, i, n);
    if (len < 0) return len;
    i += len;
  }
}

/* Index after the number starting at i, or -1. */
static int32_t number_end(const uint8_t *b, int32_t i, int32_t n) {
  if (b[i] == '-') i++;
  if (i >= n) return -1;
  if (b[i] == '0') {
    i++;
  } else if (b[i] >= '1' && b[i] <= '9') {
    i++;
    while (i < n && is_digit(b[i])) i++;
  } else {
    return -1;
  }
  if (i < n && b[i] == '.') {
    int32_t start = ++i;
    while (i < n && is_digit(b[i])) i++;
    if (i == start) return -1;
  }
  if (i < n && (b[i] == 'e' || b[i] == 'E')) {
    i++;
    if (i < n && (b[i] == '+' || b[i] == '-')) i++;
    int32_t start = i;
    while (i < n && is_digit(b[i])) i++;
    if (i == start) return -1;
  }
  return i;
}

static int32_t literal_end(const uint8_t *b, int32_t i, int32_t n, const char *word, int32_t len) {
  if (i + len > n) return -1;
  for (int32_t k = 0; k < len; k++)
    if (b[i + k] != (uint8_t)word[k]) return -1;
  return i + len;
}

static inline void push(int32_t depth, int object) {
  if (object)
    stack[depth >> 3] |= (uint8_t)(1 << (depth & 7));
  else
    stack[depth >> 3] &= (uint8_t)~(1 << (depth & 7));
}

static inline int is_object(int32_t depth) { return (stack[depth >> 3] >> (depth & 7)) & 1; }

/* Number characters: where a number might go on when the input ends right after them. */
static inline int is_number_char(uint8_t c) {
  return is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/*
 * Where scan_more stopped for want of input, so that the next call goes on from there: the
 * gateway feeds a body as it arrives (scan_more(n, 0) for every chunk, the bytes so far in
 * input[0..n)) and asks for the verdict when it has all of it (scan_more(n, 1)). A token the
 * input ended in is read again from its start, except a plain string value, which goes on
 * from string_stop (a long tool result is not scanned again for every chunk).
 */
#define AT_VALUE 0  /* a value (after its key when st_key) at or after st_pos */
#define AT_AFTER 1  /* after a value: a comma, the end of a container or of the text */
#define IN_STRING 2 /* inside a string value that is not the model's, at st_pos */
#define MORE 3
static int32_t st_pos, st_phase, st_key, st_model_value, st_depth;

/* Starts a new text for scan_more. */
void reset(void) {
  st_pos = 0;
  st_phase = AT_VALUE;
  st_key = 0;
  st_model_value = 0;
  st_depth = 0;
  model_start = -1;
  model_end = -1;
}

#define NEED(at, phase, key_, model_value_)                                                        \
  do {                                                                                             \
    if (final) return 0;                                                                           \
    st_pos = (at);                                                                                 \
    st_phase = (phase);                                                                            \
    st_key = (key_);                                                                               \
    st_model_value = (model_value_);                                                               \
    st_depth = depth;                                                                              \
    return MORE;                                                                                   \
  } while (0)

/* Goes on with the text in input[0..n); final: n is all of it. 0, 1, 2 as scan; MORE: wants more. */
int32_t scan_more(int32_t n, int32_t final) {
  const uint8_t *b = input;
  int32_t depth = st_depth;
  int32_t i = st_pos;
  int key = st_key;
  int model_value = st_model_value;
  int after = st_phase != AT_VALUE;
  if (st_phase == IN_STRING) {
    int32_t end = string_end(b, i, n);
    if (end == -2) NEED(string_stop, IN_STRING, 0, 0);
    if (end < 0) return 0;
    i = end + 1;
  }
  for (;;) {
    if (!after) {
      while (i < n && is_space(b[i])) i++;
      if (key) {
        int32_t start = i;
        if (i >= n) NEED(i, AT_VALUE, 1, 0);
        if (b[i] != '"') return 0;
        int32_t end = string_end(b, i + 1, n);
        if (end == -2) NEED(start, AT_VALUE, 1, 0);
        if (end < 0) return 0;
        if (depth == 1) {
          int32_t len = end + 1 - i;
          if (len == 7 && literal_end(b, i, end + 1, "\"model\"", 7) == end + 1) {
            model_value = 1;
            model_start = -1;
            model_end = -1;
          } else if (len > 7) {
            for (int32_t k = i + 1; k < end; k++)
              if (b[k] == '\\') return 2;
          }
        }
        i = end + 1;
        while (i < n && is_space(b[i])) i++;
        if (i >= n) NEED(start, AT_VALUE, 1, 0);
        if (b[i] != ':') return 0;
        i++;
        key = 0;
        while (i < n && is_space(b[i])) i++;
      }
      if (i >= n) NEED(i, AT_VALUE, 0, model_value);
      int32_t start = i;
      uint8_t c = b[i];
      if (c == '"') {
        int32_t end = string_end(b, i + 1, n);
        if (end == -2) {
          if (model_value) NEED(start, AT_VALUE, 0, 1);
          NEED(string_stop, IN_STRING, 0, 0);
        }
        if (end < 0) return 0;
        if (model_value) {
          model_start = i;
          model_end = end + 1;
        }
        i = end + 1;
      } else if (c == '{' || c == '[') {
        i++;
        while (i < n && is_space(b[i])) i++;
        if (i >= n) NEED(start, AT_VALUE, 0, model_value);
        if (b[i] == (c == '{' ? '}' : ']')) {
          i++;
        } else {
          if (depth >= MAX_DEPTH) return 2;
          push(depth, c == '{');
          depth++;
          key = c == '{';
          model_value = 0;
          continue;
        }
      } else if (c == '-' || is_digit(c)) {
        if (!final) {
          int32_t k = i;
          while (k < n && is_number_char(b[k])) k++;
          if (k >= n) NEED(start, AT_VALUE, 0, model_value);
        }
        i = number_end(b, i, n);
      } else if (c == 't' || c == 'f' || c == 'n') {
        int32_t len = c == 'f' ? 5 : 4;
        if (i + len > n) NEED(start, AT_VALUE, 0, model_value);
        i = literal_end(b, i, n, c == 't' ? "true" : c == 'f' ? "false" : "null", len);
      } else {
        return 0;
      }
      if (i < 0) return 0;
    }
    after = 0;
    model_value = 0;
    for (;;) {
      while (i < n && is_space(b[i])) i++;
      if (depth == 0) {
        if (i < n) return 0;
        if (final) return 1;
        NEED(i, AT_AFTER, 0, 0);
      }
      if (i >= n) NEED(i, AT_AFTER, 0, 0);
      int object = is_object(depth - 1);
      uint8_t c = b[i];
      if (c == ',') {
        i++;
        key = object;
        break;
      }
      if (c == (object ? '}' : ']')) {
        i++;
        depth--;
        continue;
      }
      return 0;
    }
  }
}

/* Scans the whole text input[0..n). */
int32_t scan(int32_t n) {
  reset();
  return scan_more(n, 1);
}
