#!/usr/bin/env node
// @ts-check
/**
 * Sets up a fresh clone and runs one command with a Node.js that Hardhat 3 accepts.
 *
 * Usage: `node tools/bootstrap.mjs <command> [args...]` (the README's two commands go through it).
 *
 * What it does, in order:
 * 1. Finds a Node.js >= 22.13.0 (Hardhat 3's minimum). The running Node is used when it is new
 *    enough. Otherwise Node {@link PINNED_NODE} is installed from the npm registry (the `node`
 *    package ships the real binary) into `.tools/node/`, once; nothing is installed globally.
 * 2. Installs the project's dependencies with `npm ci` (falling back to `npm install --no-save`
 *    when npm ci refuses the lockfile) **with that Node first on PATH**. This matters:
 *    npm running under Node 20 silently skips Hardhat's native EVM binding (an optional dependency
 *    whose `engines` says node >= 22), and Hardhat then fails with HHE27 (see shared TOOLCHAIN.md).
 *    The install is redone only when `package-lock.json` or the Node major version changes
 *    (a stamp in `node_modules/.aitbc-install.json`).
 * 3. Runs the command with `node_modules/.bin` and that Node first on PATH, and exits with its code.
 *
 * Written for any Node >= 18 with no dependencies, because it runs before anything is installed.
 * Exit codes: the command's own; 1 with a readable message when set-up fails.
 */
import { spawnSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { constants } from "node:os";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Node.js version installed when the running one is too old (an LTS line Hardhat 3 supports). */
const PINNED_NODE = "24.21.0";
/** Hardhat 3's minimum Node.js version (its own start-up check). */
const MIN_NODE = [22, 13, 0];

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const toolsDir = join(root, ".tools", "node");
const stampFile = join(root, "node_modules", ".aitbc-install.json");

/** @param {string} message */
function fail(message) {
  process.stderr.write(`\n[bootstrap] error: ${message}\n`);
  process.exit(1);
}

/** @param {string} message */
function say(message) {
  process.stderr.write(`[bootstrap] ${message}\n`);
}

/**
 * @param {string} version like "v22.13.0" or "22.13.0"
 * @returns {boolean} whether it is at least {@link MIN_NODE}
 */
function isRecentEnough(version) {
  const parts = version.replace(/^v/, "").split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    if ((parts[i] ?? 0) !== MIN_NODE[i]) return (parts[i] ?? 0) > MIN_NODE[i];
  }
  return true;
}

/**
 * Runs a command synchronously, inheriting stdio; fails with a message when it does not exit 0.
 * @param {string} cmd
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @param {string} what a human description for the error message
 */
function run(cmd, args, env, what) {
  const result = spawnSync(cmd, args, { cwd: root, env, stdio: "inherit" });
  if (result.error) fail(`${what}: ${result.error.message}`);
  if (result.status !== 0) fail(`${what} exited with code ${result.status}`);
}

/**
 * Returns the directory holding a Node.js binary >= 22.13, installing the pinned one if needed.
 * @returns {{ dir: string, version: string }}
 */
function ensureNode() {
  if (isRecentEnough(process.version)) {
    return { dir: dirname(process.execPath), version: process.version };
  }
  const binDir = join(toolsDir, "node_modules", "node", "bin");
  const binary = join(binDir, "node");
  const probe = () => spawnSync(binary, ["--version"], { encoding: "utf8" });
  let found = existsSync(binary) ? probe() : undefined;
  if (!found || found.status !== 0 || !isRecentEnough(found.stdout.trim())) {
    say(`Node ${process.version} is older than Hardhat 3 needs (>= ${MIN_NODE.join(".")}).`);
    say(`Installing Node ${PINNED_NODE} from the npm registry into .tools/node (once) ...`);
    mkdirSync(toolsDir, { recursive: true });
    writeFileSync(
      join(toolsDir, "package.json"),
      JSON.stringify({ name: "aitbc-node-runtime", private: true }, null, 2),
    );
    run(
      "npm",
      [
        "install",
        "--prefix",
        toolsDir,
        "--no-save",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        `node@${PINNED_NODE}`,
      ],
      process.env,
      `npm install node@${PINNED_NODE}`,
    );
    found = probe();
    if (found.status !== 0) fail(`the installed Node at ${binary} does not run`);
  }
  return { dir: binDir, version: found.stdout.trim() };
}

/**
 * Installs node_modules with `npm ci` under the given Node when the lockfile or Node major changed.
 * @param {NodeJS.ProcessEnv} env environment whose PATH starts with the chosen Node
 * @param {string} nodeVersion
 */
function ensureDependencies(env, nodeVersion) {
  const lockFile = join(root, "package-lock.json");
  if (!existsSync(lockFile)) fail("package-lock.json is missing; run `npm install` once and commit it");
  const lockHash = createHash("sha256").update(readFileSync(lockFile)).digest("hex");
  const nodeMajor = nodeVersion.replace(/^v/, "").split(".")[0];
  const wanted = { lockHash, nodeMajor };
  if (existsSync(stampFile)) {
    try {
      const stamp = JSON.parse(readFileSync(stampFile, "utf8"));
      if (stamp.lockHash === wanted.lockHash && stamp.nodeMajor === wanted.nodeMajor) return;
    } catch {
      // A damaged stamp means: install again.
    }
  }
  say(`Installing dependencies with npm ci under Node ${nodeVersion} ...`);
  const ci = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, env, encoding: "utf8" });
  if (ci.error) fail(`npm ci: ${ci.error.message}`);
  if (ci.status === 0) {
    process.stderr.write(ci.stdout.split("\n").slice(-3).join("\n"));
  } else {
    // npm ci refuses a lockfile that lacks any optional platform package (e.g. Hardhat's EDR
    // builds for macOS and Windows when the registry used to write the lockfile did not have them).
    // `npm install --no-save` installs the lockfile's versions all the same and writes nothing.
    const missing = ci.stderr.split("\n").filter((line) => line.includes("Missing:")).length;
    say(
      missing > 0
        ? `npm ci refused the lockfile (${missing} optional platform packages are not in it); ` +
            "installing the same versions with npm install --no-save."
        : `npm ci failed (exit ${ci.status}); trying npm install --no-save:\n${ci.stderr.slice(-2000)}`,
    );
    run("npm", ["install", "--no-save", "--no-audit", "--no-fund"], env, "npm install");
  }
  // Hardhat's EVM is a native binding installed as an optional dependency; check it loads.
  const check = spawnSync("node", ["-e", "require('@nomicfoundation/edr')"], {
    cwd: root,
    env,
    encoding: "utf8",
  });
  if (check.status !== 0) {
    fail(`Hardhat's native EVM binding does not load after npm ci:\n${check.stderr}`);
  }
  writeFileSync(stampFile, JSON.stringify(wanted, null, 2));
}

const [command, ...args] = process.argv.slice(2);
if (!command) fail("usage: node tools/bootstrap.mjs <command> [args...]");

const node = ensureNode();
/** @type {NodeJS.ProcessEnv} */
const env = { ...process.env };
// npm sets these to the Node that started it; point them at the chosen Node for child tools.
delete env.npm_node_execpath;
delete env.NODE;
env.PATH = [node.dir, ...(env.PATH ?? "").split(delimiter)].join(delimiter);
ensureDependencies(env, node.version);
env.PATH = [join(root, "node_modules", ".bin"), env.PATH].join(delimiter);

const child = spawn(command, args, { cwd: root, env, stdio: "inherit" });
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.on(signal, () => child.kill(signal));
}
child.on("error", (error) => fail(`could not start ${command}: ${error.message}`));
child.on("exit", (code, signal) => {
  // A child ended by a signal exits like a shell reports it: 128 + the signal's number.
  process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1));
});
