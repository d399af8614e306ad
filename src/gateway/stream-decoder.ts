/**
 * Undoing an answer stream's `content-encoding` as it arrives. The gateway asks for identity
 * where it restores surrogates; an upstream (or a proxy on the way) that compresses a stream
 * all the same would otherwise leave the assistant with surrogates in its answer.
 */
import type { Readable, Writable } from 'node:stream';
import { CODINGS, codingsOf } from './codings.js';

/** The compressed bytes go into `input`; the decoded ones come out of `output`. */
export interface StreamDecoder {
  input: Writable;
  output: Readable;
  /** Releases the decoders (an answer that ended early). */
  destroy(): void;
}

/**
 * A decoder for `encoding` (a list is undone last coding first), or undefined when one of its
 * codings is not supported. Errors of every stage are emitted by `output`.
 */
export function streamDecoder(encoding: string): StreamDecoder | undefined {
  const codings = codingsOf(encoding);
  if (codings.length === 0 || codings.some((c) => CODINGS[c] === undefined)) return undefined;
  const stages = codings.reverse().map((c) => CODINGS[c]!.stream());
  const output = stages.at(-1)!;
  for (let i = 0; i + 1 < stages.length; i++) {
    stages[i]!.pipe(stages[i + 1]!);
    stages[i]!.on('error', (err) => output.destroy(err));
  }
  return {
    input: stages[0]!,
    output,
    destroy: () => {
      for (const stage of stages) stage.destroy();
    },
  };
}
