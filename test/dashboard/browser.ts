/// <reference lib="dom" />
/**
 * The dashboard in a real browser after a real run of the protocol: `npm run demo -- --dashboard`
 * (scripts/main-cli.ts) as a child process — deployment, jobs through the gateway, settlement, one
 * proposal through its whole life — then Chromium (Debian's package, installed here when missing)
 * driven by playwright-core. Checks: the page loads without console errors, its numbers equal the
 * chain's (read with the SDK over the printed RPC URL), a new vote appears without a reload.
 * Screenshots go to test-artifacts/ (gitignored). Waits for the indexer's block, never for time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { createPublicClient, createWalletClient, encodeFunctionData, http, type Address } from "viem";

import {
  aitbcTokenAbi,
  castVote,
  getDeployment,
  getProposal,
  getProviderPosition,
  propose,
} from "@aitbc/sdk";
import { ensureChromium, launchChromium } from "../../scripts/lib/chromium.js";
import { waitForIndexedBlock } from "../../scripts/lib/indexer/process.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const ARTIFACTS = join(ROOT, "test-artifacts");
/** Hardhat development accounts 11 (alice), 12 (bob), 13 (the proposer): scripts/lib/main/deploy.ts. */
const ALICE = "0x71bE63f3384f5fb98995898A86B02Fb2426c5788" as Address;
const BOB = "0xFABB0ac9d68B0B445fB7357272Ff202C5651694a" as Address;
const PROPOSER = "0x1CBd3b2770909D4e10f157cABC84C7264073C9Ec" as Address;

/** Starts the main job with --dashboard and resolves with the URLs it prints. */
function startDemo(
  dir: string,
): Promise<{ child: ChildProcess; rpc: string; dashboard: string; log: () => string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/main-cli.ts", "--no-compile", "--dashboard"],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        OLLAMA_HOST: "http://127.0.0.1:9",
        AITBC_DEPLOYMENTS_DIR: dir,
        AITBC_REPORT: join(dir, "report.json"),
        AITBC_DASHBOARD_RPC_PORT: "0",
        AITBC_DASHBOARD_PORT: "0",
        AITBC_INDEXER_PORT: "42371",
        AITBC_INDEXER_DB_DIR: join(dir, "pglite"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  return new Promise((done, fail) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const rpc = /chain RPC: (http:\/\/\S+)/.exec(out)?.[1];
      const dashboard = /dashboard: (http:\/\/\S+)/.exec(out)?.[1];
      if (rpc && dashboard) done({ child, rpc, dashboard, log: () => out });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) =>
      fail(new Error(`the demo exited (${code}) before printing its URLs:\n${out.slice(-3000)}`)),
    );
  });
}

describe("dashboard in Chromium after npm run demo -- --dashboard", function () {
  this.timeout(900_000);
  let dir: string;
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async () => {
    ensureChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), "aitbc-dashboard-"));
    demo = await startDemo(dir);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    page.on("pageerror", (e) => consoleErrors.push(e.message));
  });
  after(async () => {
    await browser?.close();
    if (demo) writeFileSync(join(ARTIFACTS, "demo.log"), demo.log());
    if (demo?.child.exitCode === null) {
      demo.child.kill("SIGTERM");
      await new Promise((r) => demo.child.once("exit", r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows the chain's numbers, a new vote without a reload, and no console errors", async () => {
    const client = createPublicClient({ transport: http(demo.rpc) });
    const { contracts } = getDeployment(31337, { dir });
    const indexerUrl = "http://127.0.0.1:42371";
    await waitForIndexedBlock(indexerUrl, await client.getBlockNumber(), { child: demo.child });
    await page.goto(demo.dashboard);
    const head = String(await client.getBlockNumber());
    await page.waitForFunction((b) => document.body.dataset.block !== undefined && Number(document.body.dataset.block) >= Number(b), head); // prettier-ignore
    await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });

    // The executed grant's tally equals the governor's.
    const pid = await page.locator("[data-field=for]").first().getAttribute("data-proposal");
    const onChain = await getProposal(client, { contracts, proposalId: BigInt(pid!) });
    const shown = (field: string) =>
      page.locator(`[data-proposal="${pid}"][data-field="${field}"]`).first().innerText();
    const fmt = (wei: bigint) => (wei / 10n ** 18n).toLocaleString("en-US") + "." + String(((wei % 10n ** 18n) * 100n) / 10n ** 18n).padStart(2, "0"); // prettier-ignore
    expect(await shown("for")).to.equal(fmt(onChain.votes.for));
    expect(await shown("quorum")).to.equal(fmt(onChain.quorum));
    // Votes open when the governor says (proposalVoteStart): 48 h after creation.
    const opens = page.locator(`[data-proposal="${pid}"][data-field="votes-open"]`).first();
    expect(await opens.getAttribute("data-value")).to.equal(String(onChain.voteStart));
    expect(onChain.voteStart - onChain.createdAt).to.equal(48n * 3600n);
    // The ecosystem pool's balance shown equals the token's.
    const poolBalance = await client.readContract({ abi: aitbcTokenAbi, address: contracts.AITBCToken!, functionName: "balanceOf", args: [contracts.EcosystemPool!] }); // prettier-ignore
    expect(poolBalance > 0n).to.equal(true);
    expect(await page.locator("[data-key=pool-balance]").innerText()).to.equal(fmt(poolBalance));
    // Miners' stakes equal GPUStaking's.
    const miners = await page.locator("[data-miner][data-field=staked]").all();
    expect(miners.length).to.equal(2);
    for (const cell of miners) {
      const address = (await cell.getAttribute("data-miner")) as Address;
      const { staked } = await getProviderPosition(client, { contracts, provider: address });
      expect((await cell.innerText()).replace(/\.\d+$/, "")).to.equal(
        (staked / 10n ** 18n).toLocaleString("en-US"),
      );
    }

    // A new proposal and a vote: the vote appears without a reload.
    const votesBefore = Number(await page.locator("#votes").getAttribute("data-count"));
    const wallet = (account: Address) => createWalletClient({ account, transport: http(demo.rpc) });
    const { proposalId } = await propose(wallet(PROPOSER), {
      contracts,
      targets: [contracts.AITBCToken!],
      values: [0n],
      calldatas: [encodeFunctionData({ abi: aitbcTokenAbi, functionName: "transfer", args: [BOB, 1n] })],
      description: "dashboard test: a 1-wei grant",
    });
    await client.request({ method: "evm_increaseTime" as never, params: [2 * 86_400 + 1] as never });
    await client.request({ method: "evm_mine" as never });
    await castVote(wallet(ALICE), { contracts, proposalId, support: 1 });
    await page.waitForFunction(
      (n) => Number(document.getElementById("votes")!.dataset.count) > n,
      votesBefore,
    );
    const id = proposalId.toString();
    const row = page.locator("#votes tr", { hasText: `${id.slice(0, 6)}…${id.slice(-4)}` });
    expect(await row.count()).to.equal(1);
    expect(await row.innerText()).to.match(/0x71bE…5788\s+For/i);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-after-vote.png"), fullPage: true });

    // Readable on a phone: no horizontal scroll of the page itself (tables scroll in their wrappers).
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-phone.png"), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).to.be.at.most(0);
    expect(consoleErrors).to.deep.equal([]);
  });
});
