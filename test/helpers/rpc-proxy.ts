/** A JSON-RPC HTTP endpoint over an in-process Hardhat network, for child processes (127.0.0.1, free port). */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

export async function startRpcProxy(provider: Eip1193): Promise<{ url: string; close(): Promise<void> }> {
  const one = async (call: { id: unknown; method: string; params?: unknown[] }) => {
    try {
      return {
        jsonrpc: "2.0",
        id: call.id,
        result: await provider.request({ method: call.method, params: call.params ?? [] }),
      };
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: call.id,
        error: { code: e.code ?? -32000, message: e.message ?? String(error), data: e.data },
      };
    }
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
        const reply = Array.isArray(body) ? await Promise.all(body.map(one)) : await one(body as never);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify(reply, (_, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : (v as unknown))),
        );
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
