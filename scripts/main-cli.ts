/**
 * Command line of the main job, behind `npm run demo`:
 *
 *   npm run demo -- --prompts my.jsonl --report out.json
 *
 * `hardhat run` passes no arguments to its script (Hardhat 3 rejects unknown flags), so this program
 * parses the flags, turns them into the main job's environment variables ({@link MAIN_ENV}), checks
 * them and the prompts file (a mistake is one line and exit code 1, before Hardhat starts), then runs
 * `hardhat run scripts/main.ts` on the embedded chain with the same Node.js and exits with its code.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { join } from "node:path";

import { Command } from "commander";

import { MAIN_ENV, ROOT, UsageError, mainOptionsFromEnv, readPrompts, userPath } from "./lib/main-options.js";

const HARDHAT = join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");

const program = new Command()
  .name("npm run demo --")
  .description(
    "The AITBC main job on the embedded Hardhat chain: deploys the protocol, sends the prompts through " +
      "the gateway, proves and settles every job, runs one governance proposal, prints and writes a report.",
  )
  .option(
    "--prompts <file>",
    `JSON-lines prompts, {"prompt"} or {"messages"} per line (${MAIN_ENV.prompts}; default examples/prompts.jsonl)`,
  ) // prettier-ignore
  .option(
    "--report <file>",
    `where to write the JSON report (${MAIN_ENV.report}; default reports/main-<timestamp>.json)`,
  ) // prettier-ignore
  .option(
    "--ollama-host <url>",
    `Ollama runtime to use when it answers (${MAIN_ENV.ollamaHost}; default http://127.0.0.1:11434)`,
  ) // prettier-ignore
  .option("--model <name>", `model of that runtime (${MAIN_ENV.model}; default: the first it lists)`)
  .option("--concurrency <n>", `concurrent client requests (${MAIN_ENV.concurrency}; default 4)`)
  .option(
    "--deployments-dir <dir>",
    `folder for <chainId>.json (${MAIN_ENV.deploymentsDir}; default deployments/)`,
  ) // prettier-ignore
  .option(
    "--dashboard",
    `keep the chain and programs running after the job, serve the indexer and dashboard (${MAIN_ENV.dashboard})`,
  ) // prettier-ignore
  .option("--no-compile", "skip Hardhat's compile step (when the contracts are compiled already)")
  .addHelpText(
    "after",
    "\nWithout a reachable Ollama the built-in model is used (no GPU); the report says which and why.\n" +
      "The DAO-only walkthrough (genesis, flash-loan defence, one proposal): npm run demo:dao",
  )
  .showHelpAfterError("(npm run demo -- --help for the options)");

program.parse(process.argv);
const flags = program.opts<{
  prompts?: string;
  report?: string;
  ollamaHost?: string;
  model?: string;
  concurrency?: string;
  deploymentsDir?: string;
  dashboard?: boolean;
  compile: boolean;
}>();

// Paths are made absolute here: Hardhat runs in the repository root, not where the command was typed.
const paths = new Set(["prompts", "report", "deploymentsDir"]);
const env: NodeJS.ProcessEnv = { ...process.env };
for (const key of Object.keys(MAIN_ENV) as (keyof typeof MAIN_ENV)[]) {
  const value = flags[key];
  if (value === true) env[MAIN_ENV[key]] = "1";
  else if (typeof value === "string") env[MAIN_ENV[key]] = paths.has(key) ? userPath(value) : value;
}
try {
  readPrompts(mainOptionsFromEnv(env).prompts);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`main: ${error.message}`);
  process.exit(1);
}

const args = [HARDHAT, "run", ...(flags.compile ? [] : ["--no-compile"]), "scripts/main.ts"];
const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
