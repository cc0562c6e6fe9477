/**
 * One key, many concurrent transactions: the node programs create their account with viem's nonce
 * manager (`privateKeyToAccount(key, { nonceManager })`), so writes through the SDK's write path
 * (simulate, send, wait) can run at once without racing on the nonce.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { createWalletClient, custom, type Address, type EIP1193Provider } from "viem";
import { getTransaction, getTransactionCount } from "viem/actions";
import { generatePrivateKey, nonceManager, privateKeyToAccount } from "viem/accounts";

import { getTokenBalance, transferToken, type AitbcContracts } from "../../sdk/src/index.js";
import { AITBC, deployMarket } from "../helpers/market.js";
import { viemClients } from "./helpers.js";

describe("sdk: concurrent writes from one key with viem's nonceManager", function () {
  it("10 concurrent SDK writes from one local account all mine, with nonces 0..9, none lost", async function () {
    const connection = await network.create();
    const market = await deployMarket(connection);
    const { publicClient } = viemClients(connection);
    const contracts: AitbcContracts = { AITBCToken: (await market.token.getAddress()) as Address };
    const account = privateKeyToAccount(generatePrivateKey(), { nonceManager });
    await (await market.deployer.sendTransaction({ to: account.address, value: 10n ** 18n })).wait();
    await (await market.token.connect(market.ecosystem).transfer(account.address, 1_000n * AITBC)).wait();
    const transport = custom(connection.provider as unknown as EIP1193Provider, { retryCount: 0 });
    const wallet = createWalletClient({ account, transport, pollingInterval: 20 });

    const recipients = Array.from({ length: 10 }, () => privateKeyToAccount(generatePrivateKey()).address);
    const results = await Promise.all(
      recipients.map((to, i) => transferToken(wallet, { contracts, to, amount: BigInt(i + 1) * AITBC })),
    );

    expect(results.map((r) => r.receipt.status)).to.deep.equal(new Array(10).fill("success"));
    const nonces = await Promise.all(results.map(async (r) => (await getTransaction(publicClient, { hash: r.hash })).nonce)); // prettier-ignore
    expect([...nonces].sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await getTransactionCount(publicClient, { address: account.address })).to.equal(10);
    const balances = await Promise.all(recipients.map(async (account) => (await getTokenBalance(publicClient, { contracts, account })).balance)); // prettier-ignore
    expect(balances).to.deep.equal(recipients.map((_, i) => BigInt(i + 1) * AITBC));
    const own = await getTokenBalance(publicClient, { contracts, account: account.address });
    expect(own.balance).to.equal(945n * AITBC);
  });
});
