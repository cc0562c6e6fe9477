/**
 * The embeddings of the Ollama-API test server (`ollama-server.ts`, `/api/embed` and `/api/embeddings`):
 * deterministic vectors from sha256(model, kept tokens), L2-normalized float32 values written as Go's
 * `encoding/json` writes a `float32` (shortest decimal), with Ollama's `truncate`, `dimensions` and
 * `options.num_ctx` behaviour. Tests compute the vectors the gateway must answer with {@link fakeEmbed}.
 */
import { createHash } from "node:crypto";

/** The fake runtime's context length, tokens (`options.num_ctx` lowers it). */
export const FAKE_CONTEXT_LENGTH = 512;

/** Dimensions of the fake runtime's embeddings. */
export const FAKE_EMBEDDING_DIMENSIONS = 8;

/** The fake runtime's tokens of an embedding input: BOS, its words, EOS. */
export function fakeTokens(text: string): string[] {
  return ["<bos>", ...text.split(/\s+/).filter(Boolean), "<eos>"];
}

/** A float32 value in its shortest decimal form, as Go's `encoding/json` writes a `float32`. */
export function float32Text(x: number): string {
  const f = Math.fround(x);
  for (let p = 1; p < 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(Number(f.toPrecision(9)));
}

function normalize(v: readonly number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => Math.fround(x / norm));
}

/**
 * The fake runtime's embedding of one input.
 *
 * @param options.numCtx context length (default {@link FAKE_CONTEXT_LENGTH}): longer inputs are cut to it.
 * @param options.dimensions vectors cut to this many values and normalized again (ignored unless
 *   fewer than {@link FAKE_EMBEDDING_DIMENSIONS}), as Ollama's `dimensions`.
 * @returns the vector (float32 values, as parsed from the runtime's JSON), the tokens evaluated, and
 *   whether the input was longer than the context.
 */
export function fakeEmbed(
  model: string,
  text: string,
  options: { numCtx?: number; dimensions?: number } = {},
): { embedding: number[]; tokens: number; overflow: boolean } {
  const all = fakeTokens(text);
  const kept = all.slice(0, options.numCtx ?? FAKE_CONTEXT_LENGTH);
  const h = createHash("sha256")
    .update(`${model}\n${kept.join(" ")}`)
    .digest();
  let v = normalize(
    Array.from({ length: FAKE_EMBEDDING_DIMENSIONS }, (_, i) => h.readInt16BE(2 * i) / 32768),
  );
  if (options.dimensions !== undefined && options.dimensions > 0 && options.dimensions < v.length)
    v = normalize(v.slice(0, options.dimensions));
  return { embedding: v.map((x) => Number(float32Text(x))), tokens: kept.length, overflow: all.length > kept.length }; // prettier-ignore
}
