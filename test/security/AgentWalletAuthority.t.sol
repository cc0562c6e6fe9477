// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EntryPoint} from "@account-abstraction/contracts/core/EntryPoint.sol";
import {IStakeManager} from "@account-abstraction/contracts/interfaces/IStakeManager.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {IAccount, IAccountExecute, IEntryPoint} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {AgentWallet} from "../../contracts/wallet/AgentWallet.sol";
import {AgentWalletFactory} from "../../contracts/wallet/AgentWalletFactory.sol";
import {IAgentWallet} from "../../contracts/wallet/IAgentWallet.sol";
import {JobEscrowPullMock} from "../../contracts/mocks/JobEscrowPullMock.sol";
import {PlainVotesToken} from "../../contracts/mocks/PlainVotesToken.sol";
import {vm} from "../utils/Vm.sol";

// The handler records ghost state after calling the wallet, the EntryPoint and the tokens of this test on purpose;
// nothing here holds value for anyone else.
// solhint-disable reentrancy

uint256 constant LIMIT = 1_000 ether;
uint256 constant ETH_LIMIT = 0.01 ether;
uint256 constant PERIOD = 1 days;
uint256 constant SESSION_CAP = 300 ether;
uint256 constant SESSION_ETH_CAP = 0.005 ether;
uint256 constant DEPOSIT = 1 ether;
uint256 constant STAKE = 0.1 ether;
uint256 constant OWNER_PK = 0x0111E1;
uint256 constant AGENT_PK = 0xA6E17;
uint256 constant SESSION_PK = 0x5E5510;
uint256 constant BARE_PK = 0xBA1E;
address constant ATTACKER = address(0xA77AC4E1);
address constant SINK = address(0x5111C);
address constant BENEFICIARY = address(0xBEEF);

/**
 * @dev Acts as the agent key, a session key granted every permission (even on the wallet and the EntryPoint) and a
 * session key without permissions. Builds UserOperations (signed for real, submitted through `handleOps` of the real
 * EntryPoint) and direct calls from fuzzed inputs: designed shapes that nest owner-only calls, EntryPoint deposit
 * calls and ordinary spending up to three levels deep (execute(self), executeBatch, nested executeUserOp whose inner
 * operation names the owner, zero or the key as signer, payInto with the wallet as escrow), raw fuzzed calldata at
 * the top level and under `executeUserOp`, fuzzed selectors, and forged signatures. Every call catches its own
 * revert (failOnRevert). Ghosts: the balances and the escrow's allowance at the start of each limit period.
 */
contract AuthorityHandler {
    EntryPoint public immutable entryPoint;
    AgentWallet public immutable wallet;
    PlainVotesToken public immutable token;
    JobEscrowPullMock public immutable escrow;
    address public immutable owner;

    uint256 public periodStart;
    uint256 public startBalance;
    uint256 public startEtherAndDeposit;
    uint256 public startEscrowAllowance;
    uint256 private _jobs;

    /// @notice How many operations were included (passed validation) or refused, and direct calls that succeeded
    /// or reverted: to see that the runs reach both sides.
    uint256 public opsIncluded;
    uint256 public opsRefused;
    uint256 public directSucceeded;
    uint256 public directReverted;

    constructor(EntryPoint entryPoint_, AgentWallet wallet_, PlainVotesToken token_, JobEscrowPullMock escrow_) {
        entryPoint = entryPoint_;
        wallet = wallet_;
        token = token_;
        escrow = escrow_;
        owner = vm.addr(OWNER_PK);
        _sync();
    }

    // ------------------------------------------------------------ actions

    /// @notice A designed attack (or ordinary spending) wrapped `shapes` deep, as a UserOperation of a key.
    function shapedOp(uint256 keySeed, uint256 payloadSeed, uint256 shapes, uint256 amount, uint256 fee) external {
        _sync();
        bytes memory data = _wrapAll(_payload(payloadSeed, amount), shapes);
        // Mostly through executeUserOp (the form keys must use); sometimes the wallet calldata itself.
        bytes memory callData =
            (shapes >> 40) % 4 == 0 ? data : abi.encodePacked(IAccountExecute.executeUserOp.selector, data);
        _submit(keySeed, callData, fee);
    }

    /// @notice The same shapes as direct calls from the key's EOA.
    function shapedDirect(uint256 keySeed, uint256 payloadSeed, uint256 shapes, uint256 amount) external {
        _sync();
        _direct(keySeed, _wrapAll(_payload(payloadSeed, amount), shapes));
    }

    /// @notice Arbitrary callData, as is or under executeUserOp, as a UserOperation of a key.
    function rawOp(uint256 keySeed, bytes calldata callData, bool prefixed, uint256 fee) external {
        _sync();
        _submit(keySeed, prefixed ? abi.encodePacked(IAccountExecute.executeUserOp.selector, callData) : callData, fee);
    }

    /// @notice A fuzzed wallet selector (or one of the wallet's own) with fuzzed arguments under executeUserOp.
    function selectorOp(uint256 keySeed, bytes4 selector, uint256 pick, bytes calldata args, uint256 fee) external {
        _sync();
        if (pick % 2 == 0) selector = _walletSelector(pick >> 1);
        _submit(keySeed, abi.encodePacked(IAccountExecute.executeUserOp.selector, selector, args), fee);
    }

    /// @notice `execute(target, value, fuzzed data)` towards the wallet, the EntryPoint, the token, the escrow or a
    /// sink, the data starting with a fuzzed or chosen selector; by UserOperation or directly.
    function rawExecute(
        uint256 keySeed,
        uint256 targetSeed,
        uint256 value,
        bytes4 selector,
        bytes calldata args,
        bool direct
    ) external {
        _sync();
        address target = _target(targetSeed);
        if ((targetSeed >> 8) % 2 == 0) {
            selector =
                target == address(entryPoint)
                    ? _entryPointSelector(targetSeed >> 16)
                    : _walletSelector(targetSeed >> 16);
        }
        value = value % (ETH_LIMIT + 1);
        bytes memory data = abi.encodeCall(AgentWallet.execute, (target, value, abi.encodePacked(selector, args)));
        if (direct) _direct(keySeed, data);
        else _submit(keySeed, abi.encodePacked(IAccountExecute.executeUserOp.selector, data), 0);
    }

    /// @notice Arbitrary calldata sent directly to the wallet by a key (or by the attacker).
    function rawDirect(uint256 keySeed, bytes calldata data) external {
        _sync();
        _direct(keySeed, data);
    }

    /// @notice A UserOperation whose signature names the owner, zero, a key or the attacker followed by fuzzed bytes.
    function forgedOp(uint256 signerSeed, bytes calldata tail, uint256 payloadSeed, uint256 shapes) external {
        _sync();
        address[5] memory signers = [owner, address(0), vm.addr(AGENT_PK), vm.addr(SESSION_PK), ATTACKER];
        bytes memory data = _wrapAll(_payload(payloadSeed, 0), shapes);
        PackedUserOperation memory op = _op(abi.encodePacked(IAccountExecute.executeUserOp.selector, data), 0);
        op.signature = abi.encodePacked(signers[signerSeed % 5], tail);
        _handle(op);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + 1 + (seconds_ % (2 * PERIOD)));
        _sync();
    }

    // ------------------------------------------------------------ building

    /// @dev Owner-only calls, EntryPoint deposit calls and ordinary spending (wallet calldata).
    function _payload(uint256 seed, uint256 amount) private returns (bytes memory) {
        uint256 kind = seed % 20;
        address tokenAddress = address(token);
        address ep = address(entryPoint);
        if (kind == 0) return abi.encodeCall(AgentWallet.setOwner, (ATTACKER));
        if (kind == 1) return abi.encodeCall(AgentWallet.setAgentKey, (ATTACKER));
        if (kind == 2) return abi.encodeCall(AgentWallet.withdraw, (tokenAddress, ATTACKER, amount % 1e24));
        if (kind == 3) return abi.encodeCall(AgentWallet.withdraw, (address(0), ATTACKER, amount % 1e20));
        if (kind == 4) return abi.encodeCall(AgentWallet.setSpendingLimit, (tokenAddress, type(uint128).max, PERIOD));
        if (kind == 5) {
            IAgentWallet.SessionPermission[] memory permissions = new IAgentWallet.SessionPermission[](1);
            permissions[0] = IAgentWallet.SessionPermission(tokenAddress, IERC20.transfer.selector);
            return
                abi.encodeCall(
                    AgentWallet.addSessionKey,
                    (ATTACKER, uint48(block.timestamp + 1 days), permissions, new IAgentWallet.SessionCap[](0))
                );
        }
        if (kind == 6) return abi.encodeCall(AgentWallet.revokeSessionKey, (vm.addr(SESSION_PK)));
        if (kind == 7) return abi.encodeCall(AgentWallet.setFrozen, (true));
        if (kind == 8) return abi.encodeCall(AgentWallet.setRole, (IAgentWallet.AgentRole.Provider));
        if (kind == 9) return abi.encodeCall(AgentWallet.setSignatureVerifier, (ATTACKER, true));
        if (kind == 10) return _execute(ep, 0, abi.encodeCall(IStakeManager.withdrawTo, (payable(ATTACKER), DEPOSIT)));
        if (kind == 11) return _execute(ep, 0, abi.encodeCall(IStakeManager.unlockStake, ()));
        if (kind == 12) return _execute(ep, 0, abi.encodeCall(IStakeManager.withdrawStake, (payable(ATTACKER))));
        if (kind == 13) return _execute(ep, amount % ETH_LIMIT, abi.encodeCall(IStakeManager.depositTo, (ATTACKER)));
        if (kind == 14) {
            bytes memory withdrawTo = abi.encodeCall(IStakeManager.withdrawTo, (payable(ATTACKER), DEPOSIT));
            return abi.encodeCall(AgentWallet.payInto, (ep, tokenAddress, 0, withdrawTo));
        }
        // Ordinary spending, so that limits and counters are exercised too.
        uint256 tokens = amount % (LIMIT + LIMIT / 2);
        if (kind == 15) return _execute(tokenAddress, 0, abi.encodeCall(IERC20.transfer, (SINK, tokens)));
        if (kind == 16) return _execute(tokenAddress, 0, abi.encodeCall(IERC20.approve, (address(escrow), tokens)));
        if (kind == 17) return _execute(SINK, amount % ETH_LIMIT, "");
        bytes memory openJob = abi.encodeCall(JobEscrowPullMock.openJob, (bytes32(++_jobs), token, tokens));
        // An escrow pulling a standing allowance (counted when it was granted), or payInto.
        if (kind == 18) return _execute(address(escrow), 0, openJob);
        return abi.encodeCall(AgentWallet.payInto, (address(escrow), tokenAddress, tokens, openJob));
    }

    /// @dev Wraps `data` in up to three layers chosen by `shapes`.
    function _wrapAll(bytes memory data, uint256 shapes) private view returns (bytes memory) {
        uint256 depth = shapes % 4;
        for (uint256 i = 0; i < depth; ++i) {
            data = _wrap(data, (shapes >> (8 * (i + 1))) % 8);
        }
        return data;
    }

    function _wrap(bytes memory data, uint256 shape) private view returns (bytes memory) {
        address self = address(wallet);
        if (shape == 0) return _execute(self, 0, data);
        if (shape == 1 || shape == 2) {
            IAgentWallet.Call[] memory calls = new IAgentWallet.Call[](shape);
            calls[shape - 1] = IAgentWallet.Call(self, 0, data);
            if (shape == 2) calls[0] = IAgentWallet.Call(SINK, 0, "");
            return abi.encodeCall(AgentWallet.executeBatch, (calls));
        }
        if (shape == 3) return _nested(data, owner);
        if (shape == 4) return _nested(data, address(0));
        if (shape == 5) return _nested(data, vm.addr(AGENT_PK));
        if (shape == 6) return abi.encodeCall(AgentWallet.payInto, (self, address(token), 0, data));
        return _nested(data, vm.addr(BARE_PK));
    }

    /// @dev `executeUserOp(inner, 0)` whose inner operation claims `signer` and carries `data` under executeUserOp.
    function _nested(bytes memory data, address signer) private view returns (bytes memory) {
        PackedUserOperation memory inner = _emptyOp(abi.encodePacked(IAccountExecute.executeUserOp.selector, data));
        inner.signature = abi.encodePacked(signer, bytes32(uint256(1)), bytes32(uint256(2)), uint8(27));
        // The EntryPoint package declares its own (ABI-identical) PackedUserOperation struct.
        return abi.encodeWithSelector(IAccountExecute.executeUserOp.selector, inner, bytes32(0));
    }

    function _execute(address target, uint256 value, bytes memory data) private pure returns (bytes memory) {
        return abi.encodeCall(AgentWallet.execute, (target, value, data));
    }

    function _walletSelector(uint256 seed) private pure returns (bytes4) {
        bytes4[15] memory selectors = [
            AgentWallet.setOwner.selector,
            AgentWallet.setAgentKey.selector,
            AgentWallet.withdraw.selector,
            AgentWallet.setSpendingLimit.selector,
            AgentWallet.addSessionKey.selector,
            AgentWallet.revokeSessionKey.selector,
            AgentWallet.setFrozen.selector,
            AgentWallet.setRole.selector,
            AgentWallet.setSignatureVerifier.selector,
            AgentWallet.execute.selector,
            AgentWallet.executeBatch.selector,
            AgentWallet.payInto.selector,
            AgentWallet.initialize.selector,
            IAccountExecute.executeUserOp.selector,
            IAccount.validateUserOp.selector
        ];
        return selectors[seed % 15];
    }

    function _entryPointSelector(uint256 seed) private pure returns (bytes4) {
        bytes4[5] memory selectors = [
            IStakeManager.withdrawTo.selector,
            IStakeManager.addStake.selector,
            IStakeManager.unlockStake.selector,
            IStakeManager.withdrawStake.selector,
            IStakeManager.depositTo.selector
        ];
        return selectors[seed % 5];
    }

    function _target(uint256 seed) private view returns (address) {
        address[5] memory targets = [address(wallet), address(entryPoint), address(token), address(escrow), SINK];
        return targets[seed % 5];
    }

    function _key(uint256 seed) private pure returns (uint256) {
        uint256[3] memory keys = [AGENT_PK, SESSION_PK, BARE_PK];
        return keys[seed % 3];
    }

    function _emptyOp(bytes memory callData) private view returns (PackedUserOperation memory op) {
        op.sender = address(wallet);
        op.callData = callData;
    }

    /// @dev A UserOperation with the next nonce and gas fees 0, 1 gwei or 50 gwei (worst case 0, 0.00105 or 0.0525
    /// ether: the last is over the ether limit, so validation refuses it).
    function _op(bytes memory callData, uint256 fee) private view returns (PackedUserOperation memory op) {
        op = _emptyOp(callData);
        op.nonce = entryPoint.getNonce(address(wallet), 0);
        op.accountGasLimits = bytes32((uint256(500_000) << 128) | 500_000);
        op.preVerificationGas = 50_000;
        uint256 price = [uint256(0), 1 gwei, 50 gwei][fee % 3];
        op.gasFees = bytes32((price << 128) | price);
    }

    function _submit(uint256 keySeed, bytes memory callData, uint256 fee) private {
        uint256 pk = _key(keySeed);
        PackedUserOperation memory op = _op(callData, fee);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, entryPoint.getUserOpHash(op));
        op.signature = abi.encodePacked(vm.addr(pk), r, s, v, uint48(wallet.spendingLimit(address(0)).periodIndex));
        _handle(op);
    }

    function _handle(PackedUserOperation memory op) private {
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        ops[0] = op;
        try entryPoint.handleOps(ops, payable(BENEFICIARY)) {
            ++opsIncluded;
        } catch {
            ++opsRefused;
        }
    }

    /// @dev A call of the wallet from a key's EOA (or the attacker's), catching its revert.
    function _direct(uint256 keySeed, bytes memory data) private {
        address caller = keySeed % 4 == 3 ? ATTACKER : vm.addr(_key(keySeed));
        vm.prank(caller);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, ) = address(wallet).call(data);
        if (ok) ++directSucceeded;
        else ++directReverted;
    }

    /// @dev Starts new ghosts when a new period of the token limit has begun (both limits share their start).
    function _sync() private {
        uint256 start = wallet.spendingLimit(address(token)).periodStart;
        if (start == periodStart) return;
        periodStart = start;
        startBalance = token.balanceOf(address(wallet));
        startEtherAndDeposit = address(wallet).balance + entryPoint.balanceOf(address(wallet));
        startEscrowAllowance = token.allowance(address(wallet), address(escrow));
    }
}

/**
 * @notice Invariants of AgentWallet's authority model under the handler above (only agent and session keys and an
 * attacker act; the owner configured everything in `setUp` and never acts again): the owner, agent key, limits,
 * session keys, freeze, role and verifiers never change; the EntryPoint stake never moves and the deposit leaves
 * only as gas counted against the ether limit; no counter exceeds its limit; the token balance drops per period by
 * at most the limit (plus an allowance granted, and counted, in an earlier period); the attacker receives nothing.
 */
contract AgentWalletAuthorityInvariantTest {
    EntryPoint internal entryPoint;
    AgentWallet internal wallet;
    PlainVotesToken internal token;
    JobEscrowPullMock internal escrow;
    AuthorityHandler internal handler;
    address internal owner;
    uint48 internal sessionValidUntil;

    function setUp() public {
        entryPoint = new EntryPoint();
        AgentWalletFactory factory = new AgentWalletFactory(IEntryPoint(address(entryPoint)));
        token = new PlainVotesToken();
        escrow = new JobEscrowPullMock();
        owner = vm.addr(OWNER_PK);
        wallet = factory.createAccount(owner, vm.addr(AGENT_PK), IAgentWallet.AgentRole.Consumer, 0);
        token.transfer(address(wallet), 1_000_000 ether);
        (bool sent, ) = address(wallet).call{value: 100 ether}("");
        vm.assertTrue(sent, "funding failed");
        entryPoint.depositTo{value: DEPOSIT}(address(wallet));
        sessionValidUntil = uint48(block.timestamp + 3650 days);

        vm.startPrank(owner);
        wallet.setSpendingLimit(address(token), LIMIT, PERIOD);
        wallet.setSpendingLimit(address(0), ETH_LIMIT, PERIOD);
        wallet.execute(address(entryPoint), STAKE, abi.encodeCall(IStakeManager.addStake, (uint32(PERIOD))));
        wallet.addSessionKey(vm.addr(SESSION_PK), sessionValidUntil, _everyPermission(), _caps());
        wallet.addSessionKey(
            vm.addr(BARE_PK),
            sessionValidUntil,
            new IAgentWallet.SessionPermission[](0),
            new IAgentWallet.SessionCap[](0)
        );
        vm.stopPrank();

        handler = new AuthorityHandler(entryPoint, wallet, token, escrow);
    }

    /// @dev Read by the invariant runner: only the handler is called with random inputs.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_ownerAndKeysNeverChange() public view {
        vm.assertTrue(wallet.owner() == owner, "owner changed");
        vm.assertTrue(wallet.agentKey() == vm.addr(AGENT_PK), "agent key changed");
        vm.assertTrue(!wallet.frozen(), "frozen by a key");
        vm.assertTrue(wallet.role() == IAgentWallet.AgentRole.Consumer, "role changed");
        vm.assertTrue(!wallet.isSignatureVerifier(ATTACKER), "verifier added");
        vm.assertTrue(!wallet.sessionKey(ATTACKER).active, "attacker became a session key");
        for (uint256 i = 0; i < 2; ++i) {
            IAgentWallet.SessionKey memory s = wallet.sessionKey(vm.addr(i == 0 ? SESSION_PK : BARE_PK));
            vm.assertTrue(s.active && s.generation == 1, "session key revoked or re-granted");
            vm.assertEq(s.validUntil, sessionValidUntil, "session expiry changed");
        }
    }

    function invariant_limitsNeverChange() public view {
        IAgentWallet.SpendingLimitView memory t = wallet.spendingLimit(address(token));
        IAgentWallet.SpendingLimitView memory e = wallet.spendingLimit(address(0));
        vm.assertEq(t.amount, LIMIT, "token limit changed");
        vm.assertEq(t.period, PERIOD, "token period changed");
        vm.assertEq(e.amount, ETH_LIMIT, "ether limit changed");
        vm.assertEq(e.period, PERIOD, "ether period changed");
        vm.assertEq(wallet.sessionCap(vm.addr(SESSION_PK), address(token)).amount, SESSION_CAP, "cap changed");
    }

    function invariant_spentWithinLimits() public view {
        vm.assertLe(wallet.spendingLimit(address(token)).spent, LIMIT, "token counter above limit");
        vm.assertLe(wallet.spendingLimit(address(0)).spent, ETH_LIMIT, "ether counter above limit");
        address session = vm.addr(SESSION_PK);
        vm.assertLe(wallet.sessionCap(session, address(token)).spent, SESSION_CAP, "session token cap exceeded");
        vm.assertLe(wallet.sessionCap(session, address(0)).spent, SESSION_ETH_CAP, "session ether cap exceeded");
    }

    /// The token balance drops within a period by at most the limit plus the escrow's allowance carried over.
    function invariant_tokenDropWithinLimit() public view {
        uint256 balance = token.balanceOf(address(wallet));
        uint256 start = handler.startBalance();
        uint256 drop = start > balance ? start - balance : 0;
        vm.assertLe(drop, LIMIT + handler.startEscrowAllowance(), "token balance dropped more than the limit");
    }

    /// Ether and the EntryPoint deposit together drop within a period by at most the ether limit (value sent and
    /// UserOperation gas, both counted); the stake never moves.
    function invariant_depositAndEtherWithinLimit() public view {
        uint256 now_ = address(wallet).balance + entryPoint.balanceOf(address(wallet));
        uint256 start = handler.startEtherAndDeposit();
        vm.assertLe(start > now_ ? start - now_ : 0, ETH_LIMIT, "ether + deposit dropped more than the limit");
        IStakeManager.DepositInfo memory info = entryPoint.getDepositInfo(address(wallet));
        vm.assertTrue(info.staked, "stake unlocked");
        vm.assertEq(info.stake, STAKE, "stake moved");
        vm.assertEq(info.unstakeDelaySec, PERIOD, "unstake delay changed");
        vm.assertEq(info.withdrawTime, 0, "stake unlock started");
    }

    function invariant_attackerGetsNothing() public view {
        vm.assertEq(token.balanceOf(ATTACKER), 0, "attacker received tokens");
        vm.assertEq(ATTACKER.balance, 0, "attacker received ether");
        vm.assertEq(entryPoint.balanceOf(ATTACKER), 0, "attacker received a deposit");
        vm.assertEq(token.allowance(address(wallet), ATTACKER), 0, "attacker got an allowance");
    }

    /// A sanity check of the handler: an ordinary transfer by UserOperation and by direct call goes through, the
    /// reported attack (nested executeUserOp naming the owner) is refused, and nothing is moved by the latter.
    function test_handlerReachesBothSides() public {
        uint256 prefixed = 1 << 40;
        handler.shapedOp(0, 15, prefixed, 100 ether, 1); // agent key: transfer 100 tokens, 1 gwei gas
        vm.assertEq(handler.opsIncluded(), 1, "ordinary operation refused");
        vm.assertEq(token.balanceOf(SINK), 100 ether, "ordinary transfer did not happen");
        handler.shapedDirect(1, 15, 0, 50 ether); // session key, directly
        vm.assertEq(handler.directSucceeded(), 1, "ordinary direct call refused");
        // Depth 1, shape 3 (nested executeUserOp, inner signer = owner) around withdraw (payload 2).
        handler.shapedOp(0, 2, prefixed | (3 << 8) | 1, 500_000 ether, 0);
        vm.assertEq(handler.opsRefused(), 1, "nested executeUserOp accepted");
        vm.assertEq(token.balanceOf(ATTACKER), 0, "attacker received tokens");
    }

    function _everyPermission() private view returns (IAgentWallet.SessionPermission[] memory p) {
        bytes4[9] memory walletSelectors = [
            AgentWallet.setOwner.selector,
            AgentWallet.setAgentKey.selector,
            AgentWallet.withdraw.selector,
            AgentWallet.setSpendingLimit.selector,
            AgentWallet.addSessionKey.selector,
            AgentWallet.revokeSessionKey.selector,
            AgentWallet.setFrozen.selector,
            AgentWallet.execute.selector,
            IAccountExecute.executeUserOp.selector
        ];
        bytes4[5] memory entryPointSelectors = [
            IStakeManager.withdrawTo.selector,
            IStakeManager.addStake.selector,
            IStakeManager.unlockStake.selector,
            IStakeManager.withdrawStake.selector,
            IStakeManager.depositTo.selector
        ];
        p = new IAgentWallet.SessionPermission[](18);
        p[0] = IAgentWallet.SessionPermission(address(token), IERC20.transfer.selector);
        p[1] = IAgentWallet.SessionPermission(address(token), IERC20.approve.selector);
        p[2] = IAgentWallet.SessionPermission(address(escrow), JobEscrowPullMock.openJob.selector);
        p[3] = IAgentWallet.SessionPermission(SINK, bytes4(0));
        for (uint256 i = 0; i < 9; ++i) p[4 + i] = IAgentWallet.SessionPermission(address(wallet), walletSelectors[i]);
        for (uint256 i = 0; i < 5; ++i) {
            p[13 + i] = IAgentWallet.SessionPermission(address(entryPoint), entryPointSelectors[i]);
        }
    }

    function _caps() private view returns (IAgentWallet.SessionCap[] memory caps) {
        caps = new IAgentWallet.SessionCap[](2);
        caps[0] = IAgentWallet.SessionCap(address(token), SESSION_CAP, PERIOD);
        caps[1] = IAgentWallet.SessionCap(address(0), SESSION_ETH_CAP, PERIOD);
    }

    receive() external payable {}
}
