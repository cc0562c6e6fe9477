/**
 * The gateway: an HTTP server that speaks Ollama's API (`/api/version`, `/api/tags`, `/api/show`,
 * `/api/generate`, `/api/chat`; NDJSON streaming and `stream: false`) and turns each inference
 * request into a job on the network, paid from a configured agent wallet (or a plain account).
 * Answers are Ollama's shapes plus an `aitbc` field: job id, fee, provider and receipt.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { encodeFunctionData, type Address } from "viem";

import { agentWalletAbi, jobEscrowAbi } from "../../../sdk/src/abis/index.js";
import type { ChainAdapter } from "../chain.js";
import { RelayClient, type ServedModel } from "../coordinator/relay.js";
import type { ChatMessage } from "../ollama/backend.js";
import { outputHash, type JobPayload } from "../protocol.js";

export interface GatewayOptions {
  chain: ChainAdapter;
  relayUrl: string;
  /** Pay from this AgentWallet (the chain account must be its agent key); default: the account itself. */
  agentWallet?: Address;
  pricePerToken: bigint;
  /** `num_predict` when the request has none (default 256). */
  defaultMaxTokens?: number;
  /** Job deadline from now (s, default 1 day). */
  deadlineS?: number;
  /** How long to wait for a miner's answer (ms, default 120 s). */
  resultTimeoutMs?: number;
  host?: string;
  port?: number;
}

export interface GatewayJobRecord {
  jobId: bigint;
  model: string;
  tokens: number;
  fee: bigint;
  provider: string;
  openedAt: number;
  answeredAt: number;
}

export interface Gateway {
  url: string;
  jobs: GatewayJobRecord[];
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
  } catch {
    throw new HttpError(400, "invalid JSON body");
  }
}

function send(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(value));
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { chain } = options;
  const relay = new RelayClient(options.relayUrl);
  const jobs: GatewayJobRecord[] = [];
  let modelCache: { at: number; models: ServedModel[] } | undefined;
  const models = async () => {
    if (!modelCache || Date.now() - modelCache.at > 2_000)
      modelCache = { at: Date.now(), models: await relay.models() };
    return modelCache.models;
  };
  const findModel = async (name: string) => {
    const all = await models();
    const m = all.find((x) => x.name === name || x.name === `${name}:latest`);
    if (!m) throw new HttpError(404, `model '${name}' not found`);
    return m;
  };

  /** Opens the job, waits for the miner's checked answer. */
  async function runJob(body: Record<string, unknown>, chat: boolean) {
    const model = await findModel(String(body.model ?? ""));
    const opts = (body.options ?? {}) as { seed?: number; num_predict?: number };
    const payload: JobPayload = {
      model: model.name,
      ...(chat
        ? {
            messages: ((body.messages ?? []) as ChatMessage[]).map((m) => ({
              role: m.role,
              content: m.content,
            })),
          }
        : { prompt: String(body.prompt ?? "") }),
      seed: opts.seed ?? 0,
      nonce: randomBytes(8).toString("hex"),
    };
    const maxTokens =
      opts.num_predict && opts.num_predict > 0 ? opts.num_predict : (options.defaultMaxTokens ?? 256);
    const promptHash = await relay.putPrompt(payload);
    const openedAt = performance.now();
    const request = {
      modelDigest: model.digest,
      promptHash,
      maxTokens,
      pricePerToken: options.pricePerToken,
      deadline: (await chain.now()) + (options.deadlineS ?? 86_400),
      minTier: 0,
    };
    const receipt = options.agentWallet
      ? await chain.writeTo(options.agentWallet, agentWalletAbi, "execute", [
          chain.config.addresses.escrow,
          0n,
          encodeFunctionData({ abi: jobEscrowAbi, functionName: "openJob", args: [request] }),
        ], "openJob (agent wallet)") // prettier-ignore
      : await chain.write("escrow", "openJob", [request]);
    const jobId = chain.openedJobId(receipt);
    const deadline = Date.now() + (options.resultTimeoutMs ?? 120_000);
    while (Date.now() < deadline) {
      const output = await relay.getResult(jobId, Math.min(5_000, Math.max(1, deadline - Date.now())));
      if (output === undefined) continue;
      const sub = await chain.submission(jobId);
      if (!sub) continue; // not mined yet
      if (sub.outputHash.toLowerCase() !== outputHash(output).toLowerCase()) {
        throw new HttpError(502, `job ${jobId}: the relayed output does not match the on-chain output hash`);
      }
      const tokens = Number(sub.tokenCount);
      const fee = sub.tokenCount * options.pricePerToken;
      const record = {
        jobId,
        model: model.name,
        tokens,
        fee,
        provider: sub.provider,
        openedAt,
        answeredAt: performance.now(),
      };
      jobs.push(record);
      return {
        output,
        record,
        aitbc: {
          job_id: jobId.toString(),
          fee: fee.toString(),
          price_per_token: options.pricePerToken.toString(),
          token_count: tokens,
          provider: sub.provider,
          model_digest: model.digest,
          receipt: {
            prompt_hash: promptHash,
            output_hash: sub.outputHash,
            nullifier: sub.nullifier.toString(),
            challenge_ends: sub.challengeEnds.toString(),
            tx: sub.txHash,
          },
        },
      };
    }
    throw new HttpError(
      504,
      `job ${jobId}: no miner answered within ${options.resultTimeoutMs ?? 120_000} ms`,
    );
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://gw").pathname;
    if (req.method === "GET" && path === "/api/version") return send(res, 200, { version: "0.6.8-aitbc" });
    if (req.method === "GET" && path === "/api/tags") {
      return send(res, 200, {
        models: (await models()).map((m) => ({
          name: m.name,
          model: m.name,
          modified_at: new Date(0).toISOString(),
          size: 0,
          digest: m.digest.slice(2),
          details: { parent_model: "", format: "aitbc", family: "aitbc", families: ["aitbc"], parameter_size: "", quantization_level: "" }, // prettier-ignore
          aitbc: { providers: m.providers },
        })),
      });
    }
    if (req.method !== "POST") throw new HttpError(404, "not found");
    const body = await readJson(req);
    if (path === "/api/show") {
      const m = await findModel(String(body.model ?? body.name ?? ""));
      return send(res, 200, {
        modelfile: `# served by the AITBC network\nFROM ${m.name}`,
        parameters: "temperature 0",
        template: "{{ .Prompt }}",
        details: { parent_model: "", format: "aitbc", family: "aitbc", families: ["aitbc"], parameter_size: "", quantization_level: "" }, // prettier-ignore
        model_info: { "aitbc.model_digest": m.digest, "aitbc.providers": m.providers.length },
        modified_at: new Date(0).toISOString(),
      });
    }
    if (path !== "/api/generate" && path !== "/api/chat") throw new HttpError(404, "not found");
    const chat = path === "/api/chat";
    const started = process.hrtime.bigint();
    const stream = body.stream !== false;
    // validate the model before committing to a streamed 200
    await findModel(String(body.model ?? ""));
    const result = await runJob(body, chat);
    const base = { model: String(body.model), created_at: new Date().toISOString() };
    const piece = (text: string) =>
      chat ? { message: { role: "assistant", content: text } } : { response: text };
    const final = {
      done: true,
      done_reason: "stop",
      total_duration: Number(process.hrtime.bigint() - started),
      load_duration: 0,
      prompt_eval_count: 0,
      prompt_eval_duration: 0,
      eval_count: result.record.tokens,
      eval_duration: Math.round((result.record.answeredAt - result.record.openedAt) * 1e6),
      aitbc: result.aitbc,
    };
    if (!stream) return send(res, 200, { ...base, ...piece(result.output), ...final });
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    for (const word of result.output.match(/\S+\s*|\s+/g) ?? [])
      res.write(JSON.stringify({ ...base, ...piece(word), done: false }) + "\n");
    res.end(JSON.stringify({ ...base, ...piece(""), ...final }) + "\n");
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (!res.headersSent) send(res, status, { error: (error as Error).message });
      else res.end(JSON.stringify({ error: (error as Error).message }) + "\n");
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    jobs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
