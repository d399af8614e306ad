/*
 * The gateway's JSON check (src/gateway/json-scan.ts) for WebAssembly with 128-bit SIMD: the
 * same grammar as the TypeScript scanner, sixteen bytes at a time through string contents.
 * Rebuild with `npm run build:wasm` (scripts/build-wasm.sh); the module is committed as base64
 * in json-scan-wasm.ts, so neither installing nor running Airlock needs a C compiler.
 *
 * The caller copies the body to `input` (at most INPUT_CAPACITY bytes) and calls scan(n):
 *   0  not JSON (JSON.parse would throw)
 *   1  JSON; model_start/model_end hold the last top-level "model" string token (quotes
 *      included), or -1 when there is none or its value is not a string
 *   2  the TypeScript scanner must decide: nesting deeper than MAX_DEPTH, or a top-level key
 *      spelled with escapes that could read as "model"
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

/* Index of the closing quote of the string whose content starts at i, or -1. */
static int32_t string_end(const uint8_t *b, int32_t i, int32_t n) {
  const v128_t quote = wasm_i8x16_splat('"');
  const v128_t backslash = wasm_i8x16_splat('\\');
  const v128_t space = wasm_i8x16_splat(0x20);
  for (;;) {
    for (;;) {
      if (i + 16 <= n) {
        v128_t v = wasm_v128_load(b + i);
        v128_t hit = wasm_v128_or(wasm_v128_or(wasm_i8x16_eq(v, quote), wasm_i8x16_eq(v, backslash)),
                                  wasm_u8x16_lt(v, space));
        uint32_t mask = (uint32_t)wasm_i8x16_bitmask(hit);
        if (mask == 0) {
          i += 16;
          continue;
        }
        i += __builtin_ctz(mask);
        break;
      }
      while (i < n && b[i] != '"' && b[i] != '\\' && b[i] >= 0x20) i++;
      break;
    }
    if (i >= n) return -1;
    uint8_t c = b[i];
    if (c == '"') return i;
    if (c < 0x20) return -1;
    if (i + 1 >= n) return -1;
    uint8_t e = b[i + 1];
    if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
      i += 2;
    } else if (e == 'u' && i + 5 < n && is_hex(b[i + 2]) && is_hex(b[i + 3]) && is_hex(b[i + 4]) &&
               is_hex(b[i + 5])) {
      i += 6;
    } else {
      return -1;
    }
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

int32_t scan(int32_t n) {
  const uint8_t *b = input;
  int32_t depth = 0;
  int32_t i = 0;
  int key = 0;
  model_start = -1;
  model_end = -1;
  for (;;) {
    while (i < n && is_space(b[i])) i++;
    int model_value = 0;
    if (key) {
      key = 0;
      if (i >= n || b[i] != '"') return 0;
      int32_t end = string_end(b, i + 1, n);
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
      if (i >= n || b[i] != ':') return 0;
      i++;
      while (i < n && is_space(b[i])) i++;
    }
    if (i >= n) return 0;
    uint8_t c = b[i];
    if (c == '"') {
      int32_t end = string_end(b, i + 1, n);
      if (end < 0) return 0;
      if (model_value) {
        model_start = i;
        model_end = end + 1;
      }
      i = end + 1;
    } else if (c == '{' || c == '[') {
      i++;
      while (i < n && is_space(b[i])) i++;
      if (i < n && b[i] == (c == '{' ? '}' : ']')) {
        i++;
      } else {
        if (depth >= MAX_DEPTH) return 2;
        push(depth, c == '{');
        depth++;
        key = c == '{';
        continue;
      }
    } else if (c == '-' || is_digit(c)) {
      i = number_end(b, i, n);
    } else if (c == 't') {
      i = literal_end(b, i, n, "true", 4);
    } else if (c == 'f') {
      i = literal_end(b, i, n, "false", 5);
    } else if (c == 'n') {
      i = literal_end(b, i, n, "null", 4);
    } else {
      return 0;
    }
    if (i < 0) return 0;
    for (;;) {
      while (i < n && is_space(b[i])) i++;
      if (depth == 0) return i == n ? 1 : 0;
      if (i >= n) return 0;
      int object = is_object(depth - 1);
      c = b[i];
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
