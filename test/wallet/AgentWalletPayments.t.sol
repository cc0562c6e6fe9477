// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EntryPoint} from "@account-abstraction/contracts/core/EntryPoint.sol";
import {IEntryPoint} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {AITBCToken} from "../../contracts/token/AITBCToken.sol";
import {IERC3009} from "../../contracts/token/IERC3009.sol";
import {AgentWallet} from "../../contracts/wallet/AgentWallet.sol";
import {AgentWalletFactory} from "../../contracts/wallet/AgentWalletFactory.sol";
import {IAgentWallet} from "../../contracts/wallet/IAgentWallet.sol";
import {AuthorizationSigner} from "../token/ERC3009.t.sol";
import {vm} from "../utils/Vm.sol";

/**
 * @notice x402 payments (EIP-3009) from an AgentWallet: the agent key pays within its spending limit and by no
 * signature path around it; the owner is never limited; nobody else pays from the wallet.
 */
contract AgentWalletPaymentsTest is AuthorizationSigner {
    uint256 internal constant START = 1_800_000_000; // a Unix time in 2027, seconds
    uint256 internal constant OWNER_PK = 0x0A11CE;
    uint256 internal constant AGENT_PK = 0xA9E47;
    uint256 internal constant SESSION_PK = 0x5E55;
    uint256 internal constant LIMIT = 100 ether;
    uint256 internal constant PERIOD = 1 days;
    address internal constant SELLER = address(0x5E11E7);
    address internal constant FACILITATOR = address(0xFAC1);
    bytes4 internal constant MAGIC = 0x1626ba7e;

    AITBCToken internal token;
    AgentWalletFactory internal factory;
    AgentWallet internal wallet;
    address internal owner;
    address internal agent;

    function setUp() public {
        vm.warp(START);
        token = _newToken();
        factory = new AgentWalletFactory(IEntryPoint(address(new EntryPoint())));
        owner = vm.addr(OWNER_PK);
        agent = vm.addr(AGENT_PK);
        wallet = _newWallet(0, token);
    }

    function _newWallet(uint256 salt, AITBCToken t) internal returns (AgentWallet w) {
        w = factory.createAccount(owner, agent, IAgentWallet.AgentRole.Consumer, salt);
        vm.startPrank(owner);
        w.setSpendingLimit(address(t), LIMIT, PERIOD);
        w.setSignatureVerifier(address(t), true);
        vm.stopPrank();
        t.transfer(address(w), 1_000 ether);
    }

    function _auth(AgentWallet w, uint256 value, bytes32 nonce) internal view returns (Authorization memory) {
        return Authorization(address(w), SELLER, value, block.timestamp - 600, block.timestamp + 60, nonce);
    }

    /// @dev The agent key's payment signature: agent ++ ECDSA over messageDigest ++ abi.encode(token, authorization).
    function _agentPayment(
        AgentWallet w,
        AITBCToken t,
        Authorization memory a,
        uint256 pk
    ) internal view returns (bytes memory) {
        bytes32 hash = _digest(address(t), TRANSFER_TYPEHASH, a);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, w.messageDigest(hash));
        return
            abi.encodePacked(
                vm.addr(pk),
                r,
                s,
                v,
                abi.encode(address(t), a.to, a.value, a.validAfter, a.validBefore, a.nonce)
            );
    }

    /// @dev The plain ERC-1271 form: signer ++ ECDSA over messageDigest (85 bytes).
    function _plain(
        AgentWallet w,
        AITBCToken t,
        Authorization memory a,
        uint256 pk
    ) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, w.messageDigest(_digest(address(t), TRANSFER_TYPEHASH, a)));
        return abi.encodePacked(vm.addr(pk), r, s, v);
    }

    function _settle(AITBCToken t, Authorization memory a, bytes memory signature) internal {
        vm.prank(FACILITATOR);
        t.transferWithAuthorization(a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, signature);
    }

    function _expectInvalid(AgentWallet w) internal {
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationInvalidSignature.selector, address(w)));
    }

    function _assertMoved(uint256 walletBalance, uint256 sellerBalance, uint256 spent) internal view {
        vm.assertEq(token.balanceOf(address(wallet)), walletBalance, "wallet balance");
        vm.assertEq(token.balanceOf(SELLER), sellerBalance, "seller balance");
        vm.assertEq(wallet.spendingLimit(address(token)).spent, spent, "spent in period");
    }

    function _isValid(AgentWallet w, AITBCToken t, Authorization memory a, bytes memory sig) internal returns (bool) {
        vm.prank(FACILITATOR); // an x402 facilitator's eth_call: msg.sender is not the token
        return w.isValidSignature(_digest(address(t), TRANSFER_TYPEHASH, a), sig) == MAGIC;
    }

    function test_agentPayment_withinLimitSettlesAndCounts() public {
        Authorization memory a = _auth(wallet, 30 ether, keccak256("p1"));
        bytes memory sig = _agentPayment(wallet, token, a, AGENT_PK);
        vm.assertTrue(_isValid(wallet, token, a, sig), "facilitator's verify refused a payment within the limit");
        _settle(token, a, sig);
        _assertMoved(970 ether, 30 ether, 30 ether);
    }

    function test_agentPayment_exactlyTheRemainderThenOneWeiMoreRefused() public {
        Authorization memory a = _auth(wallet, 60 ether, keccak256("p1"));
        _settle(token, a, _agentPayment(wallet, token, a, AGENT_PK));
        a = _auth(wallet, 40 ether, keccak256("p2"));
        _settle(token, a, _agentPayment(wallet, token, a, AGENT_PK));
        _assertMoved(900 ether, 100 ether, 100 ether);

        a = _auth(wallet, 1, keccak256("p3"));
        bytes memory sig = _agentPayment(wallet, token, a, AGENT_PK);
        vm.assertTrue(!_isValid(wallet, token, a, sig), "verify accepted a payment over the limit");
        _expectInvalid(wallet);
        _settle(token, a, sig);
        _assertMoved(900 ether, 100 ether, 100 ether);
    }

    function test_agentPayment_overLimitRefusedBeforeAnyonePays() public {
        Authorization memory a = _auth(wallet, LIMIT + 1, keccak256("big"));
        bytes memory sig = _agentPayment(wallet, token, a, AGENT_PK);
        vm.assertTrue(!_isValid(wallet, token, a, sig), "verify accepted a payment over the limit");
        _expectInvalid(wallet);
        _settle(token, a, sig);
        _assertMoved(1_000 ether, 0, 0);
    }

    /// Two authorizations each within the limit, together over it: the second is refused at settlement.
    function test_agentPayment_outstandingAuthorizationsBoundedTogether() public {
        Authorization memory a1 = _auth(wallet, 70 ether, keccak256("a1"));
        Authorization memory a2 = _auth(wallet, 70 ether, keccak256("a2"));
        bytes memory sig1 = _agentPayment(wallet, token, a1, AGENT_PK);
        bytes memory sig2 = _agentPayment(wallet, token, a2, AGENT_PK);
        vm.assertTrue(_isValid(wallet, token, a2, sig2), "second payment alone should verify");
        _settle(token, a1, sig1);
        _expectInvalid(wallet);
        _settle(token, a2, sig2);
        _assertMoved(930 ether, 70 ether, 70 ether);
    }

    /// The plain 85-byte ERC-1271 form (the token is an allowed verifier) is charged by the payer hook as well.
    function test_agentPlainSignature_chargedByHookAndBoundedByLimit() public {
        Authorization memory a = _auth(wallet, 80 ether, keccak256("plain1"));
        _settle(token, a, _plain(wallet, token, a, AGENT_PK));
        _assertMoved(920 ether, 80 ether, 80 ether);
        a = _auth(wallet, 30 ether, keccak256("plain2"));
        bytes memory sig = _plain(wallet, token, a, AGENT_PK);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentWallet.AgentWalletSpendingLimitExceeded.selector,
                address(token),
                110 ether,
                LIMIT
            )
        );
        _settle(token, a, sig);
        _assertMoved(920 ether, 80 ether, 80 ether);
    }

    function test_agentPayment_limitSpentByExecuteRefusesPayment() public {
        vm.prank(agent);
        wallet.execute(address(token), 0, abi.encodeCall(IERC20.transfer, (SELLER, 95 ether)));
        Authorization memory a = _auth(wallet, 6 ether, keccak256("after-execute"));
        bytes memory sig = _agentPayment(wallet, token, a, AGENT_PK);
        _expectInvalid(wallet);
        _settle(token, a, sig);
        _assertMoved(905 ether, 95 ether, 95 ether);
    }

    function test_agentPayment_nextPeriodHasFreshLimit() public {
        Authorization memory a = _auth(wallet, LIMIT, keccak256("day1"));
        _settle(token, a, _agentPayment(wallet, token, a, AGENT_PK));
        vm.warp(START + PERIOD);
        a = _auth(wallet, LIMIT, keccak256("day2"));
        _settle(token, a, _agentPayment(wallet, token, a, AGENT_PK));
        _assertMoved(800 ether, 200 ether, 100 ether);
    }

    function test_agentPayment_replayRefused() public {
        Authorization memory a = _auth(wallet, 10 ether, keccak256("once"));
        bytes memory sig = _agentPayment(wallet, token, a, AGENT_PK);
        _settle(token, a, sig);
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationUsed.selector, address(wallet), a.nonce));
        _settle(token, a, sig);
        _assertMoved(990 ether, 10 ether, 10 ether);
    }

    function test_agentPayment_frozenRefused() public {
        vm.prank(owner);
        wallet.setFrozen(true);
        Authorization memory a = _auth(wallet, 10 ether, keccak256("frozen"));
        bytes memory sig = _agentPayment(wallet, token, a, AGENT_PK);
        _expectInvalid(wallet);
        _settle(token, a, sig);
        _assertMoved(1_000 ether, 0, 0);
    }

    function test_agentPayment_tokenNotAllowedRefused() public {
        vm.prank(owner);
        wallet.setSignatureVerifier(address(token), false);
        Authorization memory a = _auth(wallet, 10 ether, keccak256("not-allowed"));
        bytes memory agentSig = _agentPayment(wallet, token, a, AGENT_PK);
        _expectInvalid(wallet);
        _settle(token, a, agentSig);
        bytes memory plainSig = _plain(wallet, token, a, AGENT_PK);
        _expectInvalid(wallet);
        _settle(token, a, plainSig);
        _assertMoved(1_000 ether, 0, 0);
    }

    function test_agentPayment_tokenWithoutLimitRefused() public {
        vm.prank(owner);
        wallet.setSpendingLimit(address(token), 0, 0);
        Authorization memory a = _auth(wallet, 1, keccak256("no-limit"));
        bytes memory sig = _agentPayment(wallet, token, a, AGENT_PK);
        _expectInvalid(wallet);
        _settle(token, a, sig);
        vm.assertEq(token.balanceOf(address(wallet)), 1_000 ether, "wallet balance");
    }

    function test_sessionKeyPayment_refused() public {
        address session = vm.addr(SESSION_PK);
        IAgentWallet.SessionPermission[] memory permissions = new IAgentWallet.SessionPermission[](1);
        permissions[0] = IAgentWallet.SessionPermission(address(token), IERC20.transfer.selector);
        IAgentWallet.SessionCap[] memory caps = new IAgentWallet.SessionCap[](1);
        caps[0] = IAgentWallet.SessionCap(address(token), LIMIT, PERIOD);
        vm.prank(owner);
        wallet.addSessionKey(session, uint48(START + 1 days), permissions, caps);
        Authorization memory a = _auth(wallet, 1 ether, keccak256("session"));
        bytes memory blob = _agentPayment(wallet, token, a, SESSION_PK);
        _expectInvalid(wallet);
        _settle(token, a, blob);
        bytes memory plainSig = _plain(wallet, token, a, SESSION_PK);
        _expectInvalid(wallet);
        _settle(token, a, plainSig);
        _assertMoved(1_000 ether, 0, 0);
    }

    function test_agentPayment_reboundToAnotherWalletRefused() public {
        AgentWallet other = _newWallet(1, token);
        Authorization memory a = _auth(wallet, 10 ether, keccak256("rebind"));
        bytes memory sig = _agentPayment(wallet, token, a, AGENT_PK);
        a.from = address(other);
        _expectInvalid(other);
        _settle(token, a, sig);
        vm.assertEq(token.balanceOf(address(other)), 1_000 ether, "other wallet balance");
        _assertMoved(1_000 ether, 0, 0);
    }

    function test_agentPayment_reboundToAnotherTokenRefused() public {
        AITBCToken other = _newToken();
        vm.startPrank(owner);
        wallet.setSpendingLimit(address(other), LIMIT, PERIOD);
        wallet.setSignatureVerifier(address(other), true);
        vm.stopPrank();
        other.transfer(address(wallet), 1_000 ether);
        Authorization memory a = _auth(wallet, 10 ether, keccak256("token"));
        bytes memory sig = _agentPayment(wallet, token, a, AGENT_PK);
        _expectInvalid(wallet);
        _settle(other, a, sig);
        vm.assertEq(other.balanceOf(address(wallet)), 1_000 ether, "other token balance");
    }

    /// A tail claiming a smaller value than the signed digest does not pass the limit check with the real value.
    function test_agentPayment_alteredTailRefused() public {
        Authorization memory a = _auth(wallet, 500 ether, keccak256("tail"));
        bytes32 hash = _digest(address(token), TRANSFER_TYPEHASH, a);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(AGENT_PK, wallet.messageDigest(hash));
        bytes memory sig = abi.encodePacked(
            agent,
            r,
            s,
            v,
            abi.encode(address(token), a.to, uint256(1 ether), a.validAfter, a.validBefore, a.nonce)
        );
        vm.assertTrue(!_isValid(wallet, token, a, sig), "altered tail accepted");
        _expectInvalid(wallet);
        _settle(token, a, sig);
        _assertMoved(1_000 ether, 0, 0);
    }

    function test_ownerPayment_neverLimited() public {
        Authorization memory a = _auth(wallet, 500 ether, keccak256("owner"));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            OWNER_PK,
            wallet.messageDigest(_digest(address(token), TRANSFER_TYPEHASH, a))
        );
        _settle(token, a, abi.encodePacked(owner, r, s, v));
        _assertMoved(500 ether, 500 ether, 0);
    }

    function test_strangerSignature_refused() public {
        Authorization memory a = _auth(wallet, 1 ether, keccak256("stranger"));
        bytes memory sig = _agentPayment(wallet, token, a, 0xBAD);
        _expectInvalid(wallet);
        _settle(token, a, sig);
        _assertMoved(1_000 ether, 0, 0);
    }

    /// Nobody but an allowed token can charge the agent's limit through the hook: griefing costs gas and does nothing.
    function test_onTransferWithAuthorization_strangerCannotCharge() public {
        Authorization memory a = _auth(wallet, 10 ether, keccak256("hook"));
        bytes memory sig = _agentPayment(wallet, token, a, AGENT_PK);
        vm.expectRevert(abi.encodeWithSelector(IAgentWallet.AgentWalletUnauthorized.selector, FACILITATOR));
        vm.prank(FACILITATOR);
        wallet.onTransferWithAuthorization(SELLER, 10 ether, a.nonce, sig);

        vm.expectRevert(abi.encodeWithSelector(IAgentWallet.AgentWalletUnauthorized.selector, address(0xBAD)));
        vm.prank(FACILITATOR);
        wallet.onTransferWithAuthorization(SELLER, 10 ether, a.nonce, abi.encodePacked(address(0xBAD), sig));

        // The owner's prefix is a no-op for anyone: nothing is charged, nothing moves.
        vm.prank(FACILITATOR);
        wallet.onTransferWithAuthorization(SELLER, 10 ether, a.nonce, abi.encodePacked(owner));
        _assertMoved(1_000 ether, 0, 0);
    }
}
