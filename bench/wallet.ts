/**
 * Gas of AgentWallet next to the plainest OpenZeppelin ERC-4337 account (`Account` + `SignerECDSA`,
 * contracts/mocks/PlainAccountAnchor.sol), both driven through the real EntryPoint v0.8 on one fresh
 * embedded chain with the OpenClaw DAO deployed (the ERC-20 is the AITBC token, the vote is on an
 * OpenClaw proposal). UserOperation figures are the `gasUsed` of the whole `handleOps` transaction
 * with one operation, so they include the EntryPoint's overhead (validation call, nonce, prefund
 * bookkeeping, event, calldata); medians over `runs`.
 */
import { network } from "hardhat";
import type { Hex, LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { buildUserOperation, encodeAgentCall, signUserOperation, type PackedUserOperation } from "@aitbc/sdk";
import {
  AITBC,
  DAY,
  Vote,
  deployOpenClaw,
  openVoting,
  propose,
  treasuryTransfer,
} from "../test/helpers/openclaw.js";
import { viemOf } from "../test/helpers/wallet.js";
import { median, type BenchSection } from "./lib.js";

const ANCHOR = "OpenZeppelin Account + SignerECDSA";

/**
 * Measures account creation, an ERC-20 transfer within limits by the agent key through a UserOperation
 * (and directly), and a vote through a UserOperation.
 *
 * @param runs repetitions of each UserOperation figure
 */
export async function benchWallet(runs = 5): Promise<BenchSection> {
  const connection = await network.create();
  const dao = await deployOpenClaw(connection);
  const { ethers, networkHelpers } = connection;
  const { token, governor, deployer, ecosystem, outsider } = dao;
  const tokenAddress = await token.getAddress();

  const entryPoint = await ethers.deployContract("EntryPoint");
  const entryPointAddress = await entryPoint.getAddress();
  const factory = await ethers.deployContract("AgentWalletFactory", [entryPointAddress]);
  const owner = new ethers.Wallet(ethers.id("bench wallet owner"), ethers.provider);
  const agent = new ethers.Wallet(ethers.id("bench wallet agent"), ethers.provider);
  const plainKey = new ethers.Wallet(ethers.id("bench plain account key"), ethers.provider);
  await deployer.sendTransaction({ to: owner.address, value: 10n ** 18n });

  // Account creation (several wallets: the figure is the same each time).
  const creation: number[] = [];
  for (let i = 0; i < runs; i++) {
    const receipt = await (await factory.createAccount(owner.address, agent.address, 1, BigInt(i))).wait();
    creation.push(Number(receipt!.gasUsed));
  }
  const walletAddress: string = await factory.getFunction("getAddress")(owner.address, agent.address, 1, 0n);
  const wallet = await ethers.getContractAt("AgentWallet", walletAddress);
  const plainDeploy = await ethers.deployContract("PlainAccountAnchor", [
    entryPointAddress,
    plainKey.address,
  ]);
  const plainCreation = Number((await plainDeploy.deploymentTransaction()!.wait())!.gasUsed);
  const plainAddress = await plainDeploy.getAddress();

  for (const account of [walletAddress, plainAddress]) {
    await deployer.sendTransaction({ to: account, value: 10n ** 18n });
    // Prefund once at the EntryPoint so every measured operation pays from its deposit the same way.
    await entryPoint.depositTo(account, { value: 10n ** 18n });
    await token.connect(ecosystem).transfer(account, 1_000_000n * AITBC);
  }
  await wallet.connect(owner).setSpendingLimit(tokenAddress, 1_000n * AITBC, DAY);
  // The agent's worst-case gas counts against the ether limit.
  await wallet.connect(owner).setSpendingLimit(ethers.ZeroAddress, 10n ** 18n, DAY);

  const beneficiary = outsider.address;
  const submit = async (op: PackedUserOperation): Promise<number> => {
    const receipt = await (await entryPoint.handleOps([op], beneficiary)).wait();
    const event = receipt!.logs
      .map((log) => (log.address === entryPointAddress ? entryPoint.interface.parseLog(log) : null))
      .find((parsed) => parsed?.name === "UserOperationEvent");
    if (!event?.args.success) throw new Error("bench UserOperation failed");
    return Number(receipt!.gasUsed);
  };
  const { publicClient, contracts } = viemOf(connection, entryPointAddress);
  // Built and signed by the SDK; `periodIndex` undefined = read from the wallet (agent keys), null = none.
  const op = async (sender: string, callData: string, signer: LocalAccount, periodIndex?: null) => {
    const userOperation = await buildUserOperation(publicClient, {
      contracts,
      sender: sender as Hex,
      callData: callData as Hex,
      maxFeePerGas: 10n ** 9n,
    });
    return signUserOperation(publicClient, { contracts, userOperation, signer, periodIndex });
  };
  // The plain account's signature is the bare 65-byte ECDSA signature (the 20-byte signer prefix cut).
  const plainSigner = privateKeyToAccount(plainKey.privateKey as Hex);
  const plainOp = async (callData: string): Promise<PackedUserOperation> => {
    const signed = await op(plainAddress, callData, plainSigner, null);
    return { ...signed, signature: `0x${signed.signature.slice(42)}` };
  };
  const agentSigner = privateKeyToAccount(agent.privateKey as Hex);
  const agentOp = async (callData: string) => op(walletAddress, callData, agentSigner);
  const agentCall = (walletCalldata: string) => encodeAgentCall(walletCalldata as Hex);
  const execute = (target: string, data: string) =>
    wallet.interface.encodeFunctionData("execute", [target, 0n, data]);
  const transfer = token.interface.encodeFunctionData("transfer", [outsider.address, 10n * AITBC]);

  // Warm-up: one operation each (first use of the nonce slot and balances).
  await submit(await agentOp(agentCall(execute(tokenAddress, transfer))));
  await submit(await plainOp(execute(tokenAddress, transfer)));

  const ours: number[] = [];
  const plain: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(await submit(await agentOp(agentCall(execute(tokenAddress, transfer)))));
    plain.push(await submit(await plainOp(execute(tokenAddress, transfer))));
    await deployer.sendTransaction({ to: agent.address, value: 10n ** 17n });
    direct.push(
      Number((await (await wallet.connect(agent).execute(tokenAddress, 0n, transfer)).wait())!.gasUsed),
    );
  }
  const eoaTransfer = Number(
    (await (await token.connect(ecosystem).transfer(outsider.address, 10n * AITBC)).wait())!.gasUsed,
  );

  // Votes: both accounts delegate to themselves, vest, and vote as later voters (alice votes first).
  await wallet.connect(owner).delegateVotes(tokenAddress, walletAddress);
  await submit(
    await plainOp(execute(tokenAddress, token.interface.encodeFunctionData("delegate", [plainAddress]))),
  );
  await networkHelpers.time.increase(8 * DAY);
  const votesOurs: number[] = [];
  const votesPlain: number[] = [];
  const governorAddress = await governor.getAddress();
  for (let i = 0; i < runs; i++) {
    const actions = await treasuryTransfer(
      dao,
      outsider.address,
      BigInt(i + 1),
      `Wallet bench proposal ${i}`,
    );
    const { id } = await propose(dao, dao.proposer, actions);
    await openVoting(dao);
    await governor.connect(dao.alice).castVote(id, Vote.For);
    votesOurs.push(
      await submit(
        await agentOp(
          agentCall(wallet.interface.encodeFunctionData("castVote", [governorAddress, id, Vote.For])),
        ),
      ),
    );
    votesPlain.push(
      await submit(
        await plainOp(
          execute(governorAddress, governor.interface.encodeFunctionData("castVote", [id, Vote.For])),
        ),
      ),
    );
  }

  return {
    title: "AgentWallet (gas, vs plain OpenZeppelin Account + SignerECDSA through the same EntryPoint v0.8)",
    rows: [
      {
        name: "account creation (factory createAccount: ERC-1167 clone + initialize)",
        value: median(creation),
        unit: "gas",
        anchor: { name: "deploying a PlainAccountAnchor (full contract, constructor)", value: plainCreation },
        runs: creation.length,
        note: "CREATE2 clone at the predicted address; owner, agent key and role stored",
      },
      {
        name: "UserOperation: ERC-20 transfer by the agent key within its daily limit (handleOps gasUsed)",
        value: median(ours),
        unit: "gas",
        anchor: { name: ANCHOR, value: median(plain) },
        runs: ours.length,
        note: "includes the EntryPoint overhead and calldata; ours adds two limit updates (the token transfer, and the worst-case gas counted against the ether limit in validation), the signer prefix and the executeUserOp dispatch",
      },
      {
        name: "direct agent-key execute: ERC-20 transfer within limit (no EntryPoint)",
        value: median(direct),
        unit: "gas",
        anchor: { name: "plain EOA transfer of the same token", value: eoaTransfer },
        runs: direct.length,
        note: "the same internal path as UserOperations (limit counted)",
      },
      {
        name: "UserOperation: castVote on an OpenClaw proposal by the agent key (handleOps gasUsed)",
        value: median(votesOurs),
        unit: "gas",
        anchor: { name: ANCHOR, value: median(votesPlain) },
        runs: votesOurs.length,
        note: "later voter (alice voted first); includes the EntryPoint overhead; ours goes through the wallet's castVote helper",
      },
    ],
  };
}
