/**
 * An "alias bomb": each level lists nine aliases of the one above, so `e` alone is 9⁵ strings.
 * The yaml library refuses to expand it; the alias it stops at is the first `*c`, at 4:8.
 */
export const ALIAS_BOMB =
  [
    'a: &a [x,x,x,x,x,x,x,x,x]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  ].join('\n') + '\n';
