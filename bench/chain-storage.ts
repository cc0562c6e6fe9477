/**
 * `npm run bench:chain-storage`: how the embedded chain's (EDR's) cost per transaction grows with the
 * storage of the contract it touches, the cause of `bench:simulate`'s superlinear growth. On a fresh
 * chain with automine, one contract receives 30,000 transactions in each of three runs:
 *
 * - `grow`: each transaction writes one new slot (the contract's storage grows to 30,000 slots);
 * - `same`: each writes one of two slots again (its storage stays at 2 slots);
 * - `batch`: 300 transactions of 100 new slots each (the same 30,000 slots in 1% of the blocks).
 *
 * Printed: ms per transaction (and per slot for `batch`) in each sixth of the run, and the RSS.
 * The contracts are raw EVM bytecode (below), so nothing is compiled. Machine-dependent: a benchmark.
 */
import { network } from "hardhat";
import { numberToHex, pad, type Address, type Hex } from "viem";

type Request = (args: { method: string; params?: unknown[] }) => Promise<unknown>;

/** Runtime `SSTORE(calldata[0], 1)`: PUSH1 1, PUSH1 0, CALLDATALOAD, SSTORE, STOP. */
const ONE_SLOT = "600160003555" + "00";
/**
 * Runtime: for n = 100 down to 1, `SSTORE(calldata[0] + n, 1)`. PUSH1 0 CALLDATALOAD PUSH1 100;
 * loop (pc 5): JUMPDEST DUP1 ISZERO PUSH1 24 JUMPI PUSH1 1 DUP3 DUP3 ADD SSTORE PUSH1 1 SWAP1 SUB
 * PUSH1 5 JUMP; end (pc 24): JUMPDEST STOP.
 */
const HUNDRED_SLOTS = "6000356064" + "5b801560185760018282015560019003600556" + "5b00";

/** Init code returning `runtime` (≤ 32 bytes): PUSHn runtime, PUSH1 0, MSTORE, RETURN(32 − n, n). */
function initCode(runtime: string): Hex {
  const n = runtime.length / 2;
  const byte = (x: number) => x.toString(16).padStart(2, "0");
  return `0x${byte(0x5f + n)}${runtime}600052${"60" + byte(n)}${"60" + byte(32 - n)}f3`;
}

async function run(mode: "grow" | "same" | "batch"): Promise<void> {
  const connection = await network.create();
  const request = (connection.provider as unknown as { request: Request }).request.bind(connection.provider);
  const [from] = (await request({ method: "eth_accounts" })) as Address[];
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
      const slots = (i + 1) * slotsPerTransaction;
      const perSlot = mode === "batch" ? `, ${(ms / slotsPerTransaction).toFixed(4)} ms/slot` : "";
      console.log(`${mode.padEnd(5)} ${String(slots).padStart(6)} slot writes: ${ms.toFixed(3)} ms/transaction${perSlot}, RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`); // prettier-ignore
      started = performance.now();
    }
  }
  await connection.close();
}

for (const mode of ["grow", "same", "batch"] as const) await run(mode);
