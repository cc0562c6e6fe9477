/**
 * Test fixture of the node's batch settlement: the market of `deployMarket` plus a `MarketPolicy`, a
 * `BatchEscrow` (with the escrow roles in staking and reputation granted by the timelock account) and
 * a consumer AgentWallet (agent key, daily AITBC limit, the BatchEscrow allowed as signature
 * verifier). The batch-receipt verifier is the generated `BatchReceiptVerifier` when asked, else `BatchReceiptVerifierMock` (TEST ONLY: it accepts
 * `proof[0] == keccak256(abi.encode([identityCommitment, commitment]))`, so a proof still binds the
 * provider's identity and the batch commitment); {@link mockBatchProver} makes such proofs.
 */
import { encodeAbiParameters, keccak256, type Address } from "viem";
import type { NetworkConnection } from "hardhat/types/network";

import type { BatchProver } from "../../node/miner/batcher.js";
import { AITBC, deployMarket } from "./market.js";

/** The consumer wallet's daily AITBC spending limit in the fixture, wei. */
export const WALLET_DAILY_LIMIT = 10_000n * AITBC;

/** Proofs the mock verifier accepts: bound to `[identityCommitment, commitment]` as a real one. */
export const mockBatchProver: BatchProver = async ({ identityCommitment, commitment }) => {
  const words = new Array<bigint>(8).fill(0n);
  words[0] = BigInt(
    keccak256(encodeAbiParameters([{ type: "uint256[2]" }], [[identityCommitment, commitment]])),
  );
  return words;
};

/**
 * @param options.realVerifier Deploy the snarkjs-generated `BatchReceiptVerifier` instead of the mock
 *   (for miners that prove with the SDK's `proveBatchReceipt`, e.g. the miner program).
 */
export async function deployBatchMarket(
  connection: NetworkConnection,
  options: { realVerifier?: boolean } = {},
) {
  const market = await deployMarket(connection);
  const { ethers } = connection;
  const policy = await ethers.deployContract("MarketPolicy", [
    market.governance.address,
    market.treasury.address,
  ]);
  const batchVerifier = await ethers.deployContract(
    options.realVerifier ? "BatchReceiptVerifier" : "BatchReceiptVerifierMock",
  );
  const batchEscrow = await ethers.deployContract("BatchEscrow", [
    await market.token.getAddress(),
    await market.staking.getAddress(),
    await market.reputation.getAddress(),
    await policy.getAddress(),
    await batchVerifier.getAddress(),
    market.governance.address,
  ]);
  const escrowAddress = (await batchEscrow.getAddress()) as Address;
  const role = await market.staking.ESCROW_ROLE();
  await (await market.staking.connect(market.governance).grantRole(role, escrowAddress)).wait();
  await (await market.reputation.connect(market.governance).grantRole(await market.reputation.ESCROW_ROLE(), escrowAddress)).wait(); // prettier-ignore
  await (await batchEscrow.connect(market.governance).grantRole(await batchEscrow.ARBITER_ROLE(), market.arbiter.address)).wait(); // prettier-ignore

  // The consumer AgentWallet: owner walletOwner, agent key `outsider`'s sibling account (signer 14).
  const signers = await ethers.getSigners();
  const agentKey = signers[14]!;
  const entryPoint = await ethers.deployContract("EntryPoint");
  const factory = await ethers.deployContract("AgentWalletFactory", [await entryPoint.getAddress()]);
  const owner = market.walletOwner;
  const wallet = (await factory.getFunction("getAddress")(owner.address, agentKey.address, 1, 1n)) as Address;
  await (await factory.createAccount(owner.address, agentKey.address, 1, 1n)).wait();
  const agentWallet = await ethers.getContractAt("AgentWallet", wallet);
  await (await market.token.connect(market.ecosystem).transfer(wallet, 100_000n * AITBC)).wait();
  const token = (await market.token.getAddress()) as Address;
  await (await agentWallet.connect(owner).setSpendingLimit(token, WALLET_DAILY_LIMIT, 86_400)).wait();
  await (await agentWallet.connect(owner).setSignatureVerifier(escrowAddress, true)).wait();
  for (const s of [market.consumer, market.challenger, market.outsider])
    await (await market.token.connect(s).approve(escrowAddress, ethers.MaxUint256)).wait();

  const contracts = {
    AITBCToken: token,
    GPUStaking: (await market.staking.getAddress()) as Address,
    JobEscrow: (await market.escrow.getAddress()) as Address,
    ReputationRegistry: (await market.reputation.getAddress()) as Address,
    BatchEscrow: escrowAddress,
    MarketPolicy: (await policy.getAddress()) as Address,
  };
  return { ...market, policy, batchVerifier, batchEscrow, agentWallet, wallet, agentKey, contracts };
}

export type BatchMarket = Awaited<ReturnType<typeof deployBatchMarket>>;
