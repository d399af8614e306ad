/** `*` globs (any characters, nothing else special) as anchored regular expressions. Linear: one `.*` per star, no nesting. */
export function globToRegExp(glob: string, flags = ''): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[\\^$.|?+()[\]{}]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, flags);
}
