/**
 * `npm run bench:chain-storage`: what makes a transaction on the embedded chain (EDR) cost more as a
 * run goes on: the probes behind `bench:simulate`'s scaling figures (bench/README.md). Each run starts a
 * fresh chain with automine:
 *
 * - `grow`: 30,000 transactions to one contract, each writing one new slot (its storage grows to 30,000);
 * - `same`: 30,000 transactions each writing one of two slots again (its storage stays at 2 slots);
 * - `batch`: 300 transactions of 100 new slots each (the same 30,000 slots in 1% of the blocks);
 * - `after-transfers`: 10,000 plain ether transfers to new accounts, then 6,000 ether transfers timed;
 * - `after-setBalance`: 10,000 `hardhat_setBalance` calls on new accounts, then the same 6,000 timed
 *   (each call leaves EDR an irregular state change; the simulator gave every account its gas this way
 *   before `3f41c20`).
 *
 * `npm run bench:chain-storage -- after-setBalance` runs only the named runs (any of the five). A later
 * chain in the same process runs slower than the first (measured: the same 6,000 transfers 0.45–0.55 ms
 * first, 0.70–0.81 ms second), so compare runs made each in a process of its own. The chains have the
 * simulator's settings (`allowBlocksWithSameTimestamp`).
 *
 * Printed: ms per timed transaction (and per slot for `batch`) in each sixth (each third for the
 * transfer runs), and the RSS. The contracts are raw EVM bytecode (below), so nothing is compiled.
 * Machine-dependent figures: a benchmark, never a test.
 */
import { network } from "hardhat";
import { keccak256, numberToHex, pad, toHex, type Address, type Hex } from "viem";

type Request = (args: { method: string; params?: unknown[] }) => Promise<unknown>;

/** Runtime `SSTORE(calldata[0], 1)`: PUSH1 1, PUSH1 0, CALLDATALOAD, SSTORE, STOP. */
const ONE_SLOT = "600160003555" + "00";
/**
 * Runtime: for n = 100 down to 1, `SSTORE(calldata[0] + n, 1)`. PUSH1 0 CALLDATALOAD PUSH1 100;
 * loop (pc 5): JUMPDEST DUP1 ISZERO PUSH1 24 JUMPI PUSH1 1 DUP3 DUP3 ADD SSTORE PUSH1 1 SWAP1 SUB
 * PUSH1 5 JUMP; end (pc 24): JUMPDEST STOP.
 */
const HUNDRED_SLOTS = "6000356064" + "5b801560185760018282015560019003600556" + "5b00";
/** Ether each new account gets in the transfer runs, wei (0.1 ETH: 10,000 of them fit a dev account). */
const GIFT = numberToHex(10n ** 17n);

/** Init code returning `runtime` (≤ 32 bytes): PUSHn runtime, PUSH1 0, MSTORE, RETURN(32 − n, n). */
function initCode(runtime: string): Hex {
  const n = runtime.length / 2;
  const byte = (x: number) => x.toString(16).padStart(2, "0");
  return `0x${byte(0x5f + n)}${runtime}600052${"60" + byte(n)}${"60" + byte(32 - n)}f3`;
}

const rss = () => `RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`;
/** A fresh address per label. */
const addressOf = (label: string): Address => `0x${keccak256(toHex(label)).slice(26)}`;

async function chain(): Promise<{ request: Request; close: () => Promise<void>; accounts: Address[] }> {
  const connection = await network.create({ override: { allowBlocksWithSameTimestamp: true } });
  const request = (connection.provider as unknown as { request: Request }).request.bind(connection.provider);
  const accounts = (await request({ method: "eth_accounts" })) as Address[];
  return { request, close: () => connection.close(), accounts };
}

async function storage(mode: "grow" | "same" | "batch"): Promise<void> {
  const { request, close, accounts } = await chain();
  const from = accounts[0]!;
  const deploy = (await request({ method: "eth_sendTransaction", params: [{ from, data: initCode(mode === "batch" ? HUNDRED_SLOTS : ONE_SLOT), gas: "0x100000" }] })) as Hex; // prettier-ignore
  const { contractAddress: to } = (await request({ method: "eth_getTransactionReceipt", params: [deploy] })) as { contractAddress: Address }; // prettier-ignore
  const transactions = mode === "batch" ? 300 : 30_000;
  const slotsPerTransaction = mode === "batch" ? 100 : 1;
  const sixth = transactions / 6;
  let started = performance.now();
  for (let i = 0; i < transactions; i++) {
    const key = mode === "same" ? (i % 2) + 1 : mode === "batch" ? i * 1_000 : i + 1;
    await request({ method: "eth_sendTransaction", params: [{ from, to, data: pad(numberToHex(key)), gas: "0x400000" }] }); // prettier-ignore
    if ((i + 1) % sixth === 0) {
      const ms = (performance.now() - started) / sixth;
      const writes = (i + 1) * slotsPerTransaction;
      const perSlot = mode === "batch" ? `, ${(ms / slotsPerTransaction).toFixed(4)} ms/slot` : "";
      console.log(`${mode.padEnd(16)} ${String(writes).padStart(6)} slot writes: ${ms.toFixed(3)} ms/transaction${perSlot}, ${rss()}`); // prettier-ignore
      started = performance.now();
    }
  }
  await close();
}

async function transfers(mode: "after-transfers" | "after-setBalance"): Promise<void> {
  const { request, close, accounts } = await chain();
  const [timed, giver] = [accounts[0]!, accounts[1]!];
  for (let i = 0; i < 10_000; i++) {
    const to = addressOf(`account ${i}`);
    if (mode === "after-setBalance") await request({ method: "hardhat_setBalance", params: [to, GIFT] });
    else await request({ method: "eth_sendTransaction", params: [{ from: giver, to, value: GIFT, gas: "0x5208" }] }); // prettier-ignore
  }
  let started = performance.now();
  for (let i = 0; i < 6_000; i++) {
    await request({ method: "eth_sendTransaction", params: [{ from: timed, to: addressOf(`timed ${i}`), value: "0x1", gas: "0x5208" }] }); // prettier-ignore
    if ((i + 1) % 2_000 === 0) {
      console.log(`${mode.padEnd(16)} ${String(i + 1).padStart(6)} transfers: ${((performance.now() - started) / 2_000).toFixed(3)} ms/transaction, ${rss()}`); // prettier-ignore
      started = performance.now();
    }
  }
  await close();
}

const STORAGE_RUNS = ["grow", "same", "batch"] as const;
const TRANSFER_RUNS = ["after-transfers", "after-setBalance"] as const;
const asked = process.argv.slice(2);
const unknown = asked.filter((a) => !(STORAGE_RUNS as readonly string[]).includes(a) && !(TRANSFER_RUNS as readonly string[]).includes(a)); // prettier-ignore
if (unknown.length > 0) {
  console.error(`bench:chain-storage: unknown run ${unknown.join(", ")}; runs: ${[...STORAGE_RUNS, ...TRANSFER_RUNS].join(", ")}`); // prettier-ignore
  process.exit(1);
}
const wanted = (run: string) => asked.length === 0 || asked.includes(run);
for (const mode of STORAGE_RUNS) if (wanted(mode)) await storage(mode);
for (const mode of TRANSFER_RUNS) if (wanted(mode)) await transfers(mode);
