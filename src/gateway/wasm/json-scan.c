/*
 * The gateway's JSON check (src/gateway/json-scan.ts) for WebAssembly with 128-bit SIMD: the
 * same grammar as the TypeScript scanner, sixteen bytes at a time through string contents.
 * Rebuild with `npm run build:wasm` (scripts/build-wasm.sh); the module is committed as base64
 * in json-scan-wasm.ts, so neither installing nor running Airlock needs a C compiler.
 *
 * The scanner is resumable: a body may arrive in pieces, and the gateway checks each piece while
 * it forwards the body instead of checking the whole body once it is in. Everything it must
 * remember between pieces is in `state`; the caller saves and restores that block when it
 * interleaves several bodies. The caller copies a piece to `input` (at most INPUT_CAPACITY bytes)
 * and calls feed(n); at the end of the body, finish():
 *   0  not JSON (JSON.parse would throw); feed returns 0 as soon as that is certain
 *   1  JSON; state.model_start/model_end hold the offsets in the whole body of the last top-level
 *      "model" string token (quotes included), or -1 when there is none or its value is not a
 *      string
 *   2  the TypeScript scanner must decide: nesting deeper than MAX_DEPTH, or a top-level key
 *      spelled with an escape (it could read as "model")
 * scan(n) checks a whole body at once. Bytes from 0x80 up are ordinary string characters, as in
 * the TypeScript scanner: every ASCII byte of the body is the same character in its UTF-8
 * decoding.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define INPUT_CAPACITY (1 << 20)
#define MAX_DEPTH 1024

uint8_t input[INPUT_CAPACITY + 16];

/* What comes next. */
enum {
  VALUE,              /* a value: at the start, after ':' and after ',' in an array */
  VALUE_OR_END_ARRAY, /* right after '[' */
  KEY_OR_END_OBJECT,  /* right after '{' */
  KEY,                /* after ',' in an object */
  COLON,              /* after a key */
  AFTER,              /* after a value: ',', the end of its container, or of the text */
  STRING,             /* string contents */
  ESCAPE,             /* after a backslash */
  UNICODE,            /* the hex digits of \u; sub counts those still due */
  NUMBER,             /* sub is one of the N_ states */
  LITERAL,            /* sub is the word (true, false, null) * 8 + the letters matched */
  BAD,
  UNSURE,
};

/* Number states; the accepting ones may end the number. */
enum { N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP };
#define N_ACCEPTS(s) ((s) == N_ZERO || (s) == N_INT || (s) == N_FRAC || (s) == N_EXP)

/* String flags. */
#define S_KEY 1       /* the string is a key */
#define S_TOP_KEY 2   /* a key of the top-level object: compared with "model" as it goes */
#define S_MODEL 4     /* the value of a top-level "model" key */
#define MODEL_NEXT 8  /* the next value is a top-level "model" key's */

static const char *const WORDS[3] = {"true", "false", "null"};
static const int32_t WORD_LENGTHS[3] = {4, 5, 4};

/* json-scan.ts knows this layout: its size and where model_start and model_end are. */
struct state {
  int32_t mode;
  int32_t depth;
  int32_t sub;
  int32_t flags;
  /* Bytes of the top-level key read so far, and whether they spell the start of "model". */
  int32_t key_length;
  int32_t key_match;
  /* Bytes of the body before the current piece. */
  int32_t offset;
  int32_t model_start;
  int32_t model_end;
  /* Where the model value string being read started. */
  int32_t value_start;
  /* One bit per open container: 1 object, 0 array. */
  uint8_t stack[MAX_DEPTH / 8];
};

struct state state;

void reset(void) {
  state.mode = VALUE;
  state.depth = 0;
  state.flags = 0;
  state.offset = 0;
  state.model_start = -1;
  state.model_end = -1;
}

static inline int is_space(uint8_t c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

static inline int is_hex(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline int is_simple_escape(uint8_t c) {
  return c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' ||
         c == 't';
}

static inline int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/*
 * Reads string contents from i on, over the escapes it can check alone, up to the first quote,
 * control character, or escape left to the caller (one that is malformed, or not whole in this
 * piece); n at the end of the piece. Escapes come every few dozen bytes in assistants' requests:
 * those in a 16-byte block are stepped over with its bit masks, without loading it again.
 */
static inline int32_t string_run(const uint8_t *b, int32_t i, int32_t n) {
  const v128_t quote = wasm_i8x16_splat('"');
  const v128_t backslash = wasm_i8x16_splat('\\');
  const v128_t space = wasm_i8x16_splat(0x20);
  while (i + 16 <= n) {
    v128_t v = wasm_v128_load(b + i);
    uint32_t escapes = (uint32_t)wasm_i8x16_bitmask(wasm_i8x16_eq(v, backslash));
    v128_t stop = wasm_v128_or(wasm_i8x16_eq(v, quote), wasm_u8x16_lt(v, space));
    uint32_t special = escapes | (uint32_t)wasm_i8x16_bitmask(stop);
    int32_t next = i + 16;
    while (special != 0) {
      int32_t p = __builtin_ctz(special);
      if (!((escapes >> p) & 1)) return i + p;
      int32_t j = i + p + 1;
      if (j >= n) return i + p;
      uint8_t e = b[j];
      if (is_simple_escape(e)) {
        if (p == 15) {
          next = j + 1;
          break;
        }
        /* The backslash and the character it escapes (maybe a quote or a backslash). */
        special &= ~(3u << p);
        escapes &= ~(3u << p);
      } else if (e == 'u' && j + 4 < n && is_hex(b[j + 1]) && is_hex(b[j + 2]) &&
                 is_hex(b[j + 3]) && is_hex(b[j + 4])) {
        next = j + 5;
        break;
      } else {
        return i + p;
      }
    }
    i = next;
  }
  while (i < n) {
    uint8_t c = b[i];
    if (c == '"' || c < 0x20) return i;
    if (c == '\\') {
      if (i + 1 >= n || !is_simple_escape(b[i + 1])) return i;
      i += 2;
    } else {
      i++;
    }
  }
  return n;
}

/* Scans the next n bytes of the body from `input`; 0 once the body cannot be JSON, else 1. */
int32_t feed(int32_t n) {
  const uint8_t *b = input;
  int32_t mode = state.mode;
  int32_t depth = state.depth;
  int32_t sub = state.sub;
  int32_t flags = state.flags;
  int32_t i = 0;
  uint8_t c;
  while (i < n) {
    switch (mode) {
      case STRING:
        if (!(flags & S_TOP_KEY)) {
          i = string_run(b, i, n);
          if (i >= n) break;
        }
        c = b[i];
        if (c == '"') {
          if (flags & S_KEY) {
            if ((flags & S_TOP_KEY) && state.key_length == 5 && state.key_match) {
              /* The last occurrence of a key wins, as in JSON.parse. */
              state.model_start = -1;
              state.model_end = -1;
              flags = MODEL_NEXT;
            } else {
              flags = 0;
            }
            mode = COLON;
          } else {
            if (flags & S_MODEL) {
              state.model_start = state.value_start;
              state.model_end = state.offset + i + 1;
            }
            flags = 0;
            mode = AFTER;
          }
          i++;
        } else if (c == '\\') {
          if (flags & S_TOP_KEY) goto unsure;
          mode = ESCAPE;
          i++;
        } else if (c < 0x20) {
          goto bad;
        } else {
          /* Only a top-level key comes here byte by byte. */
          if (state.key_length >= 5 || c != (uint8_t) "model"[state.key_length])
            state.key_match = 0;
          state.key_length++;
          i++;
        }
        break;
      case ESCAPE:
        if (is_simple_escape(b[i++])) {
          mode = STRING;
        } else if (b[i - 1] == 'u') {
          mode = UNICODE;
          sub = 4;
        } else {
          goto bad;
        }
        break;
      case UNICODE:
        if (!is_hex(b[i++])) goto bad;
        if (--sub == 0) mode = STRING;
        break;
      case NUMBER:
        c = b[i];
        switch (sub) {
          case N_MINUS:
            if (c == '0') sub = N_ZERO;
            else if (c >= '1' && c <= '9') sub = N_INT;
            else goto bad;
            i++;
            continue;
          case N_INT:
            while (i < n && is_digit(b[i])) i++;
            if (i >= n) continue;
            c = b[i];
            /* fall through */
          case N_ZERO:
            if (c == '.') sub = N_DOT;
            else if (c == 'e' || c == 'E') sub = N_E;
            else break;
            i++;
            continue;
          case N_DOT:
            if (!is_digit(c)) goto bad;
            sub = N_FRAC;
            i++;
            continue;
          case N_FRAC:
            while (i < n && is_digit(b[i])) i++;
            if (i >= n) continue;
            c = b[i];
            if (c != 'e' && c != 'E') break;
            sub = N_E;
            i++;
            continue;
          case N_E:
            if (c == '+' || c == '-') sub = N_ESIGN;
            else if (is_digit(c)) sub = N_EXP;
            else goto bad;
            i++;
            continue;
          case N_ESIGN:
            if (!is_digit(c)) goto bad;
            sub = N_EXP;
            i++;
            continue;
          case N_EXP:
            while (i < n && is_digit(b[i])) i++;
            if (i >= n) continue;
            break;
        }
        /* b[i] ends the number: it is read again after it. */
        if (!N_ACCEPTS(sub)) goto bad;
        mode = AFTER;
        break;
      case LITERAL: {
        int32_t word = sub >> 3;
        int32_t k = sub & 7;
        if (b[i] != (uint8_t)WORDS[word][k]) goto bad;
        i++;
        if (++k == WORD_LENGTHS[word]) mode = AFTER;
        else sub = (word << 3) | k;
        break;
      }
      case BAD:
        goto bad;
      case UNSURE:
        goto unsure;
      default:
        /* Between tokens. */
        c = b[i];
        if (is_space(c)) {
          i++;
          break;
        }
        switch (mode) {
          case COLON:
            if (c != ':') goto bad;
            mode = VALUE;
            i++;
            continue;
          case AFTER:
            if (depth == 0) goto bad;
            int object = (state.stack[(depth - 1) >> 3] >> ((depth - 1) & 7)) & 1;
            if (c == ',') {
              mode = object ? KEY : VALUE;
            } else if (c == (object ? '}' : ']')) {
              depth--;
            } else {
              goto bad;
            }
            i++;
            continue;
          case KEY_OR_END_OBJECT:
            if (c == '}') {
              depth--;
              mode = AFTER;
              i++;
              continue;
            }
            /* fall through */
          case KEY:
            if (c != '"') goto bad;
            mode = STRING;
            flags = depth == 1 ? S_KEY | S_TOP_KEY : S_KEY;
            state.key_length = 0;
            state.key_match = 1;
            i++;
            continue;
          case VALUE_OR_END_ARRAY:
            if (c == ']') {
              depth--;
              mode = AFTER;
              i++;
              continue;
            }
            break;
        }
        /* A value starts. */
        if (c == '"') {
          if (flags & MODEL_NEXT) {
            flags = S_MODEL;
            state.value_start = state.offset + i;
          } else {
            flags = 0;
          }
          mode = STRING;
        } else {
          flags = 0;
          if (c == '{' || c == '[') {
            if (depth >= MAX_DEPTH) goto unsure;
            uint8_t bit = (uint8_t)(1 << (depth & 7));
            if (c == '{') state.stack[depth >> 3] |= bit;
            else state.stack[depth >> 3] &= (uint8_t)~bit;
            depth++;
            mode = c == '{' ? KEY_OR_END_OBJECT : VALUE_OR_END_ARRAY;
          } else if (c == '-' || is_digit(c)) {
            mode = NUMBER;
            sub = c == '-' ? N_MINUS : c == '0' ? N_ZERO : N_INT;
          } else if (c == 't' || c == 'f' || c == 'n') {
            mode = LITERAL;
            sub = ((c == 't' ? 0 : c == 'f' ? 1 : 2) << 3) | 1;
          } else {
            goto bad;
          }
        }
        i++;
        break;
    }
  }
  state.mode = mode;
  state.depth = depth;
  state.sub = sub;
  state.flags = flags;
  state.offset += n;
  return 1;
bad:
  state.mode = BAD;
  return 0;
unsure:
  state.mode = UNSURE;
  return 1;
}

/* The verdict on the whole body, once its last byte went through feed. */
int32_t finish(void) {
  if (state.mode == UNSURE) return 2;
  if (state.depth != 0) return 0;
  return state.mode == AFTER || (state.mode == NUMBER && N_ACCEPTS(state.sub)) ? 1 : 0;
}

/* Checks a whole body of n bytes in `input`. */
int32_t scan(int32_t n) {
  reset();
  if (!feed(n)) return 0;
  return finish();
}
