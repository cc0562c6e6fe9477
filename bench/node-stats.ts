/**
 * Statistics and the request loop of the node benchmark (bench/node.ts): streamed requests from
 * the official `ollama` client at a fixed concurrency, each timed to its first token and to its end.
 */
import { Ollama } from "ollama";

/** Median, 95th percentile and range of a list of timings (ms). */
export interface Summary {
  /** Samples. */
  n: number;
  /** Median, ms. */
  median: number;
  /** 95th percentile (nearest rank), ms. */
  p95: number;
  /** Smallest, ms. */
  min: number;
  /** Largest, ms. */
  max: number;
}

/** The nearest-rank percentile `q` (0–1) of a non-empty list. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError("percentile of an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/** {@link Summary} of a list, rounded to 0.1 ms (NaN figures for an empty list). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { n: 0, median: NaN, p95: NaN, min: NaN, max: NaN };
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    n: values.length,
    median: round(percentile(values, 0.5)),
    p95: round(percentile(values, 0.95)),
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
  };
}

/** One streamed request, timed. */
export interface Sample {
  /** The request's number in its run (its prompt is `prompt(index)`). */
  index: number;
  /** Request start → first chunk with text, ms. */
  firstTokenMs: number;
  /** Request start → the final chunk (`done: true`), ms. */
  fullMs: number;
  /** Chunks with text received. */
  chunks: number;
  /** The whole answer, concatenated. */
  text: string;
}

/** A load run: every sample and the wall time from the first request's start to the last one's end. */
export interface LoadRun {
  /** The requests answered, in the order they completed. */
  samples: Sample[];
  /** The requests that failed (an HTTP error, a broken stream), with the error's message. */
  failures: { index: number; error: string }[];
  /** ms. */
  wallMs: number;
  /** Answered requests per second over the wall time. */
  jobsPerSecond: number;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Base URL of an Ollama-API server (the runtime itself, or the gateway). */
  host: string;
  model: string;
  /** Requests to send. */
  requests: number;
  /** Requests in flight at any time. */
  concurrency: number;
  /** The prompt of request `i` (distinct prompts: no cache may answer twice). */
  prompt(i: number): string;
  /** Answer length to ask for (`num_predict`). */
  maxTokens?: number;
  /** Called after each completed request (e.g. progress). */
  onSample?(sample: Sample, i: number): void;
}

/** Sends one request with `stream: true` and times it. Throws if the stream has no text. */
export async function timedGenerate(
  client: Ollama,
  options: Pick<LoadOptions, "model" | "maxTokens">,
  prompt: string,
  index = 0,
): Promise<Sample> {
  const started = performance.now();
  let firstTokenMs: number | undefined;
  let chunks = 0;
  let text = "";
  const stream = await client.generate({
    model: options.model,
    prompt,
    stream: true,
    ...(options.maxTokens ? { options: { num_predict: options.maxTokens } } : {}),
  });
  for await (const part of stream) {
    if (part.response) {
      firstTokenMs ??= performance.now() - started;
      chunks++;
      text += part.response;
    }
  }
  const fullMs = performance.now() - started;
  if (firstTokenMs === undefined) throw new Error(`no text streamed for prompt ${JSON.stringify(prompt)}`);
  return { index, firstTokenMs, fullMs, chunks, text };
}

/**
 * Runs `requests` streamed requests, `concurrency` at a time (one client per worker). A failed
 * request is recorded in `failures` and the worker goes on with the next one.
 */
export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const samples: Sample[] = [];
  const failures: LoadRun["failures"] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    const client = new Ollama({ host: options.host });
    for (let i = next++; i < options.requests; i = next++) {
      try {
        const sample = await timedGenerate(client, options, options.prompt(i), i);
        samples.push(sample);
        options.onSample?.(sample, i);
      } catch (error) {
        failures.push({ index: i, error: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.requests) }, worker));
  const wallMs = performance.now() - started;
  return { samples, failures, wallMs, jobsPerSecond: samples.length / (wallMs / 1000) };
}
