// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {MarketPolicy} from "../../contracts/escrow/MarketPolicy.sol";
import {IMarketPolicy} from "../../contracts/escrow/IMarketPolicy.sol";
import {IInferenceChecker} from "../../contracts/escrow/IInferenceChecker.sol";
import {vm} from "../utils/Vm.sol";

/// @dev Storage read cheatcode (standard Foundry signature), to check the one-slot packing.
interface IVmLoad {
    function load(address target, bytes32 slot) external view returns (bytes32);
}

/// @dev A checker that only answers `modelDigest()` (the policy reads nothing else).
contract DigestOnlyChecker {
    bytes32 public immutable modelDigest;

    constructor(bytes32 digest) {
        modelDigest = digest;
    }
}

/**
 * @title MarketPolicyTest
 * @notice MarketPolicy: defaults, one-slot packing, every setter's bounds at both edges (and fuzzed),
 * every non-admin refused with the exact error and nothing changed, model verification, and the
 * public sampling rule against vectors computed independently with viem
 * (`keccak256(encodeAbiParameters([bytes32, bytes32], [seed, jobKey])) % 10000n`).
 */
contract MarketPolicyTest {
    address private constant ADMIN = address(0x7111E10C);
    address private constant TREASURY = address(0x7EA5);
    address private constant STRANGER = address(0xBAD);
    bytes32 private constant MODEL = keccak256("model");

    MarketPolicy private policy;

    error AssertionFailed(uint256 actual, uint256 expected);

    function setUp() public {
        policy = new MarketPolicy(ADMIN, TREASURY);
    }

    // ------------------------------------------------------------ construction and defaults

    function test_defaults() public view {
        IMarketPolicy.Parameters memory p = policy.parameters();
        _eq(p.protocolFeeBps, 250);
        _eq(p.challengeWindow, 86_400);
        _eq(p.disputeBond, 100e18);
        _eq(p.disputeSlashBps, 1_000);
        _eq(p.deadlineSlashBps, 100);
        _eq(p.slashRewardBps, 5_000);
        _eq(p.minPenaltyWindow, 600);
        _eq(p.revealWindow, 86_400);
        _eq(policy.sampleRateBps(), 1_000);
        _eq(uint160(policy.treasury()), uint160(TREASURY));
        vm.assertTrue(policy.hasRole(0x00, ADMIN), "admin holds DEFAULT_ADMIN_ROLE");
        vm.assertTrue(!policy.hasRole(0x00, address(this)), "deployer holds nothing");
        vm.assertTrue(address(policy.checkerOf(MODEL)) == address(0), "no checker by default");
    }

    /// @dev Slot 0 is AccessControl's role mapping; slot 1 holds all eight numbers, packed in
    /// declaration order from the low bits: 16 | 32 | 96 | 16 | 16 | 16 | 32 | 32 = 256 bits.
    function test_eightParametersShareOneSlot() public view {
        uint256 word = uint256(IVmLoad(address(vm)).load(address(policy), bytes32(uint256(1))));
        _eq(word & 0xffff, 250);
        _eq((word >> 16) & 0xffffffff, 86_400);
        _eq((word >> 48) & type(uint96).max, 100e18);
        _eq((word >> 144) & 0xffff, 1_000);
        _eq((word >> 160) & 0xffff, 100);
        _eq((word >> 176) & 0xffff, 5_000);
        _eq((word >> 192) & 0xffffffff, 600);
        _eq(word >> 224, 86_400);
        uint256 second = uint256(IVmLoad(address(vm)).load(address(policy), bytes32(uint256(2))));
        _eq(second & type(uint160).max, uint160(TREASURY));
        _eq(second >> 160, 1_000);
    }

    function test_constructorRefusesZeroAddresses() public {
        vm.expectRevert(abi.encodeWithSelector(IMarketPolicy.PolicyZeroAddress.selector));
        new MarketPolicy(address(0), TREASURY);
        vm.expectRevert(abi.encodeWithSelector(IMarketPolicy.PolicyZeroAddress.selector));
        new MarketPolicy(ADMIN, address(0));
    }

    // ------------------------------------------------------------ bounds at both edges

    function test_protocolFeeBpsEdges() public {
        _setFee(0);
        _eq(policy.parameters().protocolFeeBps, 0);
        _setFee(1_000);
        _eq(policy.parameters().protocolFeeBps, 1_000);
        _expectBounds(1_001, 0, 1_000);
        _setFee(1_001);
        _eq(policy.parameters().protocolFeeBps, 1_000);
    }

    function test_challengeWindowEdges() public {
        _expectBounds(3_599, 3_600, 604_800);
        _setChallenge(3_599);
        _setChallenge(3_600);
        _eq(policy.parameters().challengeWindow, 3_600);
        _setChallenge(604_800);
        _eq(policy.parameters().challengeWindow, 604_800);
        _expectBounds(604_801, 3_600, 604_800);
        _setChallenge(604_801);
        _eq(policy.parameters().challengeWindow, 604_800);
    }

    function test_disputeBondEdges() public {
        _expectBounds(1e18 - 1, 1e18, 1_000_000e18);
        _setBond(1e18 - 1);
        _setBond(1e18);
        _eq(policy.parameters().disputeBond, 1e18);
        _setBond(1_000_000e18);
        _eq(policy.parameters().disputeBond, 1_000_000e18);
        _expectBounds(1_000_000e18 + 1, 1e18, 1_000_000e18);
        _setBond(1_000_000e18 + 1);
        _eq(policy.parameters().disputeBond, 1_000_000e18);
    }

    function test_disputeSlashBpsEdges() public {
        _expectBounds(99, 100, 5_000);
        _setDisputeSlash(99);
        _setDisputeSlash(100);
        _eq(policy.parameters().disputeSlashBps, 100);
        _setDisputeSlash(5_000);
        _eq(policy.parameters().disputeSlashBps, 5_000);
        _expectBounds(5_001, 100, 5_000);
        _setDisputeSlash(5_001);
        _eq(policy.parameters().disputeSlashBps, 5_000);
    }

    function test_deadlineSlashBpsEdges() public {
        _setDeadlineSlash(0);
        _eq(policy.parameters().deadlineSlashBps, 0);
        _setDeadlineSlash(1_000);
        _eq(policy.parameters().deadlineSlashBps, 1_000);
        _expectBounds(1_001, 0, 1_000);
        _setDeadlineSlash(1_001);
    }

    function test_slashRewardBpsEdges() public {
        _setReward(0);
        _eq(policy.parameters().slashRewardBps, 0);
        _setReward(9_000);
        _eq(policy.parameters().slashRewardBps, 9_000);
        _expectBounds(9_001, 0, 9_000);
        _setReward(9_001);
    }

    function test_minPenaltyWindowEdges() public {
        _expectBounds(59, 60, 86_400);
        _setPenalty(59);
        _setPenalty(60);
        _eq(policy.parameters().minPenaltyWindow, 60);
        _setPenalty(86_400);
        _eq(policy.parameters().minPenaltyWindow, 86_400);
        _expectBounds(86_401, 60, 86_400);
        _setPenalty(86_401);
    }

    function test_revealWindowEdges() public {
        _expectBounds(3_599, 3_600, 604_800);
        _setReveal(3_599);
        _setReveal(3_600);
        _eq(policy.parameters().revealWindow, 3_600);
        _setReveal(604_800);
        _eq(policy.parameters().revealWindow, 604_800);
        _expectBounds(604_801, 3_600, 604_800);
        _setReveal(604_801);
    }

    function test_sampleRateBpsEdges() public {
        _expectBounds(99, 100, 10_000);
        _setSample(99);
        _setSample(100);
        _eq(policy.sampleRateBps(), 100);
        _setSample(10_000);
        _eq(policy.sampleRateBps(), 10_000);
        _expectBounds(10_001, 100, 10_000);
        _setSample(10_001);
        _eq(policy.sampleRateBps(), 10_000);
    }

    /// @dev Setting one parameter leaves the other seven (packed in the same slot) unchanged.
    function test_settersTouchOnlyTheirField() public {
        _setBond(7e18);
        _setReveal(2 hours);
        IMarketPolicy.Parameters memory p = policy.parameters();
        _eq(p.protocolFeeBps, 250);
        _eq(p.challengeWindow, 86_400);
        _eq(p.disputeBond, 7e18);
        _eq(p.disputeSlashBps, 1_000);
        _eq(p.deadlineSlashBps, 100);
        _eq(p.slashRewardBps, 5_000);
        _eq(p.minPenaltyWindow, 600);
        _eq(p.revealWindow, 7_200);
    }

    function testFuzz_challengeWindowAcceptedExactlyWithinBounds(uint32 value) public {
        bool ok = value >= 3_600 && value <= 604_800;
        if (!ok) _expectBounds(value, 3_600, 604_800);
        _setChallenge(value);
        _eq(policy.parameters().challengeWindow, ok ? value : 86_400);
    }

    function testFuzz_disputeBondAcceptedExactlyWithinBounds(uint96 value) public {
        bool ok = value >= 1e18 && value <= 1_000_000e18;
        if (!ok) _expectBounds(value, 1e18, 1_000_000e18);
        _setBond(value);
        _eq(policy.parameters().disputeBond, ok ? value : 100e18);
    }

    function testFuzz_sampleRateAcceptedExactlyWithinBounds(uint16 value) public {
        bool ok = value >= 100 && value <= 10_000;
        if (!ok) _expectBounds(value, 100, 10_000);
        _setSample(value);
        _eq(policy.sampleRateBps(), ok ? value : 1_000);
    }

    function test_treasury() public {
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IMarketPolicy.PolicyZeroAddress.selector));
        policy.setTreasury(address(0));
        vm.prank(ADMIN);
        policy.setTreasury(address(0x7EA6));
        _eq(uint160(policy.treasury()), 0x7EA6);
        _eq(policy.sampleRateBps(), 1_000);
    }

    // ------------------------------------------------------------ roles

    /// @dev Every caller but the admin — a stranger, the treasury, this deployer, an escrow-like
    /// contract, the checker itself — is refused every setter with AccessControl's exact error, and
    /// nothing changes.
    function test_everyNonAdminRefusedEverySetter() public {
        DigestOnlyChecker checker = new DigestOnlyChecker(MODEL);
        address[5] memory callers = [STRANGER, TREASURY, address(this), address(0xE5C0), address(checker)];
        for (uint256 i = 0; i < callers.length; ++i) {
            _refusedAll(callers[i], IInferenceChecker(address(checker)));
        }
        test_defaults();
    }

    function _refusedAll(address caller, IInferenceChecker checker) private {
        bytes memory err = abi.encodeWithSelector(
            IAccessControl.AccessControlUnauthorizedAccount.selector,
            caller,
            bytes32(0)
        );
        bytes[11] memory calls = [
            abi.encodeCall(MarketPolicy.setProtocolFeeBps, (100)),
            abi.encodeCall(MarketPolicy.setChallengeWindow, (2 hours)),
            abi.encodeCall(MarketPolicy.setDisputeBond, (2e18)),
            abi.encodeCall(MarketPolicy.setDisputeSlashBps, (200)),
            abi.encodeCall(MarketPolicy.setDeadlineSlashBps, (0)),
            abi.encodeCall(MarketPolicy.setSlashRewardBps, (0)),
            abi.encodeCall(MarketPolicy.setMinPenaltyWindow, (60)),
            abi.encodeCall(MarketPolicy.setRevealWindow, (2 hours)),
            abi.encodeCall(MarketPolicy.setSampleRateBps, (10_000)),
            abi.encodeCall(MarketPolicy.setTreasury, (caller)),
            abi.encodeCall(MarketPolicy.setModelVerification, (MODEL, checker))
        ];
        for (uint256 j = 0; j < calls.length; ++j) {
            vm.prank(caller);
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = address(policy).call(calls[j]);
            vm.assertTrue(!ok, "non-admin call succeeded");
            vm.assertTrue(keccak256(ret) == keccak256(err), "wrong error for a non-admin");
        }
        vm.prank(caller);
        vm.expectRevert(err);
        policy.grantRole(bytes32(0), caller);
    }

    // ------------------------------------------------------------ model verification

    function test_modelVerification() public {
        DigestOnlyChecker checker = new DigestOnlyChecker(MODEL);
        vm.prank(ADMIN);
        policy.setModelVerification(MODEL, IInferenceChecker(address(checker)));
        vm.assertTrue(address(policy.checkerOf(MODEL)) == address(checker), "checker set");
        vm.assertTrue(address(policy.checkerOf(keccak256("other"))) == address(0), "other model untouched");
        // Back to receipt + challenge window.
        vm.prank(ADMIN);
        policy.setModelVerification(MODEL, IInferenceChecker(address(0)));
        vm.assertTrue(address(policy.checkerOf(MODEL)) == address(0), "checker cleared");
    }

    function test_modelVerificationRefusesACheckerOfAnotherModel() public {
        DigestOnlyChecker checker = new DigestOnlyChecker(keccak256("made-up model"));
        vm.prank(ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(IMarketPolicy.PolicyCheckerModelMismatch.selector, MODEL, keccak256("made-up model"))
        );
        policy.setModelVerification(MODEL, IInferenceChecker(address(checker)));
        vm.assertTrue(address(policy.checkerOf(MODEL)) == address(0), "nothing set");
    }

    function test_modelVerificationRefusesANonContract() public {
        vm.prank(ADMIN);
        vm.expectRevert(bytes(""));
        policy.setModelVerification(MODEL, IInferenceChecker(address(0xC0DE)));
    }

    // ------------------------------------------------------------ the sampling rule

    /// @dev Vectors (viem): seed keccak256("block-1") with jobKey 1 → 342, jobKey 2 → 8613;
    /// seed keccak256("block-2") with jobKey 7 → 2707; zero seed and key → 4117. A job with value v
    /// is sampled iff v < sampleRateBps: at rate v it is not, at rate v + 1 it is.
    function test_isSampledVectors() public {
        bytes32 block1 = 0x43c7993bed6d95c7029aa681ff7472e267a478dd14febbde0b9b45a9c090cfe0;
        bytes32 block2 = 0x93a2fce91c232267421f0139d431fa5754355988b80609f49d855b13b0395713;
        vm.assertTrue(block1 == keccak256("block-1") && block2 == keccak256("block-2"), "seeds");
        _sampledExactlyAbove(block1, bytes32(uint256(1)), 342);
        _sampledExactlyAbove(block1, bytes32(uint256(2)), 8_613);
        _sampledExactlyAbove(block2, bytes32(uint256(7)), 2_707);
        _sampledExactlyAbove(bytes32(0), bytes32(0), 4_117);
        // At the default 10%: 342 is sampled, the others are not.
        policy = new MarketPolicy(ADMIN, TREASURY);
        vm.assertTrue(policy.isSampled(block1, bytes32(uint256(1))), "342 < 1000");
        vm.assertTrue(!policy.isSampled(block1, bytes32(uint256(2))), "8613 >= 1000");
        vm.assertTrue(!policy.isSampled(block2, bytes32(uint256(7))), "2707 >= 1000");
    }

    function test_everyJobSampledAtFullRate(bytes32 seed, bytes32 jobKey) public {
        _setSample(10_000);
        vm.assertTrue(policy.isSampled(seed, jobKey), "rate 10,000 samples every job");
    }

    function _sampledExactlyAbove(bytes32 seed, bytes32 jobKey, uint16 value) private {
        if (value >= 100) {
            _setSample(value);
            vm.assertTrue(!policy.isSampled(seed, jobKey), "not sampled at rate == value");
        }
        _setSample(value + 1 < 100 ? 100 : value + 1);
        vm.assertTrue(policy.isSampled(seed, jobKey), "sampled at rate == value + 1");
    }

    // ------------------------------------------------------------ helpers

    function _expectBounds(uint256 value, uint256 min, uint256 max) private {
        vm.expectRevert(abi.encodeWithSelector(IMarketPolicy.PolicyParameterOutOfBounds.selector, value, min, max));
    }

    function _setFee(uint16 v) private {
        vm.prank(ADMIN);
        policy.setProtocolFeeBps(v);
    }

    function _setChallenge(uint32 v) private {
        vm.prank(ADMIN);
        policy.setChallengeWindow(v);
    }

    function _setBond(uint96 v) private {
        vm.prank(ADMIN);
        policy.setDisputeBond(v);
    }

    function _setDisputeSlash(uint16 v) private {
        vm.prank(ADMIN);
        policy.setDisputeSlashBps(v);
    }

    function _setDeadlineSlash(uint16 v) private {
        vm.prank(ADMIN);
        policy.setDeadlineSlashBps(v);
    }

    function _setReward(uint16 v) private {
        vm.prank(ADMIN);
        policy.setSlashRewardBps(v);
    }

    function _setPenalty(uint32 v) private {
        vm.prank(ADMIN);
        policy.setMinPenaltyWindow(v);
    }

    function _setReveal(uint32 v) private {
        vm.prank(ADMIN);
        policy.setRevealWindow(v);
    }

    function _setSample(uint16 v) private {
        vm.prank(ADMIN);
        policy.setSampleRateBps(v);
    }

    function _eq(uint256 actual, uint256 expected) private pure {
        if (actual != expected) revert AssertionFailed(actual, expected);
    }
}
