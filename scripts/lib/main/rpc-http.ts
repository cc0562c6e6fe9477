/**
 * A JSON-RPC HTTP endpoint over the main job's embedded chain (an EIP-1193 provider), so programs in
 * other processes (the indexer, the dashboard, a wallet) can reach it: `npm run demo -- --dashboard`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** An EIP-1193 provider. */
interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/**
 * Serves `provider` over HTTP JSON-RPC (single and batch calls) on 127.0.0.1.
 *
 * @param port 0 = a free port
 * @returns the URL and a close function
 */
export async function serveRpc(
  provider: Eip1193,
  port = 0,
): Promise<{ url: string; close(): Promise<void> }> {
  const one = async (call: { id: unknown; method: string; params?: unknown[] }) => {
    try {
      return { jsonrpc: "2.0", id: call.id, result: await provider.request({ method: call.method, params: call.params ?? [] }) }; // prettier-ignore
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return { jsonrpc: "2.0", id: call.id, error: { code: e.code ?? -32000, message: e.message ?? String(error), data: e.data } }; // prettier-ignore
    }
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          res.writeHead(400).end();
          return;
        }
        const reply = Array.isArray(body) ? await Promise.all(body.map(one)) : await one(body as never);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify(reply, (_, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : (v as unknown))),
        );
      })();
    });
  });
  await new Promise<void>((done) => server.listen(port, "127.0.0.1", done));
  const { port: bound } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${bound}`, close: () => new Promise((done) => server.close(() => done())) };
}
