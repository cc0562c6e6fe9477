/**
 * The development set-up shared by the main job (`scripts/main.ts`, embedded chain) and the deploy
 * script (`scripts/deploy.ts`, `hardhat node` or any chain with unlocked Hardhat accounts): a
 * consumer AgentWallet created through the factory, funded with AITBC, with a spending limit and the
 * escrow approved, and AITBC transfers to the other accounts (providers, coordinator, voters).
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { HDNodeWallet } from "ethers";
import type { Address } from "viem";

/** 1 AITBC in wei. */
export const AITBC = 10n ** 18n;
/** One day in seconds. */
export const DAY = 86_400;

/** Chain id of Hardhat's development chains (`hardhat node`, the embedded chain). */
export const DEV_CHAIN_ID = 31337n;

/** The well-known mnemonic of Hardhat's development accounts (`hardhat node`, the embedded chain). */
export const HARDHAT_DEV_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * Amounts of the development set-up, in wei of AITBC (the spending period in seconds): the same in
 * the main job and after `npm run deploy:local`.
 */
export const DEV_FUNDING = {
  /** The consumer agent wallet: pays jobs (and votes as an agent in the main job). */
  consumerWallet: 30_000_000n * AITBC,
  /** Each provider (miner): covers the 1,000 AITBC stake many times over. */
  provider: 100_000n * AITBC,
  /** The coordinator: dispute bonds. */
  coordinator: 10_000n * AITBC,
  /** The wallet's spending limit on AITBC per period (`setSpendingLimit`). */
  spendingLimit: 1_000_000n * AITBC,
  /** The spending-limit period, seconds. */
  spendingPeriodS: DAY,
} as const;

/** Addresses the set-up needs. */
export interface DevAddresses {
  /** The AITBC token. */
  token: string;
  /** The JobEscrow the wallet approves (unlimited allowance). */
  escrow: string;
  /** The AgentWalletFactory. */
  factory: string;
  /**
   * The BatchEscrow, when the deployment has one: the wallet's owner allows it as signature verifier
   * (`setSignatureVerifier`), so the agent key can sign batch requests that escrow accepts.
   */
  batchEscrow?: string;
}

/** What {@link setUpConsumerWallet} does. */
export interface ConsumerWalletPlan {
  /** The connection's hardhat-ethers (contracts are attached by artifact name). */
  ethers: HardhatEthers;
  addresses: DevAddresses;
  /** The account that pays the AITBC transfers (the genesis ecosystem-rewards share). */
  funder: HardhatEthersSigner;
  /** Owner of the consumer agent wallet (sets the limit, approves the escrow). */
  walletOwner: HardhatEthersSigner;
  /** The wallet's agent key (`AgentRole` 1): the key the gateway signs with. */
  agentKey: string;
  /** AITBC sent to the wallet, wei (default {@link DEV_FUNDING}.consumerWallet). */
  walletFunding?: bigint;
  /** Further transfers `[to, wei]`, made in this order after the wallet's. */
  transfers: readonly (readonly [string, bigint])[];
  /** Accounts that delegate their votes to themselves (after the transfers). */
  selfDelegates?: readonly HardhatEthersSigner[];
}

/**
 * Creates the consumer AgentWallet (owner + agent key, role 1, salt 1) through the factory, funds
 * it and the other accounts from `funder`, makes `selfDelegates` delegate to themselves, lets the
 * wallet delegate its votes to itself, sets its AITBC spending limit
 * ({@link DEV_FUNDING}.spendingLimit per day), approves the escrow for an unlimited amount and, when
 * the deployment has a BatchEscrow, allows it as the wallet's signature verifier (batch requests
 * signed by the agent key; deposits go through `payInto`, within the spending limit).
 * Every transaction is awaited (mined) before the next is sent.
 *
 * @returns the wallet's address
 * @throws the revert of any transaction (e.g. `funder` holding too little AITBC)
 */
export async function setUpConsumerWallet(plan: ConsumerWalletPlan): Promise<{ wallet: Address }> {
  const { ethers, addresses, funder, walletOwner, agentKey } = plan;
  const token = await ethers.getContractAt("AITBCToken", addresses.token);
  const factory = await ethers.getContractAt("AgentWalletFactory", addresses.factory);
  const send = async (p: Promise<{ wait(): Promise<unknown> }>) => (await p).wait();
  const wallet = (await factory.getFunction("getAddress")(walletOwner.address, agentKey, 1, 1n)) as Address;
  await send(factory.createAccount(walletOwner.address, agentKey, 1, 1n));
  const agentWallet = await ethers.getContractAt("AgentWallet", wallet);
  for (const [to, amount] of [
    [wallet, plan.walletFunding ?? DEV_FUNDING.consumerWallet],
    ...plan.transfers,
  ] as const) {
    await send(token.connect(funder).transfer(to, amount));
  }
  for (const voter of plan.selfDelegates ?? []) await send(token.connect(voter).delegate(voter.address));
  await send(agentWallet.connect(walletOwner).delegateVotes(addresses.token, wallet));
  await send(agentWallet.connect(walletOwner).setSpendingLimit(addresses.token, DEV_FUNDING.spendingLimit, DEV_FUNDING.spendingPeriodS)); // prettier-ignore
  await send(agentWallet.connect(walletOwner).execute(addresses.token, 0n, token.interface.encodeFunctionData("approve", [addresses.escrow, ethers.MaxUint256]))); // prettier-ignore
  if (addresses.batchEscrow) await send(agentWallet.connect(walletOwner).setSignatureVerifier(addresses.batchEscrow, true)); // prettier-ignore
  return { wallet };
}

/**
 * The private key of Hardhat development account `index` (the {@link HARDHAT_DEV_MNEMONIC} at
 * `m/44'/60'/0'/0/<index>`), or undefined when `address` is not that account (a chain whose
 * accounts come from another mnemonic: never print a key that is not the public one).
 */
export function devPrivateKey(index: number, address: string): `0x${string}` | undefined {
  const w = HDNodeWallet.fromPhrase(HARDHAT_DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`);
  return w.address.toLowerCase() === address.toLowerCase() ? (w.privateKey as `0x${string}`) : undefined;
}

/**
 * The Ignition deployment id used on a development chain: `chain-<chainId>-<first 8 hex digits of
 * the genesis block hash>`. A `hardhat node` gets a new genesis hash on every start, so a fresh
 * node never meets the journal of a previous one (deploy/deployments/<id>/, gitignored).
 *
 * @param chainId EIP-155 chain id
 * @param genesisHash hash of block 0, 0x-prefixed
 */
export function devIgnitionDeploymentId(chainId: bigint | number, genesisHash: string): string {
  return `chain-${chainId}-${genesisHash.slice(2, 10)}`;
}
