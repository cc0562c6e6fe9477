import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { Signature } from "ethers";

import type { AITBCToken } from "../../types/ethers-contracts/index.js";

/** 1 AITBC in wei. */
export const AITBC = 10n ** 18n;
/** The fixed supply, wei. */
export const TOTAL_SUPPLY = 1_000_000_000n * AITBC;
/** 5% of the supply, wei: the cap on counted voting power. */
export const VOTING_POWER_CAP = (TOTAL_SUPPLY * 500n) / 10_000n;
export const HOUR = 3_600n;
export const DAY = 24n * HOUR;
/**
 * The design's counted-power parameters as the token's constructor takes them
 * (`IAITBCToken.VotingPowerParameters`): cap 500 bps (5%), short window 24 h, long window 7 days (seconds).
 */
export const DESIGN_VOTING_POWER = {
  votingPowerCapBps: 500n,
  shortAverageWindow: 86_400n,
  longAverageWindow: 604_800n,
} as const;

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
    DESIGN_VOTING_POWER,
  ]);
  return {
    token,
    treasury: treasury!,
    distributor: distributor!,
    contributors: [contributorA!, contributorB!],
    others,
  };
}

/** EIP-712 types of an ERC-2612 `Permit`. */
const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/**
 * Signs an ERC-2612 permit for the AITBC token (EIP-712 domain `AITBC`, version `1`) with the
 * owner's current nonce.
 *
 * @param token the token (its address and `nonces` are read)
 * @param owner the signer whose tokens the spender may then move
 * @param spender the address allowed to spend
 * @param value wei of AITBC
 * @param deadline Unix time in seconds after which the permit is invalid
 * @returns the split signature (`v`, `r`, `s`)
 */
export async function signPermit(
  token: AITBCToken,
  owner: HardhatEthersSigner,
  spender: string,
  value: bigint,
  deadline: bigint,
): Promise<Signature> {
  const { chainId } = await owner.provider!.getNetwork();
  const domain = { name: "AITBC", version: "1", chainId, verifyingContract: await token.getAddress() };
  const message = {
    owner: owner.address,
    spender,
    value,
    nonce: await token.nonces(owner.address),
    deadline,
  };
  return Signature.from(await owner.signTypedData(domain, PERMIT_TYPES, message));
}
