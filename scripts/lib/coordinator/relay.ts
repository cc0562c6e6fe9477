/**
 * The coordinator's off-chain relay (HTTP, JSON): prompts by hash, outputs by job id, served
 * models by provider, and the coordinator's metrics.
 *
 * - `POST /v1/prompts` payload → `{ promptHash }`;  `GET /v1/prompts/<hash>` → payload
 * - `POST /v1/results/<jobId>` `{ output, provider }`;  `GET /v1/results/<jobId>?wait=<ms>` → `{ output }`
 * - `POST /v1/models` `{ provider, models: [{ name, digest }] }`;  `GET /v1/models`
 * - `GET /v1/metrics`
 *
 * Payloads are checked against their hash on the way in; nothing here is trusted by the chain.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import type { Hex } from "../../../sdk/src/zk/field.js";
import { payloadHash, type JobPayload } from "../protocol.js";
import { retry } from "../retry.js";

export interface ServedModel {
  name: string;
  digest: Hex;
  providers: string[];
}

export interface RelayState {
  prompts: Map<string, JobPayload>;
  results: Map<string, { output: string; provider: string }>;
  models: Map<string, ServedModel>;
  metrics: () => unknown;
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as unknown;
}

function send(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : (v as unknown))));
}

export interface Relay {
  url: string;
  state: RelayState;
  close(): Promise<void>;
}

/** Starts the relay on `host:port` (default 127.0.0.1, a free port). */
export async function startRelay(
  options: { host?: string; port?: number; metrics?: () => unknown } = {},
): Promise<Relay> {
  const state: RelayState = {
    prompts: new Map(),
    results: new Map(),
    models: new Map(),
    metrics: options.metrics ?? (() => ({})),
  };
  const waiters = new Map<string, (() => void)[]>();
  const server: Server = createServer((req, res) => {
    (async () => {
      const url = new URL(req.url ?? "/", "http://relay");
      const parts = url.pathname.split("/").filter(Boolean); // v1, kind, id
      if (parts[0] !== "v1") return send(res, 404, { error: "not found" });
      if (req.method === "POST" && parts[1] === "prompts") {
        const payload = (await body(req)) as JobPayload;
        const hash = payloadHash(payload);
        state.prompts.set(hash, payload);
        return send(res, 200, { promptHash: hash });
      }
      if (req.method === "GET" && parts[1] === "prompts" && parts[2]) {
        const payload = state.prompts.get(parts[2].toLowerCase());
        return payload ? send(res, 200, payload) : send(res, 404, { error: `no prompt ${parts[2]}` });
      }
      if (req.method === "POST" && parts[1] === "results" && parts[2]) {
        const { output, provider } = (await body(req)) as { output: string; provider: string };
        if (typeof output !== "string") return send(res, 400, { error: "output must be a string" });
        state.results.set(parts[2], { output, provider });
        for (const wake of waiters.get(parts[2]) ?? []) wake();
        waiters.delete(parts[2]);
        return send(res, 200, { ok: true });
      }
      if (req.method === "GET" && parts[1] === "results" && parts[2]) {
        const id = parts[2];
        const wait = Math.min(Number(url.searchParams.get("wait") ?? 0), 60_000);
        if (!state.results.has(id) && wait > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait);
            const list = waiters.get(id) ?? [];
            list.push(() => {
              clearTimeout(timer);
              resolve();
            });
            waiters.set(id, list);
          });
        }
        const result = state.results.get(id);
        return result ? send(res, 200, result) : send(res, 404, { error: `no result for job ${id} yet` });
      }
      if (req.method === "POST" && parts[1] === "models") {
        const { provider, models } = (await body(req)) as {
          provider: string;
          models: { name: string; digest: Hex }[];
        };
        for (const m of models) {
          const served = state.models.get(m.name) ?? { name: m.name, digest: m.digest, providers: [] };
          if (!served.providers.includes(provider)) served.providers.push(provider);
          state.models.set(m.name, served);
        }
        return send(res, 200, { ok: true });
      }
      if (req.method === "GET" && parts[1] === "models")
        return send(res, 200, { models: [...state.models.values()] });
      if (req.method === "GET" && parts[1] === "metrics") return send(res, 200, state.metrics());
      return send(res, 404, { error: "not found" });
    })().catch((error: unknown) => send(res, 400, { error: String(error) }));
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        for (const list of waiters.values()) for (const wake of list) wake();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A client of the relay, with retries on transport errors. */
export class RelayClient {
  constructor(readonly url: string) {}

  private async req<T>(
    method: string,
    path: string,
    value?: unknown,
    timeoutMs = 10_000,
  ): Promise<{ status: number; body: T }> {
    return retry(
      async () => {
        const res = await fetch(`${this.url}${path}`, {
          method,
          headers: { "content-type": "application/json" },
          body: value === undefined ? undefined : JSON.stringify(value),
          signal: AbortSignal.timeout(timeoutMs),
        });
        return { status: res.status, body: (await res.json()) as T };
      },
      { attempts: 4, baseDelayMs: 200 },
    );
  }

  async putPrompt(payload: JobPayload): Promise<Hex> {
    return (await this.req<{ promptHash: Hex }>("POST", "/v1/prompts", payload)).body.promptHash;
  }
  async getPrompt(hash: Hex): Promise<JobPayload | undefined> {
    const r = await this.req<JobPayload>("GET", `/v1/prompts/${hash.toLowerCase()}`);
    return r.status === 200 ? r.body : undefined;
  }
  async putResult(jobId: bigint, output: string, provider: string): Promise<void> {
    await this.req("POST", `/v1/results/${jobId}`, { output, provider });
  }
  async getResult(jobId: bigint, waitMs = 0): Promise<string | undefined> {
    const r = await this.req<{ output: string }>(
      "GET",
      `/v1/results/${jobId}?wait=${waitMs}`,
      undefined,
      waitMs + 10_000,
    );
    return r.status === 200 ? r.body.output : undefined;
  }
  async announce(provider: string, models: { name: string; digest: Hex }[]): Promise<void> {
    await this.req("POST", "/v1/models", { provider, models });
  }
  async models(): Promise<ServedModel[]> {
    return (await this.req<{ models: ServedModel[] }>("GET", "/v1/models")).body.models;
  }
}
