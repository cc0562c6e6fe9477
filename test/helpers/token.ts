import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import type { AITBCToken } from "../../types/ethers-contracts/index.js";

/** 1 AITBC in wei. */
export const AITBC = 10n ** 18n;
/** The fixed supply, wei. */
export const TOTAL_SUPPLY = 1_000_000_000n * AITBC;
/** 5% of the supply, wei: the cap on counted voting power. */
export const VOTING_POWER_CAP = (TOTAL_SUPPLY * 500n) / 10_000n;
export const HOUR = 3_600n;
export const DAY = 24n * HOUR;

/** The token and who received what at genesis. */
export interface TokenDeployment {
  token: AITBCToken;
  treasury: HardhatEthersSigner;
  /** Receives the ecosystem (25%), development (20%) and liquidity (5%) shares: a faucet for tests. */
  distributor: HardhatEthersSigner;
  contributors: [HardhatEthersSigner, HardhatEthersSigner];
  /** Signers not used above, free for the test. */
  others: HardhatEthersSigner[];
}

/**
 * Deploys AITBCToken with the treasury share to signer 0, the ecosystem, development and liquidity
 * shares to signer 1 (the test faucet) and 60M / 40M AITBC to two early contributors.
 */
export async function deployToken(ethers: HardhatEthers): Promise<TokenDeployment> {
  const [treasury, distributor, contributorA, contributorB, ...others] = await ethers.getSigners();
  const token = await ethers.deployContract("AITBCToken", [
    treasury!.address,
    distributor!.address,
    distributor!.address,
    distributor!.address,
    [contributorA!.address, contributorB!.address],
    [60_000_000n * AITBC, 40_000_000n * AITBC],
  ]);
  return {
    token,
    treasury: treasury!,
    distributor: distributor!,
    contributors: [contributorA!, contributorB!],
    others,
  };
}
