/**
 * Picking up where a stopped (or killed) gateway was, from its job table:
 * - `signed`: the same signed request is sent again (miners are idempotent on its digest): the miner
 *   streams or returns the answer it has, or refuses a request it never took (then nothing is paid);
 * - `accepted`: the answer is read from the miner's result route;
 * - `opening`: the opening transaction is looked for on-chain (`JobOpened` of this consumer with
 *   this prompt hash): found, the job is `opened`; not found, it never happened (`failed`);
 * - `opened` / `delivered`: the prompt is delivered (again: uploads are idempotent) and the answer read.
 * Unsettled batch requests get their deposit reservations back. Nothing is signed or opened anew,
 * so nothing is paid twice. The answers go to the archive and the table (their clients are gone).
 */
import { getContractEvents } from "viem/actions";
import type { Hex } from "viem";

import { jobEscrowAbi, jobKeyOfJobId } from "@aitbc/sdk";
import { batchRequestFromJson, type ProviderClient } from "../shared/provider-api.js";
import type { AnyPayload } from "../shared/protocol.js";
import { relayAnswer } from "./answer.js";
import { deliveredNothing, firstEvent, resultEvents, type Accepted } from "./attempt.js";
import type { GatewayContext } from "./context.js";
import { deliverPrompt } from "./deliver.js";
import { UNFINISHED, type JobRow } from "./state.js";

const quiet = { token: () => undefined };

/** Finds the job a lost `opening` created, if any: its id. */
async function findOpened(ctx: GatewayContext, row: JobRow): Promise<bigint | undefined> {
  const logs = await getContractEvents(ctx.publicClient, { address: ctx.contracts.JobEscrow!, abi: jobEscrowAbi, eventName: "JobOpened", args: { consumer: ctx.consumer }, fromBlock: 0n }); // prettier-ignore
  const log = logs.find((l) => (l.args as { promptHash?: Hex }).promptHash?.toLowerCase() === row.promptHash);
  return (log?.args as { jobId?: bigint } | undefined)?.jobId;
}

/** Sends a stored signed request again; the events, or undefined if the miner never took it. */
async function resend(ctx: GatewayContext, row: JobRow, client: ProviderClient) {
  const stored = JSON.parse(row.request!) as Record<string, string>;
  const request = batchRequestFromJson(stored);
  const payload = JSON.parse(row.payload) as AnyPayload;
  try {
    return await firstEvent(
      client.sendBatchRequest({ request, signature: stored.signature as Hex, payload }),
    );
  } catch (error) {
    if (deliveredNothing(error)) return undefined;
    return resultEvents(client, row.jobKey as Hex, ctx.policy.resultTimeoutMs, ctx.shutdown);
  }
}

/** The accepted job of a stored row, or undefined when there is none (the row is then `failed`). */
async function reopen(ctx: GatewayContext, row: JobRow): Promise<Accepted | undefined> {
  const client = ctx.offers.clientFor(row.provider as Hex, row.uri);
  const base = { row, jobKey: row.jobKey as Hex, provider: row.provider, client };
  if (row.state === "signed") {
    const events = await resend(ctx, row, client);
    if (events) return { ...base, events };
    ctx.deposit?.release(row.jobKey!);
    ctx.state.update(row.promptHash, { state: "failed", reason: "the miner never took the request" });
    return undefined;
  }
  if (row.state === "accepted") return { ...base, events: resultEvents(client, base.jobKey, ctx.policy.resultTimeoutMs, ctx.shutdown) }; // prettier-ignore
  if (row.state === "opening") {
    const jobId = await findOpened(ctx, row);
    if (jobId === undefined) {
      ctx.state.update(row.promptHash, { state: "failed", reason: "the opening never reached the chain" });
      return undefined;
    }
    const jobKey = jobKeyOfJobId(jobId).toLowerCase();
    ctx.state.update(row.promptHash, { state: "opened", jobId: jobId.toString(), jobKey });
    ctx.archive.put(jobKey as Hex, { payload: row.payload });
    row = { ...row, state: "opened", jobId: jobId.toString(), jobKey };
  }
  return deliverPrompt(ctx, row);
}

/** Resumes one stored job to its answer (errors are logged; the row keeps its state). */
export async function resumeJob(ctx: GatewayContext, row: JobRow): Promise<void> {
  const endLoad = ctx.load.begin(row.provider);
  try {
    const accepted = await reopen(ctx, row);
    if (!accepted) return;
    const answer = await relayAnswer(ctx, accepted, Number.MAX_SAFE_INTEGER, quiet, performance.now());
    ctx.log(
      `resumed job ${answer.jobKey.slice(0, 10)}: answered by ${answer.provider} (${answer.tokenCount} tokens)`,
    );
    ctx.metrics.jobs.inc({ outcome: "resumed" });
  } catch (error) {
    ctx.log(
      `resuming ${row.promptHash.slice(0, 10)} (${row.state}): ${(error as Error).message.split("\n")[0]}`,
    );
    ctx.metrics.errors.inc({ kind: "resume" });
  } finally {
    endLoad();
  }
}

/**
 * Restores the deposit's reservations and resumes every unfinished job (in the background).
 *
 * @returns A promise settled once every resumed job has ended (answered or given up).
 */
export function resumeAll(ctx: GatewayContext): Promise<void> {
  for (const row of ctx.state.inStates(["signed", "accepted", "answered"]))
    if (row.path === "batch" && row.jobKey) ctx.deposit?.restore(row.jobKey, BigInt(row.maxFee));
  const rows = ctx.state.inStates(UNFINISHED);
  if (rows.length > 0) ctx.log(`resuming ${rows.length} unfinished job(s)`);
  return Promise.all(rows.map((row) => resumeJob(ctx, row))).then(() => undefined);
}
