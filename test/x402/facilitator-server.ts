/**
 * The facilitator program: x402's own HTTPFacilitatorClient (inside the SDK's paywall) against
 * node/facilitator/server.ts, and the program's start-up checks as a user meets them.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { HTTPFacilitatorClient } from "@x402/core/server";

import { createX402Fetch } from "../../sdk/src/index.js";
import { startFacilitatorServer, type FacilitatorServer } from "../../node/facilitator/server.js";
import { AITBC, deployX402, startPaidServer, type X402Fixture } from "./helpers.js";

const connection = await network.create();
const ROOT = resolve(import.meta.dirname, "..", "..");

function runFacilitator(args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stderr: string }>((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/facilitator.ts", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => done({ code, stderr }));
  });
}

describe("x402 facilitator program (npm run facilitator)", function () {
  let fx: X402Fixture;
  let facilitator: FacilitatorServer;
  let seller: Awaited<ReturnType<typeof startPaidServer>>;
  const lines: string[] = [];

  before(async function () {
    fx = await deployX402(connection);
    facilitator = await startFacilitatorServer({ facilitator: fx.facilitator, log: (l) => lines.push(l) });
    seller = await startPaidServer(fx, facilitator.url);
  });
  after(async function () {
    await seller.close();
    await facilitator.close();
  });

  it("GET /supported lists the exact scheme on eip155:31337 with the facilitator's signer", async function () {
    const supported = await new HTTPFacilitatorClient({ url: facilitator.url }).getSupported();
    expect(supported.kinds.map((k) => [k.x402Version, k.scheme, k.network])).to.deep.include([2, "exact", "eip155:31337"]); // prettier-ignore
    expect(JSON.stringify(supported.signers).toLowerCase()).to.include(fx.facilitatorAddress.toLowerCase());
  });

  it("a seller pointing at the facilitator's URL is paid: verify and settle over HTTP, logged", async function () {
    const before = await fx.balanceOf(fx.seller);
    const pay = createX402Fetch({ signer: fx.buyer, contracts: fx.contracts, network: fx.network });
    const response = await pay(`${seller.url}/paid?price=${AITBC}`, { method: "POST" });
    expect(response.status).to.equal(200);
    expect(await fx.balanceOf(fx.seller)).to.equal(before + AITBC);
    expect(lines.some((l) => l.startsWith(`verify ${fx.buyer.address} 1000000000000000000 of`) && l.endsWith(": valid"))).to.equal(true); // prettier-ignore
    expect(lines.some((l) => /^settle 0x[0-9a-fA-F]{40} 1000000000000000000 of 0x[0-9a-fA-F]{40}: 0x[0-9a-f]{64}$/.test(l))).to.equal(true); // prettier-ignore
  });

  it("two buyers paying at once both settle (the facilitator's transactions do not race on its nonce)", async function () {
    const before = await fx.balanceOf(fx.seller);
    const payBuyer = createX402Fetch({ signer: fx.buyer, contracts: fx.contracts, network: fx.network });
    const responses = await Promise.all([1, 2, 3].map(() => payBuyer(`${seller.url}/paid?price=${AITBC}`, { method: "POST" }))); // prettier-ignore
    expect(responses.map((r) => r.status)).to.deep.equal([200, 200, 200]);
    expect(await fx.balanceOf(fx.seller)).to.equal(before + 3n * AITBC);
  });

  it("a malformed request is a 400, an unknown path a 404", async function () {
    const bad = await fetch(`${facilitator.url}/verify`, {
      method: "POST",
      body: JSON.stringify({ paymentPayload: 1 }),
    });
    expect(bad.status).to.equal(400);
    expect((await fetch(`${facilitator.url}/pay`, { method: "POST" })).status).to.equal(404);
  });

  it("start-up mistakes are one line and exit 1: no key, a malformed key (never echoed), an unreachable RPC", async function () {
    const [none, malformed, unreachable] = await Promise.all([
      runFacilitator([]),
      runFacilitator([], { AITBC_PRIVATE_KEY: `0x${"56".repeat(31)}` }),
      runFacilitator(["--rpc-url", "http://127.0.0.1:9"], { AITBC_PRIVATE_KEY: `0x${"ab".repeat(32)}` }),
    ]);
    for (const r of [none, malformed, unreachable]) {
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stderr.trimEnd().split("\n"), r.stderr).to.have.length(1);
    }
    expect(none.stderr).to.match(/^\[facilitator\] no facilitator key: pass --private-key/);
    expect(malformed.stderr).to.match(/^\[facilitator\] --private-key: .*62 hex digits/);
    expect(malformed.stderr).to.not.include("56".repeat(31));
    expect(unreachable.stderr.trimEnd()).to.match(
      /^\[facilitator\] HTTP request failed\. \(http:\/\/127\.0\.0\.1:9\/?\)$/,
    );
  });
});
