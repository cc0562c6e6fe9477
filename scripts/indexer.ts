/**
 * The AITBC indexer (Ponder, indexer/): every protocol event into PGlite, or PostgreSQL when
 * `DATABASE_URL` is set, with GraphQL (`/graphql`), SQL over HTTP (`/sql`) and the dashboard's views
 * (`/aitbc/*`). A restart resumes from Ponder's checkpoint; reorgs are followed by Ponder.
 *
 *   npm run indexer -- --rpc http://127.0.0.1:8545 --deployments deployments/31337.json
 */
import { isAbsolute, resolve } from "node:path";

import { Command, Option } from "commander";

import { startIndexer } from "./lib/indexer/process.js";

const program = new Command()
  .name("npm run indexer --")
  .description("Indexes every AITBC protocol event (Ponder) and serves GraphQL and SQL over HTTP.")
  .requiredOption("--rpc <url>", "JSON-RPC URL of the chain")
  .requiredOption(
    "--deployments <file>",
    "deployments file ({ chainId, contracts }, e.g. deployments/31337.json)",
  )
  .option("--start-block <n>", "first block to index", "0")
  .addOption(new Option("--port <n>", "HTTP port of the API").default("42069"))
  .option("--db-dir <dir>", "PGlite folder (without DATABASE_URL)", undefined)
  .option("--schema <name>", "database schema (PostgreSQL)", undefined)
  .showHelpAfterError();
program.parse(process.argv);
const f = program.opts<{ rpc: string; deployments: string; startBlock: string; port: string; dbDir?: string; schema?: string }>(); // prettier-ignore
const path = (p: string) => (isAbsolute(p) ? p : resolve(process.env.INIT_CWD ?? process.cwd(), p));

const indexer = await startIndexer({
  rpc: f.rpc,
  deployments: path(f.deployments),
  startBlock: Number(f.startBlock),
  port: Number(f.port),
  ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
  ...(f.dbDir ? { dbDir: path(f.dbDir) } : {}),
  ...(f.schema ? { schema: f.schema } : {}),
});
console.log(`indexer: ${indexer.url}/graphql (GraphQL), ${indexer.url}/sql (SQL), ${indexer.url}/status`);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => void indexer.stop().then(() => process.exit(0)));
indexer.child.on("exit", (code) => process.exit(code ?? 1));
