// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AgentIdentityRegistry} from "../../contracts/agents/AgentIdentityRegistry.sol";
import {IAgentIdentityRegistry} from "../../contracts/agents/IAgentIdentityRegistry.sol";
import {IReputationRegistry} from "../../contracts/reputation/IReputationRegistry.sol";
import {ReputationRegistry} from "../../contracts/reputation/ReputationRegistry.sol";
import {vm} from "../utils/Vm.sol";

/**
 * @title AgentIdentityRegistryTest
 * @notice The ERC-8004 identity registry, attacked: a stranger cannot write another agent's URI,
 * metadata or wallet; `agentWallet` cannot be written as plain metadata; a wallet binding needs the
 * wallet's own EIP-712 signature, which cannot be replayed, re-bound to another agent or owner, or
 * used past its deadline; one wallet shows its reputation through one agent only; a transfer clears
 * the wallet. `getSummary` reads the protocol's trust score (500 start) of the proven wallet.
 */
contract AgentIdentityRegistryTest {
    uint256 private constant SELLER_KEY = 0xA11CE;
    uint256 private constant STRANGER_KEY = 0xBAD;
    uint256 private constant WALLET_KEY = 0xCAFE;

    ReputationRegistry private reputation;
    AgentIdentityRegistry private registry;
    address private seller;
    address private stranger;
    address private wallet;

    function setUp() public {
        reputation = new ReputationRegistry(address(this));
        reputation.grantRole(reputation.ESCROW_ROLE(), address(this));
        registry = new AgentIdentityRegistry(IReputationRegistry(address(reputation)));
        seller = vm.addr(SELLER_KEY);
        stranger = vm.addr(STRANGER_KEY);
        wallet = vm.addr(WALLET_KEY);
    }

    function _entries() private pure returns (IAgentIdentityRegistry.MetadataEntry[] memory entries) {
        entries = new IAgentIdentityRegistry.MetadataEntry[](1);
        entries[0] = IAgentIdentityRegistry.MetadataEntry(
            "skill:summarize",
            abi.encode(uint256(1e15), "http://127.0.0.1:8402/summarize", uint8(0))
        );
    }

    function _register(address who) private returns (uint256 agentId) {
        vm.prank(who);
        agentId = registry.register("ipfs://agent.json", _entries());
    }

    function _sign(
        uint256 key,
        uint256 agentId,
        address owner,
        uint256 nonce,
        uint256 deadline
    ) private view returns (bytes memory) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("AgentIdentityRegistry"),
                keccak256("1"),
                block.chainid,
                address(registry)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(registry.AGENT_WALLET_TYPEHASH(), agentId, vm.addr(key), owner, nonce, deadline)
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        return abi.encodePacked(r, s, v);
    }

    function test_registerMintsAndBindsRegistrantWallet() public {
        uint256 agentId = _register(seller);
        vm.assertEq(agentId, 1, "ids start at 1");
        vm.assertTrue(registry.ownerOf(agentId) == seller, "owner");
        vm.assertTrue(registry.getAgentWallet(agentId) == seller, "wallet = registrant");
        vm.assertEq(registry.agentIdOfWallet(seller), 1, "reverse");
        vm.assertTrue(keccak256(bytes(registry.tokenURI(agentId))) == keccak256("ipfs://agent.json"), "uri");
        (uint256 price, , uint8 execution) = abi.decode(
            registry.getMetadata(agentId, "skill:summarize"),
            (uint256, string, uint8)
        );
        vm.assertEq(price, 1e15, "skill price");
        vm.assertEq(execution, 0, "local");
        vm.assertTrue(
            keccak256(registry.getMetadata(agentId, "agentWallet")) == keccak256(abi.encodePacked(seller)),
            "key"
        );
        // a second agent of the same registrant gets no wallet: the wallet is already bound
        uint256 second = _register(seller);
        vm.assertEq(second, 2, "second id");
        vm.assertTrue(registry.getAgentWallet(second) == address(0), "no second binding");
        vm.assertEq(registry.totalAgents(), 2, "count");
    }

    function test_summaryReadsProvenWalletReputation() public {
        uint256 agentId = _register(seller);
        vm.assertEq(registry.getSummary(agentId).trustScore, 500, "neutral start");
        reputation.adjustComponent(seller, IReputationRegistry.Component.Transactions, 120);
        IAgentIdentityRegistry.AgentSummary memory s = registry.getSummary(agentId);
        vm.assertTrue(s.wallet == seller, "wallet");
        vm.assertEq(s.trustScore, 620, "500 + 120");
        vm.assertTrue(!s.certificationValid, "uncertified");
        vm.expectRevert(abi.encodeWithSelector(IAgentIdentityRegistry.AgentNonexistent.selector, 9));
        registry.getSummary(9);
    }

    function test_strangerCannotWriteAnotherAgent() public {
        uint256 agentId = _register(seller);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAgentIdentityRegistry.AgentNotAuthorized.selector, agentId, stranger));
        registry.setAgentURI(agentId, "ipfs://evil.json");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAgentIdentityRegistry.AgentNotAuthorized.selector, agentId, stranger));
        registry.setMetadata(agentId, "skill:summarize", hex"00");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAgentIdentityRegistry.AgentNotAuthorized.selector, agentId, stranger));
        registry.unsetAgentWallet(agentId);
        bytes memory sig = _sign(STRANGER_KEY, agentId, seller, 0, block.timestamp + 1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAgentIdentityRegistry.AgentNotAuthorized.selector, agentId, stranger));
        registry.setAgentWallet(agentId, stranger, block.timestamp + 1, sig);
        vm.assertTrue(registry.getAgentWallet(agentId) == seller, "unchanged");
    }

    function test_agentWalletIsReservedMetadata() public {
        uint256 agentId = _register(seller);
        vm.prank(seller);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentIdentityRegistry.AgentReservedMetadataKey.selector, "agentWallet")
        );
        registry.setMetadata(agentId, "agentWallet", abi.encodePacked(wallet));
        IAgentIdentityRegistry.MetadataEntry[] memory entries = new IAgentIdentityRegistry.MetadataEntry[](1);
        entries[0] = IAgentIdentityRegistry.MetadataEntry("agentWallet", abi.encodePacked(wallet));
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentIdentityRegistry.AgentReservedMetadataKey.selector, "agentWallet")
        );
        registry.register("ipfs://x.json", entries);
        vm.assertEq(registry.totalAgents(), 1, "nothing minted");
    }

    function test_strangerCannotClaimAnotherWalletsReputation() public {
        uint256 sellerAgent = _register(seller);
        uint256 evilAgent = _register(stranger);
        reputation.adjustComponent(seller, IReputationRegistry.Component.Transactions, 150);
        // the stranger signs for the seller's wallet with its own key: refused
        bytes memory forged = _sign(STRANGER_KEY, evilAgent, stranger, 0, block.timestamp + 60);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentIdentityRegistry.AgentInvalidWalletSignature.selector, evilAgent, seller)
        );
        registry.setAgentWallet(evilAgent, seller, block.timestamp + 60, forged);
        // even the seller's genuine signature for its own agent cannot be re-bound to the stranger's agent
        bytes memory genuine = _sign(SELLER_KEY, sellerAgent, seller, 0, block.timestamp + 60);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentIdentityRegistry.AgentInvalidWalletSignature.selector, evilAgent, seller)
        );
        registry.setAgentWallet(evilAgent, seller, block.timestamp + 60, genuine);
        // a signature for the stranger's agent id but under the seller as owner does not verify for the stranger
        bytes memory wrongOwner = _sign(SELLER_KEY, evilAgent, seller, 0, block.timestamp + 60);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentIdentityRegistry.AgentInvalidWalletSignature.selector, evilAgent, seller)
        );
        registry.setAgentWallet(evilAgent, seller, block.timestamp + 60, wrongOwner);
        // a wallet bound elsewhere cannot be shown by a second agent, even if it signs
        bytes memory consent = _sign(SELLER_KEY, evilAgent, stranger, 0, block.timestamp + 60);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentIdentityRegistry.AgentWalletAlreadyBound.selector, seller, sellerAgent)
        );
        registry.setAgentWallet(evilAgent, seller, block.timestamp + 60, consent);
        vm.assertEq(registry.getSummary(evilAgent).trustScore, 500, "stranger keeps its own score");
        vm.assertEq(registry.getSummary(sellerAgent).trustScore, 650, "seller keeps its score");
    }

    function test_walletSignatureBindsOnceAndExpires() public {
        uint256 agentId = _register(seller);
        uint256 deadline = block.timestamp + 60;
        bytes memory sig = _sign(WALLET_KEY, agentId, seller, 0, deadline);
        vm.prank(seller);
        registry.setAgentWallet(agentId, wallet, deadline, sig);
        vm.assertTrue(registry.getAgentWallet(agentId) == wallet, "bound");
        vm.assertEq(registry.agentIdOfWallet(seller), 0, "old wallet freed");
        vm.assertEq(registry.walletNonce(wallet), 1, "nonce used");
        // replay after unbinding: the nonce moved, so the old signature no longer verifies
        vm.prank(seller);
        registry.unsetAgentWallet(agentId);
        vm.prank(seller);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentIdentityRegistry.AgentInvalidWalletSignature.selector, agentId, wallet)
        );
        registry.setAgentWallet(agentId, wallet, deadline, sig);
        // expired
        bytes memory late = _sign(WALLET_KEY, agentId, seller, 1, deadline);
        vm.warp(deadline + 1);
        vm.prank(seller);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentIdentityRegistry.AgentSignatureExpired.selector, deadline, deadline + 1)
        );
        registry.setAgentWallet(agentId, wallet, deadline, late);
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IAgentIdentityRegistry.AgentZeroWallet.selector));
        registry.setAgentWallet(agentId, address(0), deadline + 60, late);
        vm.assertTrue(registry.getAgentWallet(agentId) == address(0), "still unbound");
    }

    function test_transferClearsWallet() public {
        uint256 agentId = _register(seller);
        vm.prank(seller);
        registry.transferFrom(seller, stranger, agentId);
        vm.assertTrue(registry.getAgentWallet(agentId) == address(0), "cleared");
        vm.assertEq(registry.agentIdOfWallet(seller), 0, "seller freed");
        vm.assertEq(registry.getSummary(agentId).trustScore, 0, "no wallet, no score");
        // the new owner may now edit it; the old one may not
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IAgentIdentityRegistry.AgentNotAuthorized.selector, agentId, seller));
        registry.setAgentURI(agentId, "ipfs://old-owner.json");
    }

    function testFuzz_uriBound(uint16 rawLength) public {
        uint256 length = uint256(rawLength) % 1_025;
        string memory uri = string(new bytes(length));
        vm.prank(seller);
        if (length > 512) {
            vm.expectRevert(abi.encodeWithSelector(IAgentIdentityRegistry.AgentURITooLong.selector, length, 512));
        }
        registry.register(uri, new IAgentIdentityRegistry.MetadataEntry[](0));
    }
}
