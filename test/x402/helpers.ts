/**
 * Fixture of the x402 tests: the AITBC token (with EIP-3009), the ERC-4337 EntryPoint and wallet factory, an
 * AgentWallet whose agent key may pay up to 10 AITBC a day, an EOA buyer holding AITBC but no ether, a
 * facilitator key, and a paid `node:http` endpoint behind the SDK's paywall.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { NetworkConnection } from "hardhat/types/network";
import { createPublicClient, createWalletClient, custom, type Address, type EIP1193Provider } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import {
  createX402Facilitator,
  createX402Paywall,
  x402Network,
  type AitbcContracts,
  type X402Settlement,
} from "../../sdk/src/index.js";

export const AITBC = 10n ** 18n;
export const DAY = 86_400;

export async function deployX402(connection: NetworkConnection) {
  const { ethers } = connection;
  const [deployer, facilitatorSigner, seller, owner] = await ethers.getSigners();
  const token = await ethers.deployContract("AITBCToken", [
    deployer!.address,
    deployer!.address,
    deployer!.address,
    deployer!.address,
    [deployer!.address],
    [100_000_000n * AITBC],
    { votingPowerCapBps: 500n, shortAverageWindow: 86_400n, longAverageWindow: 604_800n },
  ]);
  const entryPoint = await ethers.deployContract("EntryPoint");
  const factory = await ethers.deployContract("AgentWalletFactory", [await entryPoint.getAddress()]);
  const contracts: AitbcContracts = {
    AITBCToken: (await token.getAddress()) as Address,
    EntryPoint: (await entryPoint.getAddress()) as Address,
    AgentWalletFactory: factory.target as Address,
  };

  const buyer = privateKeyToAccount(generatePrivateKey());
  await token.transfer(buyer.address, 100n * AITBC);

  const agentKey = privateKeyToAccount(generatePrivateKey());
  const walletAddress = (await factory.createAccount.staticCall(
    owner!.address,
    agentKey.address,
    1,
    0n,
  )) as Address;
  await factory.createAccount(owner!.address, agentKey.address, 1, 0n);
  const wallet = await ethers.getContractAt("AgentWallet", walletAddress);
  await wallet.connect(owner!).setSpendingLimit(contracts.AITBCToken!, 10n * AITBC, DAY);
  await wallet.connect(owner!).setSignatureVerifier(contracts.AITBCToken!, true);
  await token.transfer(walletAddress, 100n * AITBC);

  const transport = custom(connection.provider as unknown as EIP1193Provider, { retryCount: 0 });
  const publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 20 });
  const facilitatorClient = createWalletClient({
    chain: hardhat,
    account: facilitatorSigner!.address as Address,
    transport,
    pollingInterval: 20,
  });
  const facilitator = createX402Facilitator({ publicClient, walletClient: facilitatorClient });
  const network = x402Network(31337);
  const balanceOf = async (account: string) => (await token.balanceOf(account)) as bigint;
  return {
    token,
    wallet,
    walletAddress,
    contracts,
    buyer,
    agentKey,
    owner: owner!,
    seller: seller!.address as Address,
    facilitatorAddress: facilitatorSigner!.address as Address,
    publicClient,
    facilitator,
    network,
    balanceOf,
  };
}

export type X402Fixture = Awaited<ReturnType<typeof deployX402>>;

/**
 * A paid endpoint: `POST /paid?price=<wei>` answers `{ answer }` after settling; `/fails` charges, then fails;
 * `/free` answers without payment.
 */
export async function startPaidServer(
  fx: X402Fixture,
  facilitator: Parameters<typeof createX402Paywall>[0]["facilitator"] = fx.facilitator,
) {
  const paywall = createX402Paywall({ facilitator, contracts: fx.contracts, network: fx.network, payTo: fx.seller, description: "a test skill" }); // prettier-ignore
  const served: string[] = [];
  const settlements: X402Settlement[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname === "/free") {
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ answer: "served for free" }));
        return; // the same handler unpaid: the bench's anchor
      }
      const amount = BigInt(url.searchParams.get("price") ?? AITBC.toString());
      const payment = await paywall.charge(req, res, { amount });
      if (!payment) return;
      if (url.pathname === "/fails") {
        res
          .writeHead(500, { "content-type": "application/json" })
          .end(JSON.stringify({ error: "the skill failed" }));
        return; // never settled: the buyer pays nothing
      }
      served.push(payment.payer);
      const settlement = await payment.settle();
      settlements.push(settlement);
      if (!settlement.success) return payment.refuse(res);
      res.writeHead(200, { ...settlement.headers, "content-type": "application/json" });
      res.end(JSON.stringify({ answer: `served ${payment.payer}`, paid: payment.amount.toString() }));
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    served,
    settlements,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
