import { expect } from "chai";
import { type Interface, id } from "ethers";
import { network } from "hardhat";

import { deployWallet } from "../helpers/wallet.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = () => deployWallet(connection);

/** ERC-165 id of an interface: the XOR of its functions' selectors, computed here from their signatures. */
function interfaceIdOf(signatures: readonly string[]): string {
  let x = 0n;
  for (const signature of signatures) x ^= BigInt(id(signature).slice(0, 10));
  return "0x" + x.toString(16).padStart(8, "0");
}

/** ERC-165 id of an interface given as an ethers Interface (its own functions). */
function interfaceIdOfAbi(iface: Interface): string {
  const signatures: string[] = [];
  iface.forEachFunction((fn) => signatures.push(fn.format("sighash")));
  return interfaceIdOf(signatures);
}

describe("AgentWallet: ERC-165 and ERC-7579 account queries", function () {
  it("the independently computed ids match the well-known literals", function () {
    expect(interfaceIdOf(["supportsInterface(bytes4)"])).to.equal("0x01ffc9a7");
    expect(interfaceIdOf(["isValidSignature(bytes32,bytes)"])).to.equal("0x1626ba7e");
    expect(
      interfaceIdOf([
        "validateUserOp((address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes),bytes32,uint256)",
      ]),
    ).to.equal("0x19822f7c");
    expect(
      interfaceIdOf([
        "executeUserOp((address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes),bytes32)",
      ]),
    ).to.equal("0x8dd7712f");
  });

  it("answers true for every interface the wallet implements", async function () {
    const { wallet, walletAddress } = await networkHelpers.loadFixture(fixture);
    // IAgentWallet's own functions, from its compiled ABI (the interface artifact, not the implementation).
    const agentWalletAbi = (await ethers.getContractAt("IAgentWallet", walletAddress)).interface;
    const ids: Record<string, string> = {
      IERC165: interfaceIdOf(["supportsInterface(bytes4)"]),
      IAccount: interfaceIdOf([
        "validateUserOp((address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes),bytes32,uint256)",
      ]),
      IAccountExecute: interfaceIdOf([
        "executeUserOp((address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes),bytes32)",
      ]),
      IERC1271: interfaceIdOf(["isValidSignature(bytes32,bytes)"]),
      IAgentWallet: interfaceIdOfAbi(agentWalletAbi),
      IERC7579AccountConfig: interfaceIdOf([
        "accountId()",
        "supportsExecutionMode(bytes32)",
        "supportsModule(uint256)",
      ]),
      // contracts/token/IERC3009.sol: the EIP-3009 payer hook that charges x402 payments to the agent's limit.
      IERC3009Payer: interfaceIdOf(["onTransferWithAuthorization(address,uint256,bytes32,bytes)"]),
    };
    for (const [name, interfaceId] of Object.entries(ids)) {
      expect(await wallet.supportsInterface(interfaceId), name).to.equal(true);
    }
  });

  it("answers false for 0xffffffff, an unknown id and ERC-7579 interfaces it does not implement", async function () {
    const { wallet } = await networkHelpers.loadFixture(fixture);
    expect(await wallet.supportsInterface("0xffffffff")).to.equal(false);
    expect(await wallet.supportsInterface("0x00000000")).to.equal(false);
    expect(await wallet.supportsInterface("0xdeadbeef")).to.equal(false);
    // ERC-7579 IERC7579Execution (execute(bytes32,bytes), executeFromExecutor(bytes32,bytes)): not implemented.
    expect(
      await wallet.supportsInterface(
        interfaceIdOf(["execute(bytes32,bytes)", "executeFromExecutor(bytes32,bytes)"]),
      ),
    ).to.equal(false);
    // ERC-7579 IERC7579ModuleConfig: no modules.
    expect(
      await wallet.supportsInterface(
        interfaceIdOf([
          "installModule(uint256,address,bytes)",
          "uninstallModule(uint256,address,bytes)",
          "isModuleInstalled(uint256,address,bytes)",
        ]),
      ),
    ).to.equal(false);
  });

  it("ERC-7579 configuration: its account id, no execution mode, no module type", async function () {
    const { wallet } = await networkHelpers.loadFixture(fixture);
    expect(await wallet.accountId()).to.equal("aitbc.agentwallet.1.0.0");
    // Single call, batch call, delegatecall (call types 0x00, 0x01, 0xff), default exec type: all false.
    for (const callType of ["00", "01", "ff"]) {
      expect(await wallet.supportsExecutionMode("0x" + callType + "00".repeat(31))).to.equal(false);
    }
    expect(await wallet.supportsExecutionMode(ethers.ZeroHash)).to.equal(false);
    for (const moduleType of [1n, 2n, 3n, 4n, 0n, 2n ** 256n - 1n]) {
      expect(await wallet.supportsModule(moduleType)).to.equal(false);
    }
  });
});
