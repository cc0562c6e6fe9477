/**
 * The main job's gas per market action, read from the chain rather than from the programs: every
 * transaction mined in the market phase is labelled by the function it called (through an AgentWallet,
 * by the escrow call inside `payInto`/`execute`, marked "(agent wallet)"), and its receipt's gas used
 * is added to that label.
 */
import { decodeFunctionData, type Abi, type Address, type Hex, type PublicClient } from "viem";

import { agentWalletAbi, batchEscrowAbi, gpuStakingAbi, jobEscrowAbi, reputationRegistryAbi, serviceRegistryAbi, aitbcTokenAbi, type AitbcContracts } from "@aitbc/sdk"; // prettier-ignore

/** Gas by action label. */
export type GasTable = Map<string, { count: number; total: bigint }>;

function functionName(abi: Abi, data: Hex): string | undefined {
  try {
    return decodeFunctionData({ abi, data }).functionName;
  } catch {
    return undefined;
  }
}

/** The label of one call to `to` with `data`. */
function labelOf(contracts: AitbcContracts, to: Address, data: Hex): string {
  const by = new Map<string, [Abi, string]>([
    [contracts.JobEscrow!.toLowerCase(), [jobEscrowAbi, ""]],
    ...(contracts.BatchEscrow ? [[contracts.BatchEscrow.toLowerCase(), [batchEscrowAbi, " (batch)"]] as [string, [Abi, string]]] : []), // prettier-ignore
    [contracts.GPUStaking!.toLowerCase(), [gpuStakingAbi, ""]],
    [contracts.ReputationRegistry!.toLowerCase(), [reputationRegistryAbi, ""]],
    [contracts.AITBCToken!.toLowerCase(), [aitbcTokenAbi, ""]],
    ...(contracts.ServiceRegistry ? [[contracts.ServiceRegistry.toLowerCase(), [serviceRegistryAbi, ""]] as [string, [Abi, string]]] : []), // prettier-ignore
  ]);
  const known = by.get(to.toLowerCase());
  if (known) {
    const name = functionName(known[0], data) ?? "unknown";
    return name === "withdraw" ? `withdraw${known[1]}` : name;
  }
  // An AgentWallet (any other address whose call decodes as one): name the escrow call inside.
  try {
    const call = decodeFunctionData({ abi: agentWalletAbi, data });
    const args = call.args as readonly unknown[];
    if (call.functionName === "payInto") {
      const inner = labelOf(contracts, args[0] as Address, args[3] as Hex);
      return inner === "deposit (batch)" || inner === "deposit" ? "deposit (agent wallet payInto)" : `${inner} (agent wallet)`; // prettier-ignore
    }
    if (call.functionName === "execute")
      return `${labelOf(contracts, args[0] as Address, args[2] as Hex)} (agent wallet)`;
    return `${call.functionName} (agent wallet)`;
  } catch {
    return "other";
  }
}

/**
 * Sums the gas of every transaction mined in blocks `fromBlock..toBlock` by label.
 *
 * @param contracts the deployment (to name the called contract)
 */
export async function gasFromChain(
  client: PublicClient,
  contracts: AitbcContracts,
  fromBlock: bigint,
  toBlock: bigint,
): Promise<GasTable> {
  const gas: GasTable = new Map();
  for (let n = fromBlock; n <= toBlock; n++) {
    const block = await client.getBlock({ blockNumber: n, includeTransactions: true });
    for (const tx of block.transactions) {
      if (tx.to === null) continue;
      const receipt = await client.getTransactionReceipt({ hash: tx.hash });
      const label = labelOf(contracts, tx.to, tx.input);
      const g = gas.get(label) ?? { count: 0, total: 0n };
      g.count += 1;
      g.total += receipt.gasUsed;
      gas.set(label, g);
    }
  }
  return gas;
}
