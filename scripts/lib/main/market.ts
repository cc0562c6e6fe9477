/**
 * The main job's market steps: the prompts sent through the gateways with the official `ollama`
 * client (streaming `/api/generate` for `{"prompt"}` lines, `/api/chat` for `{"messages"}` lines),
 * the first ones on the per-job path and the rest as batch requests.
 */
import { Ollama } from "ollama";

import { limiter } from "../../../node/shared/retry.js";
import type { MainOptions, PromptLine } from "../main-options.js";
import type { Network } from "./network.js";

/** How a job was matched: by a miner's signed quote (`JobEscrow`), or a signed batch request (`BatchEscrow`). */
export type Matched = "quote" | "batch";

/** A batch job's place in its batch. */
export interface BatchPlace {
  batch_id: string;
  index: number;
  request_digest: string;
}

/** One answered prompt. */
export interface JobResult {
  prompt: string;
  answer: string;
  /** The `JobEscrow` job id, or the batch job's request digest (its job key). */
  jobId: string;
  tokens: number;
  /** Wei of AITBC, as settled on-chain (filled in by the settlement step). */
  fee: bigint;
  provider: string;
  matched: Matched;
  path: "per-job" | "batch";
  batch?: BatchPlace;
  /** Client-side latency, ms. */
  ms: number;
}

/** The gateway's `aitbc` field on the last response of a job. */
interface AitbcField {
  job_key: string;
  job_id?: string;
  path: Matched;
  provider: string;
  token_count: number;
}

/** Sends one prompt to the gateway at `host` (seed = the prompt's index) and returns the answer and the job. */
async function askGateway(host: string, model: string, p: PromptLine, seed: number) {
  const client = new Ollama({ host });
  if (p.messages) {
    const r = await client.chat({ model, messages: p.messages, stream: false, options: { seed } });
    return { answer: r.message.content, aitbc: (r as unknown as { aitbc: AitbcField }).aitbc };
  }
  let answer = "";
  let last: Record<string, unknown> = {};
  for await (const part of await client.generate({
    model,
    prompt: p.prompt,
    stream: true,
    options: { seed },
  })) {
    answer += part.response;
    last = part as unknown as Record<string, unknown>;
  }
  return { answer, aitbc: last.aitbc as AitbcField };
}

/**
 * Sends the prompts: the first `singles` to the per-job gateway (`opts.concurrency` at once), the
 * rest to the batch gateway (`opts.batchConcurrency` at once, so batches fill).
 *
 * @returns the results in prompt order and the wall time of both phases, ms
 */
export async function sendPrompts(
  net: Network,
  prompts: readonly PromptLine[],
  model: string,
  opts: MainOptions,
  say: (line: string) => void,
): Promise<{ results: JobResult[]; jobsWallMs: number }> {
  const singles = net.batchGateway ? Math.min(opts.singleJobs, prompts.length) : prompts.length;
  say(`gateway (Ollama API) at ${net.singleGateway.url}${net.batchGateway ? ` (per-job) and ${net.batchGateway.url} (batch requests)` : ""}, paying from the agent wallet; ${singles} prompt(s) per job, ${prompts.length - singles} in batches${net.batchGateway ? ` of up to ${opts.batchSize} (max wait ${opts.batchMaxWaitS} s)` : " (the deployment has no BatchEscrow)"}`); // prettier-ignore
  const results: JobResult[] = [];
  const jobsStart = performance.now();
  let done = 0;
  const phase = (indices: number[], host: string, lim: ReturnType<typeof limiter>) =>
    Promise.all(
      indices.map((i) =>
        lim(async () => {
          const p = prompts[i]!;
          const started = performance.now();
          const text = p.prompt ?? p.messages!.map((m) => m.content).join(" ");
          const { answer, aitbc } = await askGateway(host, model, p, i);
          const ms = performance.now() - started;
          const jobId = aitbc.job_id ?? aitbc.job_key;
          results[i] = { prompt: text, answer, jobId, tokens: aitbc.token_count, fee: 0n, provider: aitbc.provider, matched: aitbc.path, path: aitbc.path === "batch" ? "batch" : "per-job", ms }; // prettier-ignore
          say(`[${++done}/${prompts.length}] ${aitbc.path === "batch" ? "batch job" : "job"} ${jobId.length > 20 ? `${jobId.slice(0, 12)}…` : jobId} via ${aitbc.provider.slice(0, 10)}…: "${text.slice(0, 40)}…" → ${answer.slice(0, 40)} (${Math.round(ms)} ms)`); // prettier-ignore
        }),
      ),
    );
  const all = prompts.map((_, i) => i);
  await phase(all.slice(0, singles), net.singleGateway.url, limiter(opts.concurrency));
  if (net.batchGateway) await phase(all.slice(singles), net.batchGateway.url, limiter(opts.batchConcurrency));
  return { results, jobsWallMs: performance.now() - jobsStart };
}
