// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EntryPoint} from "@account-abstraction/contracts/core/EntryPoint.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {IEntryPoint} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {IAccountExecute} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {AgentWallet} from "../../contracts/wallet/AgentWallet.sol";
import {AgentWalletFactory} from "../../contracts/wallet/AgentWalletFactory.sol";
import {IAgentWallet} from "../../contracts/wallet/IAgentWallet.sol";
import {SpendingLimits} from "../../contracts/wallet/SpendingLimits.sol";
import {PlainVotesToken} from "../../contracts/mocks/PlainVotesToken.sol";
import {vm} from "../utils/Vm.sol";

// The handler records ghost state after calling the wallet and tokens of this test on purpose (it counts what
// succeeded); nothing here holds value for anyone else.
// solhint-disable reentrancy

uint256 constant LIMIT = 1_000 ether;
// Small next to the worst-case gas of one UserOperation (0.00105 ether), so gas accounting matters.
uint256 constant ETH_LIMIT = 0.01 ether;
uint256 constant PERIOD = 1 days;
uint256 constant AGENT_PK = 0xA11CE;

/// @dev A spender the agent may approve; it pulls from the wallet whenever the fuzzer says so.
contract Spender {
    function pull(IERC20 token, address from, address to, uint256 amount) external {
        token.transferFrom(from, to, amount);
    }
}

/**
 * @dev Drives the agent key through random transfers, approvals, batches, ether sends and UserOperations
 * (through the real EntryPoint, signed with the agent key), plus pulls by an approved spender and time jumps.
 * Ghost variables: what the agent moved or exposed per period, and balances and allowance at each period start.
 */
contract WalletHandler {
    EntryPoint public immutable entryPoint;
    AgentWallet public immutable wallet;
    PlainVotesToken public immutable token;
    Spender public immutable spender;
    address public immutable agent;
    address public constant SINK = address(0x5111C);

    /// @notice Start of the period the ghosts below belong to.
    uint256 public periodStart;
    /// @notice Token and ether balances and the spender's allowance at `periodStart`.
    uint256 public startBalance;
    uint256 public startEth;
    uint256 public startAllowance;
    /// @notice Token amounts the agent transferred or approved in the period (successful calls only), and ether sent.
    uint256 public agentOutflow;
    uint256 public agentEthOutflow;
    uint256 public successes;

    constructor(EntryPoint entryPoint_, AgentWallet wallet_, PlainVotesToken token_) {
        entryPoint = entryPoint_;
        wallet = wallet_;
        token = token_;
        spender = new Spender();
        agent = vm.addr(AGENT_PK);
        _sync();
    }

    function transfer(uint256 amount) external {
        _sync();
        amount = amount % (LIMIT + LIMIT / 2);
        _agentCall(address(token), 0, abi.encodeCall(IERC20.transfer, (SINK, amount)), amount, 0);
    }

    function approve(uint256 amount) external {
        _sync();
        amount = amount % (LIMIT + LIMIT / 2);
        _agentCall(address(token), 0, abi.encodeCall(IERC20.approve, (address(spender), amount)), amount, 0);
    }

    function sendEther(uint256 amount) external {
        _sync();
        amount = amount % (ETH_LIMIT + ETH_LIMIT / 2);
        _agentCall(SINK, amount, "", 0, amount);
    }

    function batch(uint256 a, uint256 b) external {
        _sync();
        a = a % LIMIT;
        b = b % LIMIT;
        IAgentWallet.Call[] memory calls = new IAgentWallet.Call[](2);
        calls[0] = IAgentWallet.Call(address(token), 0, abi.encodeCall(IERC20.transfer, (SINK, a)));
        calls[1] = IAgentWallet.Call(address(token), 0, abi.encodeCall(IERC20.approve, (address(spender), b)));
        vm.prank(agent);
        try wallet.executeBatch(calls) {
            agentOutflow += a + b;
            ++successes;
        } catch {}
    }

    function userOpTransfer(uint256 amount) external {
        _sync();
        amount = amount % (LIMIT + LIMIT / 2);
        bytes memory inner = abi.encodeCall(
            AgentWallet.execute,
            (address(token), 0, abi.encodeCall(IERC20.transfer, (SINK, amount)))
        );
        PackedUserOperation memory op = PackedUserOperation({
            sender: address(wallet),
            nonce: entryPoint.getNonce(address(wallet), 0),
            initCode: "",
            callData: abi.encodePacked(IAccountExecute.executeUserOp.selector, inner),
            accountGasLimits: bytes32((uint256(500_000) << 128) | 500_000),
            preVerificationGas: 50_000,
            // 1 gwei: the wallet pays the worst-case gas (1.05M gas, 0.00105 ether), counted against the ether limit.
            gasFees: bytes32((uint256(1 gwei) << 128) | 1 gwei),
            paymasterAndData: "",
            signature: ""
        });
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(AGENT_PK, entryPoint.getUserOpHash(op));
        op.signature = abi.encodePacked(agent, r, s, v, uint48(wallet.spendingLimit(address(0)).periodIndex));
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        ops[0] = op;
        uint256 before = token.balanceOf(SINK);
        // Validation reverts (FailedOpWithRevert) once the ether limit cannot cover the worst-case gas.
        try entryPoint.handleOps(ops, payable(address(0xBEEF))) {} catch {
            return;
        }
        if (token.balanceOf(SINK) != before) {
            agentOutflow += amount;
            ++successes;
        }
    }

    function pull(uint256 amount) external {
        _sync();
        uint256 allowance = token.allowance(address(wallet), address(spender));
        uint256 balance = token.balanceOf(address(wallet));
        uint256 cap = allowance < balance ? allowance : balance;
        if (cap == 0) return;
        spender.pull(token, address(wallet), SINK, amount % (cap + 1));
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + 1 + (seconds_ % (2 * PERIOD)));
        _sync();
    }

    function _agentCall(address target, uint256 value, bytes memory data, uint256 tokens, uint256 eth) private {
        vm.prank(agent);
        try wallet.execute(target, value, data) {
            agentOutflow += tokens;
            agentEthOutflow += eth;
            ++successes;
        } catch {}
    }

    /// @dev Starts new ghosts when a new period of the token limit has begun.
    function _sync() private {
        uint256 start = wallet.spendingLimit(address(token)).periodStart;
        if (start == periodStart) return;
        periodStart = start;
        startBalance = token.balanceOf(address(wallet));
        startEth = address(wallet).balance;
        startAllowance = token.allowance(address(wallet), address(spender));
        agentOutflow = 0;
        agentEthOutflow = 0;
    }
}

/// @notice Invariant: no sequence of agent calls spends more than the limit in a period.
contract AgentWalletLimitsInvariantTest {
    EntryPoint internal entryPoint;
    AgentWallet internal wallet;
    PlainVotesToken internal token;
    WalletHandler internal handler;

    function setUp() public {
        entryPoint = new EntryPoint();
        AgentWalletFactory factory = new AgentWalletFactory(IEntryPoint(address(entryPoint)));
        token = new PlainVotesToken();
        wallet = factory.createAccount(address(this), vm.addr(AGENT_PK), IAgentWallet.AgentRole.Consumer, 0);
        wallet.setSpendingLimit(address(token), LIMIT, PERIOD);
        wallet.setSpendingLimit(address(0), ETH_LIMIT, PERIOD);
        token.transfer(address(wallet), 1_000_000 ether);
        (bool sent, ) = address(wallet).call{value: 100 ether}("");
        vm.assertTrue(sent, "funding failed");
        handler = new WalletHandler(entryPoint, wallet, token);
    }

    /// @dev Read by the invariant runner: only the handler is called with random inputs.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// The wallet's own counters never exceed the limits.
    function invariant_countersWithinLimits() public view {
        vm.assertLe(wallet.spendingLimit(address(token)).spent, LIMIT, "token counter above limit");
        vm.assertLe(wallet.spendingLimit(address(0)).spent, ETH_LIMIT, "ether counter above limit");
    }

    /// What the agent transferred or approved (counted independently by the handler) stays within the limit.
    function invariant_agentOutflowWithinLimit() public view {
        vm.assertLe(handler.agentOutflow(), LIMIT, "agent moved more tokens than the limit in a period");
        vm.assertLe(handler.agentEthOutflow(), ETH_LIMIT, "agent sent more ether than the limit in a period");
    }

    /// The token balance drops within a period by at most the limit plus the allowance carried over from earlier
    /// periods (an approval is counted in the period it is granted); ether by at most the ether limit.
    function invariant_balanceDropWithinLimit() public view {
        uint256 balance = token.balanceOf(address(wallet));
        uint256 drop = handler.startBalance() > balance ? handler.startBalance() - balance : 0;
        vm.assertLe(drop, LIMIT + handler.startAllowance(), "token balance dropped more than the limit");
        uint256 eth = address(wallet).balance;
        uint256 ethDrop = handler.startEth() > eth ? handler.startEth() - eth : 0;
        vm.assertLe(ethDrop, ETH_LIMIT, "ether balance dropped more than the limit");
    }

    receive() external payable {}
}

/// @dev Exposes the library for the stateless fuzz test.
contract SpendingLimitsHarness {
    using SpendingLimits for SpendingLimits.Limit;
    SpendingLimits.Limit internal limit;

    function configure(uint256 amount, uint256 period) external {
        limit.configure(amount, period);
    }

    function consume(uint256 amount) external returns (bool ok) {
        (ok, , ) = limit.tryConsume(amount);
    }

    function spentNow() external view returns (uint256) {
        return limit.spentNow();
    }
}

/// @notice Stateless fuzz of the accounting: within one fixed period the accepted amounts never exceed the limit,
/// and every amount that fits is accepted.
contract SpendingLimitsFuzzTest {
    function testFuzz_acceptedWithinEveryPeriodNeverExceedsLimit(
        uint128 limitAmount,
        uint256[8] memory amounts,
        uint32[8] memory gaps
    ) public {
        uint256 period = 1 hours;
        SpendingLimitsHarness harness = new SpendingLimitsHarness();
        harness.configure(limitAmount, period);
        uint256 start = block.timestamp;
        uint256 currentIndex;
        uint256 acceptedInPeriod;
        for (uint256 i = 0; i < amounts.length; ++i) {
            vm.warp(block.timestamp + (gaps[i] % (2 * period)));
            uint256 index = (block.timestamp - start) / period;
            if (index != currentIndex) {
                currentIndex = index;
                acceptedInPeriod = 0;
            }
            uint256 amount = amounts[i] % (uint256(limitAmount) + 2);
            bool fits = acceptedInPeriod + amount <= limitAmount;
            vm.assertTrue(harness.consume(amount) == fits, "accepted iff it fits");
            if (fits) acceptedInPeriod += amount;
            vm.assertEq(harness.spentNow(), acceptedInPeriod, "counter equals accepted amounts");
            vm.assertLe(acceptedInPeriod, limitAmount, "accepted above limit");
        }
    }
}
