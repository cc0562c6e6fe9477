/**
 * The AITBC dashboard: governance, market and agents, read from the indexer's API (indexer/).
 *
 *   npm run dashboard -- --rpc http://127.0.0.1:8545 [--deployments deployments/31337.json] [--port 8080]
 *   npm run dashboard -- --indexer http://127.0.0.1:42069          # an indexer that already runs
 *
 * Serves dashboard/public/ (static HTML and ES modules), Chart.js from node_modules (no CDN), and
 * proxies `/api/*` to the indexer (`/api/aitbc/governance` → `<indexer>/aitbc/governance`, `/api/status`).
 * The page polls `/api/status` and refreshes its views when a new block has been indexed.
 */
import { readFile } from "node:fs/promises";
import { extname, isAbsolute, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { serve } from "@hono/node-server";
import { Command } from "commander";
import { Hono } from "hono";

import { startIndexer, type RunningIndexer } from "../scripts/lib/indexer/process.js";

const HERE = resolve(fileURLToPath(import.meta.url), "..");
const PUBLIC = join(HERE, "public");
const CHART_JS = join(HERE, "..", "node_modules", "chart.js", "dist", "chart.umd.min.js");
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
};

/** The dashboard's HTTP app over an indexer at `indexerUrl`. */
export function dashboardApp(indexerUrl: string): Hono {
  const app = new Hono();
  app.get("/api/*", async (c) => {
    const path = c.req.path.slice("/api".length);
    const upstream = await fetch(`${indexerUrl}${path}`).catch(() => undefined);
    if (!upstream) return c.json({ error: "indexer_unavailable" }, 502);
    return new Response(upstream.body, {
      status: upstream.status,
      headers: {
        "content-type": upstream.headers.get("content-type") ?? "application/json",
        "cache-control": "no-store",
      },
    });
  });
  app.get(
    "/vendor/chart.js",
    async () => new Response(await readFile(CHART_JS), { headers: { "content-type": TYPES[".js"]! } }),
  );
  app.get("/*", async (c) => {
    const rel = normalize(c.req.path === "/" ? "/index.html" : c.req.path);
    if (rel.includes("..")) return c.notFound();
    const file = join(PUBLIC, rel);
    const body = await readFile(file).catch(() => undefined);
    if (!body) return c.notFound();
    return new Response(body, {
      headers: { "content-type": TYPES[extname(file)] ?? "application/octet-stream" },
    });
  });
  return app;
}

/** A running dashboard (and the indexer it started, if any). */
export interface RunningDashboard {
  url: string;
  indexerUrl: string;
  /** Settles when the indexer it started exits (never, when it uses an indexer given by URL). */
  indexerExited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts the dashboard on `port` (0 = a free one), starting an indexer unless `indexerUrl` is given. */
export async function startDashboard(p: {
  rpc?: string;
  deployments?: string;
  indexerUrl?: string;
  indexerPort?: number;
  port?: number;
  dbDir?: string;
  databaseUrl?: string;
  pollMs?: number;
}): Promise<RunningDashboard> {
  let indexer: RunningIndexer | undefined;
  let indexerUrl = p.indexerUrl;
  if (!indexerUrl) {
    if (!p.rpc || !p.deployments)
      throw new Error("--rpc and --deployments are needed when no --indexer is given");
    indexer = await startIndexer({
      rpc: p.rpc,
      deployments: p.deployments,
      port: p.indexerPort ?? 42_069,
      ...(p.dbDir ? { dbDir: p.dbDir } : {}),
      ...(p.databaseUrl ? { databaseUrl: p.databaseUrl } : {}),
      ...(p.pollMs ? { pollMs: p.pollMs } : {}),
    });
    indexerUrl = indexer.url;
  }
  const app = dashboardApp(indexerUrl);
  const server = await new Promise<ReturnType<typeof serve>>((done) => {
    const s = serve({ fetch: app.fetch, port: p.port ?? 8080, hostname: "127.0.0.1" }, () => done(s));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : p.port;
  return {
    url: `http://127.0.0.1:${port}/`,
    indexerUrl,
    indexerExited: indexer ? indexer.exited : new Promise<never>(() => {}),
    stop: async () => {
      await new Promise<void>((done) => server.close(() => done()));
      await indexer?.stop();
    },
  };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const program = new Command()
    .name("npm run dashboard --")
    .description("The AITBC dashboard (governance, market, agents) over the indexer's API.")
    .option("--rpc <url>", "JSON-RPC URL of the chain (starts an indexer)")
    .option("--deployments <file>", "deployments file", "deployments/31337.json")
    .option("--indexer <url>", "an indexer that already runs (instead of --rpc)")
    .option("--indexer-port <n>", "port of the started indexer", "42069")
    .option("--port <n>", "HTTP port of the dashboard", "8080")
    .showHelpAfterError();
  program.parse(process.argv);
  const f = program.opts<{
    rpc?: string;
    deployments: string;
    indexer?: string;
    indexerPort: string;
    port: string;
  }>();
  const path = (x: string) => (isAbsolute(x) ? x : resolve(process.env.INIT_CWD ?? process.cwd(), x));
  const d = await startDashboard({
    ...(f.rpc ? { rpc: f.rpc } : {}),
    deployments: path(f.deployments),
    ...(f.indexer ? { indexerUrl: f.indexer } : {}),
    indexerPort: Number(f.indexerPort),
    port: Number(f.port),
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
  });
  console.log(`dashboard: ${d.url} (indexer ${d.indexerUrl})`);
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.on(signal, () => void d.stop().then(() => process.exit(0)));
}
