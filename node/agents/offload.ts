/**
 * A skill's network path through an AITBC gateway: the call becomes one generation on the gateway's
 * Ollama API (`/api/generate` with the official `ollama` client, not streamed), which the gateway
 * places as an inference job on the network and pays from its own wallet (the seller's cost of the
 * call). The gateway names the job in its answer's `aitbc` field (`job_key`, `job_id` on the quote
 * path, `provider`, `output_hash`, `token_count`, `max_fee`); that is the receipt the ledger records.
 *
 * A gateway started with a local Ollama may answer from it (`aitbc.route: "local"`) — then there is
 * no job and no receipt, and this offload fails: a skill's network path must be a network job (run
 * it against a gateway without `--local-ollama`, or give the skill a local handler instead).
 */
import { Ollama, type GenerateResponse } from "ollama";
import type { Address, Hex } from "viem";

import type { NetworkJobReceipt, SkillCallContext, SkillOffload } from "@aitbc/sdk";

/** Options of {@link gatewayOffload}. */
export interface GatewayOffloadOptions {
  /** The gateway's base URL (its Ollama API is at `/api`). */
  gatewayUrl: string;
  /** The model to run (a name the gateway serves, or its bytes32 digest). */
  model: string;
  /** The prompt of one call, from its input (validate the input here). */
  prompt: (input: unknown, context: SkillCallContext) => string;
  /** Most tokens to generate (the job pays for at most this many; default: the gateway's). */
  maxTokens?: number;
  /** The skill's output from the generated text (default: the text). */
  output?: (text: string, input: unknown) => unknown;
  /** Sampling seed (default 0; the gateway always samples at temperature 0). */
  seed?: number;
}

/** The `aitbc` field of the gateway's answer (see node/gateway/generation.ts `aitbcField`). */
interface AitbcField {
  route?: string;
  job_key?: string;
  job_id?: string;
  provider?: string;
  output_hash?: string;
  token_count?: number;
  max_fee?: string;
}

/** The gateway answered, but not with a network job (e.g. from its local Ollama). */
export class GatewayOffloadError extends Error {
  override readonly name = "GatewayOffloadError";
}

/**
 * The network path of a skill through a gateway (see the module's description).
 *
 * @param options See {@link GatewayOffloadOptions}.
 * @returns A {@link SkillOffload} for the skill's `offload`.
 * @example
 * ```ts
 * router.register({
 *   name: "summarize", priceWei: 10n ** 15n, model: "llama3.2:1b", modelSizeGB: 1.3,
 *   computeIntensity: 0.3, expectedDurationSec: 20,
 *   offload: gatewayOffload({ gatewayUrl, model: "llama3.2:1b", prompt: (i) => `Summarize: ${(i as { text: string }).text}` }),
 * });
 * ```
 */
export function gatewayOffload(options: GatewayOffloadOptions): SkillOffload {
  return async (input, context) => {
    // One client per call: `abort()` stops every request of a client.
    const client = new Ollama({ host: options.gatewayUrl });
    const prompt = options.prompt(input, context);
    const request = client.generate({
      model: options.model,
      prompt,
      stream: false,
      options: {
        seed: options.seed ?? 0,
        ...(options.maxTokens !== undefined ? { num_predict: options.maxTokens } : {}),
      },
    });
    const onAbort = () => client.abort();
    context.signal?.addEventListener("abort", onAbort, { once: true });
    let answer: GenerateResponse;
    try {
      answer = await request;
    } finally {
      context.signal?.removeEventListener("abort", onAbort);
    }
    const aitbc = (answer as unknown as { aitbc?: AitbcField }).aitbc;
    if (aitbc?.route !== "network" || typeof aitbc.job_key !== "string") {
      throw new GatewayOffloadError(
        `the gateway answered ${aitbc?.route === undefined ? "without an aitbc field" : `from route ${aitbc.route}`}, not with a network job`,
      );
    }
    const job: NetworkJobReceipt = {
      jobKey: aitbc.job_key as Hex,
      ...(aitbc.job_id !== undefined ? { jobId: BigInt(aitbc.job_id) } : {}),
      ...(aitbc.provider !== undefined ? { provider: aitbc.provider as Address } : {}),
      ...(aitbc.output_hash !== undefined ? { outputHash: aitbc.output_hash as Hex } : {}),
      ...(aitbc.token_count !== undefined ? { tokenCount: aitbc.token_count } : {}),
      ...(aitbc.max_fee !== undefined ? { feeWei: BigInt(aitbc.max_fee) } : {}),
    };
    const text = answer.response ?? "";
    return { output: options.output ? options.output(text, input) : text, job };
  };
}
