import { expect } from "chai";
import { network } from "hardhat";
import type { Address } from "viem";

import {
  ContractRevertError,
  findAgentsWithSkill,
  getAgentSkill,
  getAgentSummary,
  InvalidParameterError,
  rankSkillSellers,
  registerAgent,
  type AitbcContracts,
  type SkillSeller,
} from "../../sdk/src/index.js";
import { rejection, viemClients } from "../sdk/helpers.js";

const connection = await network.create();
const FINNEY = 10n ** 15n;

describe("sdk: agent identity, skills and trust ranking", function () {
  let contracts: AitbcContracts;
  let clients: ReturnType<typeof viemClients>;
  let reputation: { getAddress(): Promise<string> };
  let signers: Awaited<ReturnType<typeof connection.ethers.getSigners>>;

  before(async function () {
    signers = await connection.ethers.getSigners();
    reputation = await connection.ethers.deployContract("ReputationRegistry", [signers[0]!.address]);
    const reg = await connection.ethers.getContractAt("ReputationRegistry", await reputation.getAddress());
    await reg.grantRole(await reg.ESCROW_ROLE(), signers[0]!.address);
    const identity = await connection.ethers.deployContract("AgentIdentityRegistry", [
      await reputation.getAddress(),
    ]);
    contracts = { AgentIdentityRegistry: (await identity.getAddress()) as Address };
    clients = viemClients(connection);
  });

  it("sellers register skills; the buyer finds them, reads trust and ranks by trust, then price", async function () {
    const [, a, b, c] = signers;
    const skill = (price: bigint, port: number) => ({ name: "summarize", priceWei: price, endpoint: `http://127.0.0.1:${port}/summarize`, execution: "local" as const }); // prettier-ignore
    const ra = await registerAgent(clients.walletFor(a!.address), { contracts, agentURI: "ipfs://a.json", skills: [skill(2n * FINNEY, 9001)] }); // prettier-ignore
    const rb = await registerAgent(clients.walletFor(b!.address), { contracts, agentURI: "ipfs://b.json", skills: [skill(FINNEY, 9002)] }); // prettier-ignore
    const rc = await registerAgent(clients.walletFor(c!.address), { contracts, agentURI: "ipfs://c.json", skills: [skill(FINNEY, 9003)] }); // prettier-ignore
    expect([ra.agentId, rb.agentId, rc.agentId]).to.deep.equal([1n, 2n, 3n]);
    const reg = await connection.ethers.getContractAt("ReputationRegistry", await reputation.getAddress());
    await reg.adjustComponent(a!.address, 1, 150); // Transactions +150 → 650 (Silver)
    await reg.adjustComponent(c!.address, 4, -50); // Disputes −50 → 450

    expect(await getAgentSkill(clients.publicClient, { contracts, agentId: 2n, name: "summarize" })).to.deep.equal(skill(FINNEY, 9002)); // prettier-ignore
    expect(await getAgentSkill(clients.publicClient, { contracts, agentId: 2n, name: "translate" })).to.equal(undefined); // prettier-ignore
    const { listings } = await findAgentsWithSkill(clients.publicClient, { contracts, name: "summarize" });
    expect(listings.map((l) => l.agentId)).to.deep.equal([1n, 2n, 3n]);
    expect((await findAgentsWithSkill(clients.publicClient, { contracts, name: "translate" })).listings).to.deep.equal([]); // prettier-ignore

    const sellers: SkillSeller[] = await Promise.all(
      listings.map(async ({ agentId, skill: s }) => {
        const summary = await getAgentSummary(clients.publicClient, { contracts, agentId });
        return { agentId, priceWei: s.priceWei, endpoint: s.endpoint, trustScore: summary.trustScore, tier: summary.tier }; // prettier-ignore
      }),
    );
    expect(sellers.map((s) => [s.agentId, s.trustScore, s.tier])).to.deep.equal([
      [1n, 650n, "Silver"],
      [2n, 500n, "Bronze"],
      [3n, 450n, "Bronze"],
    ]);
    expect(rankSkillSellers(sellers).map((s) => s.agentId)).to.deep.equal([1n, 2n, 3n]);
    expect(rankSkillSellers(sellers, { maxPriceWei: FINNEY }).map((s) => s.agentId)).to.deep.equal([2n, 3n]);
    expect(rankSkillSellers(sellers, { minTier: "Silver" }).map((s) => s.agentId)).to.deep.equal([1n]);
    expect(rankSkillSellers(sellers, { minTrustScore: 460n, limit: 1 }).map((s) => s.agentId)).to.deep.equal([1n]); // prettier-ignore
    // equal trust: cheaper first, then older id
    const tie = [
      { ...sellers[1]!, agentId: 7n, priceWei: 3n },
      { ...sellers[1]!, agentId: 5n, priceWei: 3n },
      { ...sellers[1]!, agentId: 9n, priceWei: 2n },
    ];
    expect(rankSkillSellers(tie).map((s) => s.agentId)).to.deep.equal([9n, 5n, 7n]);
    expect(() => rankSkillSellers(tie, { minTier: "Diamond" as never })).to.throw(InvalidParameterError);
  });

  it("a stranger's summary shows its own wallet only; an unknown agent is a decoded custom error", async function () {
    const stranger = signers[5]!;
    const { agentId } = await registerAgent(clients.walletFor(stranger.address), { contracts, agentURI: "ipfs://s.json" }); // prettier-ignore
    const summary = await getAgentSummary(clients.publicClient, { contracts, agentId });
    expect(summary.wallet).to.equal(stranger.address);
    expect(summary.trustScore).to.equal(500n);
    const error = await rejection<ContractRevertError>(getAgentSummary(clients.publicClient, { contracts, agentId: 99n })); // prettier-ignore
    expect(error).to.be.instanceOf(ContractRevertError);
    expect(error.errorName).to.equal("AgentNonexistent");
    expect(error.args).to.deep.equal([99n]);
    const bad = await rejection(registerAgent(clients.walletFor(stranger.address), { contracts, agentURI: "x".repeat(513) })); // prettier-ignore
    expect(bad).to.be.instanceOf(InvalidParameterError);
  });
});
