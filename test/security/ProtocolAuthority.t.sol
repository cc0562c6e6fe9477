// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IEntryPoint} from "@openzeppelin/contracts/interfaces/IERC4337.sol";

import {AITBCToken} from "../../contracts/token/AITBCToken.sol";
import {IAITBCToken} from "../../contracts/token/IAITBCToken.sol";
import {OpenClawGovernor} from "../../contracts/governance/OpenClawGovernor.sol";
import {IOpenClawGovernor} from "../../contracts/governance/IOpenClawGovernor.sol";
import {OpenClawTimelock} from "../../contracts/governance/OpenClawTimelock.sol";
import {ReputationRegistry} from "../../contracts/reputation/ReputationRegistry.sol";
import {Tiers} from "../../contracts/reputation/Tiers.sol";
import {GPUStaking} from "../../contracts/staking/GPUStaking.sol";
import {IGPUStaking} from "../../contracts/staking/IGPUStaking.sol";
import {JobEscrow} from "../../contracts/escrow/JobEscrow.sol";
import {IJobEscrow} from "../../contracts/escrow/IJobEscrow.sol";
import {MarketPolicy} from "../../contracts/escrow/MarketPolicy.sol";
import {AcceptingReceiptVerifierMock} from "../../contracts/mocks/AcceptingReceiptVerifierMock.sol";
import {AgentWallet} from "../../contracts/wallet/AgentWallet.sol";
import {AgentWalletFactory} from "../../contracts/wallet/AgentWalletFactory.sol";
import {IAgentWallet} from "../../contracts/wallet/IAgentWallet.sol";
import {vm} from "../utils/Vm.sol";

/// @dev The whole protocol wired as the Ignition modules wire it: the timelock owns every parameter
/// and admin role, the governor alone proposes/cancels/executes on the timelock, the escrow alone
/// slashes and writes job reputation, the oracle alone writes performance, the council alone
/// arbitrates. Nothing in the handler is governance: so every role and every parameter must stay
/// exactly as set up, whatever the actors send.
contract ProtocolSetup {
    address internal constant TREASURY = address(0x7EA5);
    address internal constant COUNCIL = address(0xC0C1); // the Safe's address
    address internal constant ORACLE = address(0x0AC1);
    uint256 internal constant WALLET_LIMIT = 1_000 ether; // AITBC per day
    uint256 internal constant SESSION_CAP = 100 ether; // AITBC per day

    AITBCToken internal token;
    OpenClawTimelock internal timelock;
    OpenClawGovernor internal governor;
    ReputationRegistry internal reputation;
    GPUStaking internal staking;
    MarketPolicy internal policy;
    JobEscrow internal escrow;
    AgentWallet internal wallet;
    address internal walletOwner = address(0x0E1);
    address internal agentKey = address(0xA6E1);
    address internal sessionKey = address(0x5E55);

    function _deploy() internal {
        timelock = new OpenClawTimelock(2 days, 6 hours, new address[](0), new address[](0), address(this));
        address[] memory contributors = new address[](1);
        contributors[0] = address(this);
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 100_000_000 ether;
        token = new AITBCToken(address(timelock), address(this), address(this), address(this), contributors, amounts);
        governor = new OpenClawGovernor(
            IAITBCToken(address(token)),
            timelock,
            COUNCIL,
            100 ether,
            10,
            1_000 ether,
            1_000 ether,
            new IOpenClawGovernor.AllowedCall[](0),
            new IOpenClawGovernor.AllowedCall[](0)
        );
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.grantRole(timelock.EXECUTOR_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), COUNCIL); // the council may cancel queued operations
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));

        reputation = new ReputationRegistry(address(this));
        staking = new GPUStaking(token, reputation, address(this));
        policy = new MarketPolicy(address(timelock), TREASURY);
        escrow = new JobEscrow(token, staking, reputation, policy, new AcceptingReceiptVerifierMock(), address(this));
        reputation.grantRole(reputation.ESCROW_ROLE(), address(escrow));
        reputation.grantRole(reputation.ORACLE_ROLE(), ORACLE);
        staking.grantRole(staking.ESCROW_ROLE(), address(escrow));
        escrow.grantRole(escrow.ARBITER_ROLE(), COUNCIL);
        IAccessControl[3] memory market = [
            IAccessControl(address(reputation)),
            IAccessControl(address(staking)),
            IAccessControl(address(escrow))
        ];
        for (uint256 i = 0; i < 3; ++i) {
            market[i].grantRole(bytes32(0), address(timelock));
            market[i].renounceRole(bytes32(0), address(this));
        }

        _deployWallet();
    }

    function _deployWallet() internal {
        AgentWalletFactory factory = new AgentWalletFactory(IEntryPoint(address(0xE7)));
        wallet = factory.createAccount(walletOwner, agentKey, IAgentWallet.AgentRole.Consumer, 0);
        IAgentWallet.SessionPermission[] memory permissions = new IAgentWallet.SessionPermission[](2);
        permissions[0] = IAgentWallet.SessionPermission(address(token), token.transfer.selector);
        permissions[1] = IAgentWallet.SessionPermission(address(escrow), escrow.openJob.selector);
        IAgentWallet.SessionCap[] memory caps = new IAgentWallet.SessionCap[](1);
        caps[0] = IAgentWallet.SessionCap(address(token), SESSION_CAP, 1 days);
        vm.startPrank(walletOwner);
        wallet.setSpendingLimit(address(token), WALLET_LIMIT, 1 days);
        wallet.addSessionKey(sessionKey, uint48(block.timestamp + 3_650 days), permissions, caps);
        vm.stopPrank();
        token.transfer(address(wallet), 10_000_000 ether);
    }
}

/// @dev Sends what an attacker would from every role — consumer, provider, agent key, session key,
/// stranger, a council member's own key, the oracle — to every protocol contract: raw fuzzed
/// calldata, every state-changing selector of the protocol with fuzzed arguments (role ids and
/// accounts drawn so that self-grants and role moves are tried often), the same through the agent
/// wallet (execute and executeBatch), and ordinary market use between them (stake, open, claim,
/// submit, finalize, dispute, reclaim, withdraw, time). No handler call reverts: attacks are
/// low-level calls whose failure is counted.
contract ProtocolAttackHandler {
    AITBCToken public immutable token;
    OpenClawTimelock public immutable timelock;
    OpenClawGovernor public immutable governor;
    ReputationRegistry public immutable reputation;
    GPUStaking public immutable staking;
    JobEscrow public immutable escrow;
    AgentWallet public immutable wallet;
    address public immutable agentKey;
    address public immutable sessionKey;

    address[] public actors;
    address[] public targets;
    /// @dev A state-changing function and the contract that defines it.
    struct ProtocolCall {
        address target;
        bytes4 selector;
    }

    ProtocolCall[] private _calls;
    bytes32[] private _roles;
    uint256 private _nullifier = 1;
    /// @notice Attacks sent and attacks that succeeded (a success is allowed; the invariants judge it).
    uint256 public attacks;
    uint256 public attacksSucceeded;

    constructor(
        AITBCToken token_,
        OpenClawTimelock timelock_,
        OpenClawGovernor governor_,
        ReputationRegistry reputation_,
        GPUStaking staking_,
        JobEscrow escrow_,
        AgentWallet wallet_,
        address[] memory actors_,
        address agentKey_,
        address sessionKey_
    ) {
        token = token_;
        timelock = timelock_;
        governor = governor_;
        reputation = reputation_;
        staking = staking_;
        escrow = escrow_;
        wallet = wallet_;
        actors = actors_;
        agentKey = agentKey_;
        sessionKey = sessionKey_;
        targets = [
            address(token_),
            address(timelock_),
            address(governor_),
            governor_.bondEscrow(),
            address(reputation_),
            address(staking_),
            address(escrow_),
            address(escrow_.policy()),
            address(wallet_)
        ];
        _roles = [
            bytes32(0),
            keccak256("ESCROW_ROLE"),
            keccak256("ORACLE_ROLE"),
            keccak256("CERTIFIER_ROLE"),
            keccak256("ARBITER_ROLE"),
            keccak256("PROPOSER_ROLE"),
            keccak256("EXECUTOR_ROLE"),
            keccak256("CANCELLER_ROLE")
        ];
        _buildCalls();
    }

    /// @dev Every state-changing function of the protocol whose arguments are words (addresses, roles,
    /// amounts, ids, flags), each with the contract that defines it: role management, the admin
    /// setters, slashing, reputation writes, dispute resolution, timelock and governor operations,
    /// wallet administration and token moves.
    // solhint-disable-next-line function-max-lines
    function _buildCalls() private {
        address[5] memory accessControlled = [
            address(staking),
            address(escrow),
            address(escrow.policy()),
            address(reputation),
            address(timelock)
        ];
        for (uint256 i = 0; i < accessControlled.length; ++i) {
            _add(accessControlled[i], "grantRole(bytes32,address)");
            _add(accessControlled[i], "revokeRole(bytes32,address)");
            _add(accessControlled[i], "renounceRole(bytes32,address)");
        }
        string[8] memory stakingCalls = [
            "setRewardRate(uint256)",
            "setMinStake(uint256)",
            "setUnbondingPeriod(uint256)",
            "setMaxSlashBps(uint256)",
            "setLockOption(uint256,uint64,uint32)",
            "slash(address,uint256)",
            "fundRewards(uint256)",
            "syncTier(address)"
        ];
        for (uint256 i = 0; i < stakingCalls.length; ++i) _add(address(staking), stakingCalls[i]);
        string[11] memory policyCalls = [
            "setProtocolFeeBps(uint16)",
            "setChallengeWindow(uint32)",
            "setDisputeBond(uint96)",
            "setDisputeSlashBps(uint16)",
            "setDeadlineSlashBps(uint16)",
            "setSlashRewardBps(uint16)",
            "setMinPenaltyWindow(uint32)",
            "setRevealWindow(uint32)",
            "setSampleRateBps(uint16)",
            "setTreasury(address)",
            "setModelVerification(bytes32,address)"
        ];
        for (uint256 i = 0; i < policyCalls.length; ++i) _add(address(escrow.policy()), policyCalls[i]);
        string[5] memory escrowCalls = [
            "resolveDispute(uint256,bool)",
            "reclaim(uint256)",
            "cancelJob(uint256)",
            "withdrawFor(address)",
            "cancelQuote(uint256)"
        ];
        for (uint256 i = 0; i < escrowCalls.length; ++i) _add(address(escrow), escrowCalls[i]);
        string[4] memory reputationCalls = [
            "adjustComponent(address,uint8,int256)",
            "setComponent(address,uint8,int256)",
            "certify(address,uint8)",
            "revokeCertification(address)"
        ];
        for (uint256 i = 0; i < reputationCalls.length; ++i) _add(address(reputation), reputationCalls[i]);
        string[4] memory timelockCalls = [
            "updateDelay(uint256)",
            "setEmergencyDelay(uint256)",
            "armEmergencyDelay(bool)",
            "cancel(bytes32)"
        ];
        for (uint256 i = 0; i < timelockCalls.length; ++i) _add(address(timelock), timelockCalls[i]);
        string[6] memory governorCalls = [
            "setProposalThreshold(uint256)",
            "setCouncil(address)",
            "setCallAllowed(address,bytes4,bool)",
            "approveProposal(uint256,address)",
            "strikeDown(uint256)",
            "updateQuorumNumerator(uint256)"
        ];
        for (uint256 i = 0; i < governorCalls.length; ++i) _add(address(governor), governorCalls[i]);
        string[7] memory walletCalls = [
            "setOwner(address)",
            "setAgentKey(address)",
            "setSpendingLimit(address,uint256,uint256)",
            "revokeSessionKey(address)",
            "setFrozen(bool)",
            "withdraw(address,address,uint256)",
            "setSignatureVerifier(address,bool)"
        ];
        for (uint256 i = 0; i < walletCalls.length; ++i) _add(address(wallet), walletCalls[i]);
        string[4] memory tokenCalls = [
            "transfer(address,uint256)",
            "transferFrom(address,address,uint256)",
            "approve(address,uint256)",
            "delegate(address)"
        ];
        for (uint256 i = 0; i < tokenCalls.length; ++i) _add(address(token), tokenCalls[i]);
    }

    function _add(address target, string memory signature) private {
        _calls.push(ProtocolCall(target, bytes4(keccak256(bytes(signature)))));
    }

    // ------------------------------------------------------------ attacks

    /// Raw fuzzed calldata from any actor to any protocol contract.
    function callRaw(uint256 actorSeed, uint256 targetSeed, bytes calldata data) external {
        _send(_actor(actorSeed), _target(targetSeed), data);
    }

    /// A protocol selector with fuzzed word arguments; `roleSeed`/`accountSeed` make role ids and the
    /// caller itself likely arguments (a self-grant, a role moved to the attacker).
    function callSelector(
        uint256 actorSeed,
        uint256 targetSeed,
        uint256 selectorSeed,
        uint256 roleSeed,
        uint256 accountSeed,
        uint256 amount
    ) external {
        address actor = _actor(actorSeed);
        ProtocolCall memory chosen = _calls[selectorSeed % _calls.length];
        // Mostly the contract that defines the function; sometimes any other (a selector clash).
        address target = targetSeed % 4 == 0 ? _target(targetSeed >> 2) : chosen.target;
        _send(actor, target, _encode(actor, selectorSeed, roleSeed, accountSeed, amount));
    }

    /// The same, made by the agent wallet on the agent key's or the session key's behalf: a direct
    /// `execute`, an `executeBatch` of two, and an `execute` into the wallet itself.
    function callThroughWallet(
        bool bySession,
        uint256 mode,
        uint256 targetSeed,
        uint256 selectorSeed,
        uint256 roleSeed,
        uint256 accountSeed,
        uint256 amount
    ) external {
        address key = bySession ? sessionKey : agentKey;
        ProtocolCall memory chosen = _calls[selectorSeed % _calls.length];
        address target =
            mode % 4 == 3 ? address(wallet) : (targetSeed % 4 == 0 ? _target(targetSeed >> 2) : chosen.target);
        bytes memory inner = _encode(address(wallet), selectorSeed, roleSeed, accountSeed, amount);
        bytes memory data;
        if (mode % 4 == 1) {
            IAgentWallet.Call[] memory batch = new IAgentWallet.Call[](2);
            batch[0] = IAgentWallet.Call(address(token), 0, abi.encodeCall(token.transfer, (key, amount % 200 ether)));
            batch[1] = IAgentWallet.Call(target, 0, inner);
            data = abi.encodeCall(wallet.executeBatch, (batch));
        } else {
            data = abi.encodeCall(wallet.execute, (target, 0, inner));
        }
        _send(key, address(wallet), data);
    }

    /// A token transfer out of the wallet by the agent or session key (the spending-limit path).
    function spendFromWallet(bool bySession, uint256 actorSeed, uint256 amount) external {
        address key = bySession ? sessionKey : agentKey;
        bytes memory transfer = abi.encodeCall(token.transfer, (_actor(actorSeed), amount % (2 * 1_000 ether)));
        _send(key, address(wallet), abi.encodeCall(wallet.execute, (address(token), 0, transfer)));
    }

    // ------------------------------------------------------------ ordinary use between attacks

    function stake(uint256 actorSeed, uint256 amount) external {
        address provider = _actor(actorSeed);
        vm.prank(provider);
        try staking.stake(1 + (amount % 10_000 ether), 0) {} catch {}
    }

    function openJob(uint256 actorSeed, uint256 maxTokens, uint256 duration) external {
        IJobEscrow.JobRequest memory request = IJobEscrow.JobRequest({
            modelDigest: keccak256("model"),
            promptHash: keccak256(abi.encode(_nullifier)),
            maxTokens: uint32(1 + (maxTokens % 1_000)),
            pricePerToken: 1 ether / 1_000,
            deadline: uint40(block.timestamp + 1 hours + (duration % 3 days)),
            minTier: Tiers.Tier.Bronze
        });
        vm.prank(_actor(actorSeed));
        try escrow.openJob(request) {} catch {}
    }

    function claim(uint256 jobSeed, uint256 actorSeed) external {
        uint256 jobId = _jobId(jobSeed);
        vm.prank(_actor(actorSeed));
        try escrow.claim(jobId) {} catch {}
    }

    function submit(uint256 jobSeed, uint256 tokens) external {
        uint256 jobId = _jobId(jobSeed);
        IJobEscrow.Job memory job = escrow.jobOf(jobId);
        IJobEscrow.Groth16Proof memory proof;
        proof.a[0] = 1; // accepted by the mock verifier
        vm.prank(job.provider);
        try
            escrow.submitResult(jobId, keccak256("output"), tokens % (uint256(job.maxTokens) + 1), _nullifier++, proof)
        {} catch {}
    }

    function finalizeOrReclaim(uint256 jobSeed, bool reclaim) external {
        uint256 jobId = _jobId(jobSeed);
        if (reclaim) {
            try escrow.reclaim(jobId) {} catch {}
        } else {
            try escrow.finalize(jobId) {} catch {}
        }
    }

    function disputeJob(uint256 jobSeed, uint256 actorSeed) external {
        uint256 jobId = _jobId(jobSeed);
        vm.prank(_actor(actorSeed));
        try escrow.dispute(jobId) {} catch {}
    }

    function withdrawCredit(uint256 actorSeed) external {
        vm.prank(_actor(actorSeed));
        try escrow.withdraw() {} catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + 1 + (seconds_ % 2 days));
    }

    // ------------------------------------------------------------ views for the invariants

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function callCount() external view returns (uint256) {
        return _calls.length;
    }

    function callAt(uint256 index) external view returns (address target, bytes4 selector) {
        ProtocolCall memory c = _calls[index];
        return (c.target, c.selector);
    }

    function roleCount() external view returns (uint256) {
        return _roles.length;
    }

    function role(uint256 index) external view returns (bytes32) {
        return _roles[index];
    }

    // ------------------------------------------------------------ internals

    function _send(address actor, address target, bytes memory data) private {
        ++attacks;
        vm.prank(actor);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, ) = target.call(data);
        if (ok) ++attacksSucceeded;
    }

    function _encode(
        address self,
        uint256 selectorSeed,
        uint256 roleSeed,
        uint256 accountSeed,
        uint256 amount
    ) private view returns (bytes memory) {
        bytes4 selector = _calls[selectorSeed % _calls.length].selector;
        bytes32 roleId = roleSeed % 4 == 0 ? bytes32(roleSeed) : _roles[roleSeed % _roles.length];
        address account = accountSeed % 3 == 0 ? self : _actor(accountSeed);
        // Word layouts that fit every listed signature; numbers are drawn in the ranges the
        // setters accept (basis points, seconds, token amounts), so a missing access check is reached.
        bool roleCall =
            selector == IAccessControl.grantRole.selector ||
                selector == IAccessControl.revokeRole.selector ||
                selector == IAccessControl.renounceRole.selector;
        if (roleCall) return abi.encodeWithSelector(selector, roleId, account);
        uint256 layout = (accountSeed >> 8) % 3;
        if (layout == 0) return abi.encodeWithSelector(selector, account, _scalar(amount), _scalar(amount >> 64));
        if (layout == 1) return abi.encodeWithSelector(selector, _scalar(amount), account, _scalar(amount >> 64));
        return abi.encodeWithSelector(selector, _scalar(amount), _scalar(amount >> 64), _scalar(amount >> 128));
    }

    /// @dev A number in one of the ranges parameters live in, or the raw word.
    function _scalar(uint256 seed) private pure returns (uint256) {
        uint256 value = seed >> 3;
        uint256 kind = seed % 6;
        if (kind == 0) return value % 64; // small ids, indices, enum values
        if (kind == 1) return value % 10_001; // basis points
        if (kind == 2) return value % 400 days; // seconds
        if (kind == 3) return value % 10_000_000 ether; // token amounts
        if (kind == 4) return value % 2; // flags
        return seed;
    }

    function _actor(uint256 seed) private view returns (address) {
        return actors[seed % actors.length];
    }

    function _target(uint256 seed) private view returns (address) {
        return targets[seed % targets.length];
    }

    function _jobId(uint256 seed) private view returns (uint256) {
        uint256 last = escrow.lastJobId();
        return last == 0 ? 0 : 1 + (seed % last);
    }
}

/// @notice Authority and accounting invariants of the whole protocol under ProtocolAttackHandler.
contract ProtocolAuthorityInvariantTest is ProtocolSetup {
    ProtocolAttackHandler internal handler;
    address[] internal candidates;
    uint256 internal supply;

    // Parameters nobody but the timelock may change (fixed at set-up; the handler holds no role).
    bytes32 internal paramsAtStart;

    // solhint-disable-next-line function-max-lines
    function setUp() public {
        _deploy();
        address[] memory actors = new address[](8);
        actors[0] = address(uint160(0xA000)); // provider
        actors[1] = address(uint160(0xA001)); // provider
        actors[2] = address(uint160(0xC000)); // consumer
        actors[3] = address(uint160(0xC001)); // consumer
        actors[4] = address(uint160(0x5757)); // stranger
        actors[5] = address(uint160(0xC0C2)); // a council member's own key (not the Safe)
        actors[6] = ORACLE;
        actors[7] = agentKey; // the agent key acting directly, not through the wallet
        handler = new ProtocolAttackHandler(
            token,
            timelock,
            governor,
            reputation,
            staking,
            escrow,
            wallet,
            actors,
            agentKey,
            sessionKey
        );

        IGPUStaking.GpuSpec memory gpu = IGPUStaking.GpuSpec("RTX 4090", 24, 120);
        bytes32[] memory models = new bytes32[](1);
        models[0] = keccak256("model");
        for (uint256 i = 0; i < actors.length; ++i) {
            token.transfer(actors[i], 1_000_000 ether);
            vm.startPrank(actors[i]);
            token.approve(address(staking), type(uint256).max);
            token.approve(address(escrow), type(uint256).max);
            if (i < 2) {
                staking.register(i + 1, gpu, models);
                staking.stake(1_000 ether, 0);
            }
            vm.stopPrank();
        }
        for (uint256 i = 0; i < actors.length; ++i) candidates.push(actors[i]);
        address[9] memory others = [
            address(handler),
            address(this),
            address(timelock),
            address(governor),
            governor.bondEscrow(),
            address(escrow),
            address(staking),
            address(wallet),
            sessionKey
        ];
        for (uint256 i = 0; i < others.length; ++i) candidates.push(others[i]);
        candidates.push(COUNCIL);
        candidates.push(TREASURY);
        candidates.push(walletOwner);
        // solhint-disable-next-line reentrancy
        supply = token.totalSupply();
        // solhint-disable-next-line reentrancy
        paramsAtStart = _params();
    }

    /// @dev Read by the invariant runner: only the handler is called with random inputs.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// No address that took part (actors, contracts, council, treasury, wallet owner) holds a role of
    /// any protocol contract that it was not given at set-up, and the holders that do not act (the
    /// timelock, the governor, the escrow, the council) keep theirs. An acting holder (the oracle)
    /// may lose its role only by renouncing it itself, as OpenZeppelin's AccessControl allows.
    function invariant_rolesOnlyWithTheirHolders() public view {
        for (uint256 r = 0; r < handler.roleCount(); ++r) {
            bytes32 roleId = handler.role(r);
            for (uint256 i = 0; i < candidates.length; ++i) {
                address who = candidates[i];
                _assertRole(address(staking), roleId, who, _expectedStaking(roleId, who));
                _assertRole(address(escrow), roleId, who, _expectedEscrow(roleId, who));
                _assertRole(address(policy), roleId, who, roleId == bytes32(0) && who == address(timelock));
                _assertRole(address(reputation), roleId, who, _expectedReputation(roleId, who));
                _assertRole(address(timelock), roleId, who, _expectedTimelock(roleId, who));
            }
        }
    }

    /// The council, the wallet's owner, agent key and limit, and every governed parameter are as set up.
    function invariant_councilOwnerAndParametersUnchanged() public view {
        vm.assertTrue(governor.council() == COUNCIL, "council changed");
        vm.assertTrue(wallet.owner() == walletOwner, "wallet owner changed");
        vm.assertTrue(wallet.agentKey() == agentKey, "agent key changed");
        vm.assertTrue(!wallet.frozen(), "wallet frozen by someone other than the owner");
        vm.assertEq(wallet.spendingLimit(address(token)).amount, WALLET_LIMIT, "wallet limit changed");
        vm.assertTrue(_params() == paramsAtStart, "a governed parameter changed without governance");
        vm.assertEq(token.totalSupply(), supply, "supply changed");
        // No protocol function became callable by a proposal without the council.
        for (uint256 i = 0; i < handler.callCount(); ++i) {
            (address target, bytes4 selector) = handler.callAt(i);
            vm.assertTrue(!governor.isCallAllowed(target, selector), "a protocol call was allowlisted");
        }
    }

    /// The agent and session keys never spend more than the limit in the current period.
    function invariant_walletSpendingWithinLimits() public view {
        IAgentWallet.SpendingLimitView memory limit = wallet.spendingLimit(address(token));
        vm.assertLe(limit.spent, WALLET_LIMIT, "wallet spent above its limit");
        vm.assertLe(wallet.sessionCap(sessionKey, address(token)).spent, SESSION_CAP, "session cap exceeded");
        // 10M funded; at most one limit per elapsed period (plus the current one) can have left.
        uint256 periods = block.timestamp / 1 days + 1;
        vm.assertLe(10_000_000 ether - token.balanceOf(address(wallet)), periods * WALLET_LIMIT, "wallet drained");
    }

    /// Escrow balance = escrow of every unfinished job + bonds of disputed jobs + unwithdrawn credits;
    /// staking balance = stakes + unbonding + reward reserve; every score within 0–1000.
    function invariant_accounting() public view {
        uint256 owed;
        uint256 last = escrow.lastJobId();
        for (uint256 jobId = 1; jobId <= last; ++jobId) {
            IJobEscrow.Job memory job = escrow.jobOf(jobId);
            if (job.status == IJobEscrow.JobStatus.Settled || job.status == IJobEscrow.JobStatus.Refunded) continue;
            owed += job.escrowed;
            if (job.status == IJobEscrow.JobStatus.Disputed) {
                (, uint256 bond) = escrow.disputeOf(jobId);
                owed += bond;
            }
        }
        for (uint256 i = 0; i < candidates.length; ++i) owed += escrow.withdrawable(candidates[i]);
        vm.assertEq(token.balanceOf(address(escrow)), owed, "escrow balance != obligations + bonds + credits");
        vm.assertEq(
            token.balanceOf(address(staking)),
            staking.totalStaked() + staking.totalUnbonding() + staking.rewardReserve(),
            "staking balance != stakes + unbonding + reward reserve"
        );
        for (uint256 i = 0; i < candidates.length; ++i) {
            vm.assertLe(reputation.trustScore(candidates[i]), 1000, "score above 1000");
        }
    }

    // ------------------------------------------------------------ expectations

    function _expectedStaking(bytes32 roleId, address who) private view returns (bool) {
        if (roleId == bytes32(0)) return who == address(timelock);
        if (roleId == keccak256("ESCROW_ROLE")) return who == address(escrow);
        return false;
    }

    function _expectedEscrow(bytes32 roleId, address who) private view returns (bool) {
        if (roleId == bytes32(0)) return who == address(timelock);
        if (roleId == keccak256("ARBITER_ROLE")) return who == COUNCIL;
        return false;
    }

    function _expectedReputation(bytes32 roleId, address who) private view returns (bool) {
        if (roleId == bytes32(0)) return who == address(timelock);
        if (roleId == keccak256("ESCROW_ROLE")) return who == address(escrow);
        if (roleId == keccak256("ORACLE_ROLE")) return who == ORACLE;
        return false;
    }

    function _expectedTimelock(bytes32 roleId, address who) private view returns (bool) {
        if (roleId == bytes32(0)) return who == address(timelock);
        if (roleId == keccak256("CANCELLER_ROLE")) return who == address(governor) || who == COUNCIL;
        bool governorRole = roleId == keccak256("PROPOSER_ROLE") || roleId == keccak256("EXECUTOR_ROLE");
        return governorRole && who == address(governor);
    }

    function _assertRole(address target, bytes32 roleId, address who, bool expected) private view {
        bool has = IAccessControl(target).hasRole(roleId, who);
        if (has == expected) return;
        vm.assertTrue(!has, "a role was gained without governance");
        vm.assertTrue(_isActor(who), "a role was taken from a holder without governance");
    }

    function _isActor(address who) private view returns (bool) {
        for (uint256 i = 0; i < handler.actorCount(); ++i) if (handler.actors(i) == who) return true;
        return false;
    }

    /// @dev One hash over every governed parameter of the market and the governance.
    function _params() private view returns (bytes32) {
        bytes memory market = abi.encode(
            staking.rewardRate(),
            staking.minStake(),
            staking.unbondingPeriod(),
            staking.maxSlashBps(),
            policy.parameters(),
            policy.sampleRateBps(),
            policy.treasury(),
            policy.checkerOf(keccak256("model"))
        );
        bytes memory governance = abi.encode(
            timelock.getMinDelay(),
            timelock.emergencyDelay(),
            governor.proposalThreshold(),
            governor.quorumNumerator(),
            staking.lockOption(0).duration,
            staking.lockOption(3).multiplierBps
        );
        return keccak256(abi.encode(market, governance));
    }
}
