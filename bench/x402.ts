/**
 * x402 figures (issue 18): the gas of settling an x402 payment (EIP-3009 `transferWithAuthorization` submitted by
 * the facilitator) next to a plain `transfer` of the same token in the same run, for an EOA payer and for an
 * AgentWallet's agent key (ERC-1271 check and the payer hook charging its limit); and the latency a paid call adds
 * over the same call unpaid (median, through the HTTP facilitator, on the in-process chain).
 */
import { network } from "hardhat";
import { hexToSignature, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { createX402Fetch, toAgentWalletPaymentSigner, TRANSFER_WITH_AUTHORIZATION_TYPES } from "@aitbc/sdk";
import { startFacilitatorServer } from "../node/facilitator/server.js";
import { AITBC, deployX402, startPaidServer } from "../test/x402/helpers.js";
import type { BenchRow, BenchSection } from "./lib.js";
import { median } from "./lib.js";

const RUNS = 7;
const LATENCY_RUNS = 21;

/** Settlement gas: EOA (v, r, s) and AgentWallet agent key (277-byte ERC-1271 signature), against `transfer`. */
export async function benchX402Gas(): Promise<BenchSection> {
  const connection = await network.create();
  const fx = await deployX402(connection);
  const [deployer, , , , relayer] = await connection.ethers.getSigners();
  const eoaPayer = privateKeyToAccount(generatePrivateKey());
  await (await fx.token.transfer(eoaPayer.address, 1_000n * AITBC)).wait();
  const walletSigner = toAgentWalletPaymentSigner({ wallet: fx.walletAddress, agentKey: fx.agentKey, chainId: 31337 }); // prettier-ignore
  const domain = { name: "AITBC", version: "1", chainId: 31337, verifyingContract: fx.contracts.AITBCToken! };
  const types = TRANSFER_WITH_AUTHORIZATION_TYPES;
  const token = fx.token.connect(relayer!);
  const eoaGas: number[] = [];
  const walletGas: number[] = [];
  const transferGas: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const block = await connection.ethers.provider.getBlock("latest");
    const now = BigInt(block!.timestamp);
    const message = (from: `0x${string}`) => ({ from, to: fx.seller, value: AITBC / 10n, validAfter: now - 600n, validBefore: now + 600n, nonce: generatePrivateKey() as Hex }); // prettier-ignore
    const m1 = message(eoaPayer.address);
    const sig = hexToSignature(await eoaPayer.signTypedData({ domain, types, primaryType: "TransferWithAuthorization", message: m1 })); // prettier-ignore
    const r1 = await (await token.getFunction("transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)")(m1.from, m1.to, m1.value, m1.validAfter, m1.validBefore, m1.nonce, Number(sig.v), sig.r, sig.s)).wait(); // prettier-ignore
    eoaGas.push(Number(r1!.gasUsed));
    const m2 = message(fx.walletAddress);
    const blob = await walletSigner.signTypedData({ domain, types, primaryType: "TransferWithAuthorization", message: m2 }); // prettier-ignore
    const r2 = await (await token.getFunction("transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)")(m2.from, m2.to, m2.value, m2.validAfter, m2.validBefore, m2.nonce, blob)).wait(); // prettier-ignore
    walletGas.push(Number(r2!.gasUsed));
    const r3 = await (await fx.token.connect(deployer!).transfer(fx.seller, AITBC / 10n)).wait();
    transferGas.push(Number(r3!.gasUsed));
  }
  const anchor = { name: "plain AITBC transfer to the same payee", value: median(transferGas) };
  const rows: BenchRow[] = [
    { name: "x402 settlement, EOA payer (transferWithAuthorization v, r, s)", value: median(eoaGas), unit: "gas", runs: RUNS, anchor, note: "paid by the facilitator; the payer pays no gas" }, // prettier-ignore
    { name: "x402 settlement, AgentWallet agent key (ERC-1271 + payer hook charging the limit)", value: median(walletGas), unit: "gas", runs: RUNS, anchor }, // prettier-ignore
  ];
  return { title: "x402 settlement (EIP-3009)", rows };
}

/** Latency of a paid call over the same call unpaid: the paid one adds 402, signing, verify and settle. */
export async function benchX402Latency(): Promise<BenchSection> {
  const connection = await network.create();
  const fx = await deployX402(connection);
  const facilitator = await startFacilitatorServer({ facilitator: fx.facilitator });
  const paid = await startPaidServer(fx, facilitator.url);
  const pay = createX402Fetch({ signer: fx.buyer, contracts: fx.contracts, network: fx.network });
  const unpaidMs: number[] = [];
  const paidMs: number[] = [];
  try {
    for (let i = 0; i < LATENCY_RUNS + 2; i++) {
      let t = performance.now();
      const free = await fetch(`${paid.url}/free`, { method: "POST" });
      await free.text();
      const u = performance.now() - t;
      t = performance.now();
      const response = await pay(`${paid.url}/paid?price=${AITBC / 100n}`, { method: "POST" });
      if (response.status !== 200) throw new Error(`paid call failed: ${response.status}`);
      await response.text();
      const p = performance.now() - t;
      if (i >= 2) {
        unpaidMs.push(u);
        paidMs.push(p);
      }
    }
  } finally {
    await paid.close();
    await facilitator.close();
  }
  const row = (name: string, values: number[], anchorValue?: number): BenchRow => ({
    name,
    value: Math.round(median(values) * 10) / 10,
    unit: "ms",
    runs: values.length,
    spread: [Math.round(Math.min(...values) * 10) / 10, Math.round(Math.max(...values) * 10) / 10],
    ...(anchorValue === undefined ? {} : { anchor: { name: "the same call unpaid", value: anchorValue } }), // prettier-ignore
  });
  const anchorValue = Math.round(median(unpaidMs) * 10) / 10;
  return {
    title: "x402 paid call (HTTP facilitator, in-process chain)",
    rows: [row("paid call: 402, sign, retry, verify, settle (1 block), answer", paidMs, anchorValue)],
  };
}
