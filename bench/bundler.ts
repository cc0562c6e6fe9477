/**
 * `npm run bench:bundler`: the gas of AgentWallet UserOperations sent through a real ERC-4337 bundler
 * (Pimlico Alto, a child process) on an in-process Hardhat network with the canonical EntryPoint v0.8 and the
 * AITBC token, driven by viem's `createBundlerClient` with the SDK's `toAgentWalletAccount`.
 *
 * Figures, per operation: `actualGasUsed` of the bundler's receipt (what the EntryPoint charged the wallet for:
 * validation, execution and preVerificationGas) and the `gasUsed` of the bundle transaction the bundler sent
 * (`handleOps` with that one operation). Operations, each `runs` times on fresh wallets (salts 0…runs-1):
 * - the first operation of a wallet: its deployment through the factory plus an owner AITBC transfer;
 * - an owner AITBC transfer (the wallet deployed);
 * - an agent-key AITBC transfer within the limits (its gas counted against the ether limit; the first agent
 *   operation of the period, which writes the limits' counters from zero);
 * - a second agent-key AITBC transfer in the same period (counters already non-zero).
 * Medians, with [min, max].
 */
import { network } from "hardhat";
import {
  createPublicClient,
  custom,
  encodeFunctionData,
  erc20Abi,
  http,
  keccak256,
  stringToHex,
  type Address,
  type EIP1193Provider,
  type Hex,
} from "viem";
import { createBundlerClient, type SmartAccount, type UserOperationReceipt } from "viem/account-abstraction";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { createPimlicoClient } from "permissionless/clients/pimlico";

import { AgentRole, agentWalletAbi, NATIVE_TOKEN, toAgentWalletAccount } from "@aitbc/sdk";
import { deployCanonicalEntryPoint, ENTRYPOINT_V08, resetBaseFee, startAlto } from "../test/helpers/alto.js";
import { startRpcProxy } from "../test/helpers/rpc-proxy.js";
import { AITBC, deployToken } from "../test/helpers/token.js";
import { median } from "./lib.js";

const RUNS = Number(process.env.RUNS ?? 3);
const DAY = 86_400n;

const connection = await network.create({ override: { allowBlocksWithSameTimestamp: true } });
const { ethers, provider } = connection;
const [deployer] = await ethers.getSigners();
await deployCanonicalEntryPoint(provider, deployer!.address as Address);
const factory = await ethers.deployContract("AgentWalletFactory", [ENTRYPOINT_V08]);
const { token: aitbc, distributor } = await deployToken(ethers);
const token = (await aitbc.getAddress()) as Address;
const contracts = { EntryPoint: ENTRYPOINT_V08, AgentWalletFactory: factory.target as Address };
const publicClient = createPublicClient({
  chain: hardhat,
  transport: custom(provider as unknown as EIP1193Provider),
  pollingInterval: 50,
});
const proxy = await startRpcProxy(provider);
const alto = await startAlto({ rpcUrl: proxy.url, provider });
const pimlico = createPimlicoClient({ transport: http(alto.url), entryPoint: { address: ENTRYPOINT_V08, version: "0.8" } }); // prettier-ignore

const ownerKey = privateKeyToAccount(keccak256(stringToHex("bench bundler owner")));
const agentKey = privateKeyToAccount(keccak256(stringToHex("bench bundler agent")));
const recipient = privateKeyToAccount(keccak256(stringToHex("bench bundler recipient"))).address;
const transfer = (amount: bigint) => ({
  to: token,
  data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [recipient, amount] }),
});

async function send(
  account: SmartAccount,
  calls: { to: Address; data?: Hex }[],
): Promise<UserOperationReceipt> {
  const bundler = createBundlerClient({
    account,
    client: publicClient,
    transport: http(alto.url),
    pollingInterval: 50,
    // Fees as the bundler quotes them (pimlico_getUserOperationGasPrice), as Pimlico's guides set up viem.
    userOperation: { estimateFeesPerGas: async () => (await pimlico.getUserOperationGasPrice()).fast },
  });
  const hash = await bundler.sendUserOperation({ calls });
  const receipt = await bundler.waitForUserOperationReceipt({ hash, pollingInterval: 50 });
  if (!receipt.success) throw new Error(`operation ${hash} failed: ${receipt.reason}`);
  return receipt;
}

const figures: Record<string, { actual: number[]; bundle: number[] }> = {
  "first operation: deployment + owner AITBC transfer": { actual: [], bundle: [] },
  "owner AITBC transfer": { actual: [], bundle: [] },
  "agent-key AITBC transfer (first in the period)": { actual: [], bundle: [] },
  "agent-key AITBC transfer (again in the period)": { actual: [], bundle: [] },
};
const record = (name: string, receipt: UserOperationReceipt) => {
  figures[name]!.actual.push(Number(receipt.actualGasUsed));
  figures[name]!.bundle.push(Number(receipt.receipt.gasUsed));
};

try {
  for (let salt = 0n; salt < BigInt(RUNS); salt++) {
    const identity = { contracts, owner: ownerKey.address, agentKey: agentKey.address, role: AgentRole.Consumer, salt }; // prettier-ignore
    const owner = await toAgentWalletAccount({ client: publicClient, ...identity, signer: ownerKey });
    const agent = await toAgentWalletAccount({ client: publicClient, ...identity, signer: agentKey });
    const wallet = owner.address;
    await resetBaseFee(provider);
    await deployer!.sendTransaction({ to: wallet, value: 10n ** 18n });
    await aitbc.connect(distributor).transfer(wallet, 1_000n * AITBC);

    record("first operation: deployment + owner AITBC transfer", await send(owner, [transfer(AITBC)]));
    // The owner sets the agent's limits (not measured): 100 AITBC and 0.5 ether a day.
    const setLimit = (t: Address, amount: bigint) => ({
      to: wallet,
      data: encodeFunctionData({
        abi: agentWalletAbi,
        functionName: "setSpendingLimit",
        args: [t, amount, DAY],
      }),
    });
    await send(owner, [setLimit(NATIVE_TOKEN, 5n * 10n ** 17n), setLimit(token, 100n * AITBC)]);
    record("owner AITBC transfer", await send(owner, [transfer(AITBC)]));
    record("agent-key AITBC transfer (first in the period)", await send(agent, [transfer(AITBC)]));
    record("agent-key AITBC transfer (again in the period)", await send(agent, [transfer(AITBC)]));
  }

  console.log(`AgentWallet UserOperations through Pimlico Alto (EntryPoint v0.8), ${RUNS} runs each, gas`);
  console.log("| operation | actualGasUsed (receipt) | bundle transaction gasUsed |");
  console.log("| --- | ---: | ---: |");
  for (const [name, { actual, bundle }] of Object.entries(figures)) {
    const cell = (v: number[]) => `${median(v)} [${Math.min(...v)}, ${Math.max(...v)}]`;
    console.log(`| ${name} | ${cell(actual)} | ${cell(bundle)} |`);
  }
} catch (error) {
  console.error(`Alto's output:\n${alto.output()}`);
  throw error;
} finally {
  await alto.stop();
  await proxy.close();
}
