/**
 * Chain reads and one write the miner needs that the SDK's entry does not export yet, typed on the SDK's
 * ABIs and named as the SDK actions they stand in for (H1's "[ready] sdk gaps" replaces each; the names
 * are listed in the miner's report). Nothing else in the miner reaches the chain except SDK actions.
 */
import type { Address, PublicClient } from "viem";

import {
  gpuStakingAbi,
  jobEscrowAbi,
  marketPolicyAbi,
  batchEscrowAbi,
  type AitbcContracts,
  type Hex,
  type WriteReturnType,
} from "@aitbc/sdk";
import type { MinerWallet } from "./account.js";

const need = (contracts: AitbcContracts, name: keyof AitbcContracts): Address => {
  const address = contracts[name];
  if (!address) throw new Error(`the deployment has no ${name} address`);
  return address as Address;
};

/** `JobEscrow.withdrawable(account)`: earnings ready to withdraw, wei. (SDK: `getWithdrawable`.) */
export function getWithdrawable(client: PublicClient, p: { contracts: AitbcContracts; account: Address }) {
  const address = need(p.contracts, "JobEscrow");
  return client.readContract({ address, abi: jobEscrowAbi, functionName: "withdrawable", args: [p.account] });
}

/** `GPUStaking.minStake()`, wei. (SDK: `getMinStake`.) */
export function getMinStake(client: PublicClient, p: { contracts: AitbcContracts }): Promise<bigint> {
  const address = need(p.contracts, "GPUStaking");
  return client.readContract({ address, abi: gpuStakingAbi, functionName: "minStake" });
}

/** `GPUStaking.servesModel(provider, digest)`. (SDK: `isServingModel`.) */
export function isServingModel(
  client: PublicClient,
  p: { contracts: AitbcContracts; provider: Address; modelDigest: Hex },
): Promise<boolean> {
  const address = need(p.contracts, "GPUStaking");
  const args = [p.provider, p.modelDigest] as const;
  return client.readContract({ address, abi: gpuStakingAbi, functionName: "servesModel", args });
}

/** `GPUStaking.setModelServing(digest, serving)`, simulated first. (SDK: `setModelServing`.) */
export async function setModelServing(
  wallet: MinerWallet,
  p: { contracts: AitbcContracts; modelDigest: Hex; serving: boolean; public: PublicClient },
): Promise<WriteReturnType> {
  const { request } = await p.public.simulateContract({
    account: wallet.account,
    address: need(p.contracts, "GPUStaking"),
    abi: gpuStakingAbi,
    functionName: "setModelServing",
    args: [p.modelDigest, p.serving],
  });
  const hash = await wallet.writeContract({ ...request, chain: null });
  const receipt = await p.public.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`setModelServing reverted (${hash})`);
  return { hash, receipt };
}

/**
 * Whether the market policy of `escrow` names a checker (a full proof of inference) for the model.
 * (SDK: `getModelChecker`.)
 */
export async function hasInferenceChecker(
  client: PublicClient,
  p: { contracts: AitbcContracts; escrow: "JobEscrow" | "BatchEscrow"; modelDigest: Hex },
): Promise<boolean> {
  const address = need(p.contracts, p.escrow);
  const policy =
    p.escrow === "JobEscrow"
      ? await client.readContract({ address, abi: jobEscrowAbi, functionName: "policy" })
      : await client.readContract({ address, abi: batchEscrowAbi, functionName: "policy" });
  const checker = await client.readContract({
    address: policy,
    abi: marketPolicyAbi,
    functionName: "checkerOf",
    args: [p.modelDigest],
  });
  return !/^0x0{40}$/i.test(checker);
}

/** The policy's reveal window for disputed batch jobs, seconds. (SDK: `getMarketParameters` of the batch escrow.) */
export async function batchRevealWindow(client: PublicClient, p: { contracts: AitbcContracts }) {
  const address = need(p.contracts, "BatchEscrow");
  const policy = await client.readContract({ address, abi: batchEscrowAbi, functionName: "policy" });
  const parameters = await client.readContract({ address: policy, abi: marketPolicyAbi, functionName: "parameters" }); // prettier-ignore
  return parameters.revealWindow;
}
