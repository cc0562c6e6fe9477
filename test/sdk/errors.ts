import { expect } from "chai";
import { createWalletClient, custom, encodeErrorResult, type Address } from "viem";

import {
  AccountNotFoundError,
  AitbcError,
  contractAddress,
  decodeRevertData,
  delegate,
  DeploymentNotFoundError,
  getDeployment,
  jobEscrowAbi,
  assertAmount,
  InvalidAmountError,
} from "../../sdk/src/index.js";
import { rejection } from "./helpers.js";

describe("sdk: deployments and errors", function () {
  it("reads the shipped deployments/<chainId>.json and reports what is missing", function () {
    const { chainId, contracts } = getDeployment(31337);
    expect(chainId).to.equal(31337);
    expect(contracts.AITBCToken).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(() => getDeployment(424242)).to.throw(
      DeploymentNotFoundError,
      /No AITBC deployment is known for chain 424242/,
    );
    expect(() => contractAddress({}, "JobEscrow")).to.throw(
      DeploymentNotFoundError,
      /no address for JobEscrow/,
    );
  });

  it("decodes protocol revert data into the error name and arguments", function () {
    const data = encodeErrorResult({ abi: jobEscrowAbi, errorName: "EscrowWrongStatus", args: [7n, 3] });
    expect(decodeRevertData(data)).to.deep.equal({ errorName: "EscrowWrongStatus", args: [7n, 3] });
    expect(decodeRevertData("0xdeadbeef")).to.equal(undefined);
  });

  it("refuses a write without an account before any request, and validates amounts", async function () {
    let requests = 0;
    const client = createWalletClient({
      transport: custom({
        request: async () => {
          requests++;
          return null;
        },
      }),
    });
    const error = await rejection(
      delegate(client, {
        contracts: { AITBCToken: "0x0000000000000000000000000000000000000001" },
        delegatee: "0x0000000000000000000000000000000000000002" as Address,
      }),
    );
    expect(error).to.be.instanceOf(AccountNotFoundError);
    expect(error).to.be.instanceOf(AitbcError);
    expect(requests).to.equal(0);
    expect(() => assertAmount(2.5, "amount (wei)")).to.throw(InvalidAmountError, /not an integer/);
    expect(() => assertAmount(-1n, "amount (wei)")).to.throw(InvalidAmountError, /negative/);
    expect(() => assertAmount("5", "amount (wei)")).to.throw(InvalidAmountError, /bigint/);
  });
});
