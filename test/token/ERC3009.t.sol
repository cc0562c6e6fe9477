// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {AITBCToken} from "../../contracts/token/AITBCToken.sol";
import {IAITBCToken} from "../../contracts/token/IAITBCToken.sol";
import {IERC3009} from "../../contracts/token/IERC3009.sol";
import {vm} from "../utils/Vm.sol";

/// @dev EIP-3009 signing as a wallet would do it: typehashes and the ERC-2612 domain ("AITBC", "1") as literals.
abstract contract AuthorizationSigner {
    bytes32 internal constant TRANSFER_TYPEHASH = keccak256(
        // solhint-disable-next-line max-line-length
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    bytes32 internal constant RECEIVE_TYPEHASH = keccak256(
        // solhint-disable-next-line max-line-length
        "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    bytes32 internal constant CANCEL_TYPEHASH = keccak256("CancelAuthorization(address authorizer,bytes32 nonce)");

    struct Authorization {
        address from;
        address to;
        uint256 value;
        uint256 validAfter;
        uint256 validBefore;
        bytes32 nonce;
    }

    function _domainSeparator(address token) internal view returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                    keccak256("AITBC"),
                    keccak256("1"),
                    block.chainid,
                    token
                )
            );
    }

    function _digest(address token, bytes32 typehash, Authorization memory a) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(typehash, a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce)
        );
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(token), structHash));
    }

    /// @dev A token whose non-treasury shares sit with the test contract.
    function _newToken() internal returns (AITBCToken) {
        address[] memory contributors = new address[](1);
        contributors[0] = address(0xC0);
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 100_000_000 ether;
        return
            new AITBCToken(
                address(0x7EA5),
                address(this),
                address(this),
                address(this),
                contributors,
                amounts,
                IAITBCToken.VotingPowerParameters(500, 1 days, 7 days)
            );
    }

    function _sign(uint256 pk, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }
}

/// @notice EIP-3009 on the AITBC token with EOA payers: what a facilitator can and cannot settle.
contract ERC3009Test is AuthorizationSigner {
    uint256 internal constant START = 1_800_000_000; // a Unix time in 2027, seconds
    uint256 internal constant PAYER_PK = 0xB0B;
    address internal constant PAYEE = address(0x5E11E7);
    address internal constant RELAYER = address(0xFAC1);

    AITBCToken internal token;
    address internal payer;

    function setUp() public {
        vm.warp(START);
        token = _newToken();
        payer = vm.addr(PAYER_PK);
        token.transfer(payer, 1_000 ether);
    }

    function _auth(uint256 value, bytes32 nonce) internal view returns (Authorization memory) {
        return Authorization(payer, PAYEE, value, block.timestamp - 600, block.timestamp + 60, nonce);
    }

    function _transfer(Authorization memory a, bytes memory signature) internal {
        vm.prank(RELAYER);
        token.transferWithAuthorization(a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, signature);
    }

    function _assertBalances(uint256 payerBalance, uint256 payeeBalance) internal view {
        vm.assertEq(token.balanceOf(payer), payerBalance, "payer balance");
        vm.assertEq(token.balanceOf(PAYEE), payeeBalance, "payee balance");
    }

    function test_transferWithAuthorization_relayerSettlesSignedPayment() public {
        Authorization memory a = _auth(25 ether, keccak256("n1"));
        _transfer(a, _sign(PAYER_PK, _digest(address(token), TRANSFER_TYPEHASH, a)));
        _assertBalances(975 ether, 25 ether);
        vm.assertTrue(token.authorizationState(payer, a.nonce), "nonce not used");
        vm.assertEq(token.balanceOf(RELAYER), 0, "relayer gained");
    }

    function test_transferWithAuthorization_vrsForm() public {
        Authorization memory a = _auth(7 ether, keccak256("vrs"));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(PAYER_PK, _digest(address(token), TRANSFER_TYPEHASH, a));
        vm.prank(RELAYER);
        token.transferWithAuthorization(a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, v, r, s);
        _assertBalances(993 ether, 7 ether);
    }

    function test_transferWithAuthorization_replayRefused() public {
        Authorization memory a = _auth(25 ether, keccak256("n1"));
        bytes memory signature = _sign(PAYER_PK, _digest(address(token), TRANSFER_TYPEHASH, a));
        _transfer(a, signature);
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationUsed.selector, payer, a.nonce));
        _transfer(a, signature);
        _assertBalances(975 ether, 25 ether);
    }

    function test_transferWithAuthorization_timeBoundsAreExclusive() public {
        Authorization memory a = _auth(1 ether, keccak256("t"));
        a.validAfter = block.timestamp;
        bytes memory signature = _sign(PAYER_PK, _digest(address(token), TRANSFER_TYPEHASH, a));
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationNotYetValid.selector, START, START));
        _transfer(a, signature);

        a.validAfter = block.timestamp - 1;
        a.validBefore = block.timestamp;
        signature = _sign(PAYER_PK, _digest(address(token), TRANSFER_TYPEHASH, a));
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationExpired.selector, START, START));
        _transfer(a, signature);

        a.validBefore = block.timestamp + 1;
        signature = _sign(PAYER_PK, _digest(address(token), TRANSFER_TYPEHASH, a));
        _transfer(a, signature);
        _assertBalances(999 ether, 1 ether);
    }

    function test_transferWithAuthorization_alteredFieldsRefused() public {
        Authorization memory a = _auth(5 ether, keccak256("alter"));
        bytes memory signature = _sign(PAYER_PK, _digest(address(token), TRANSFER_TYPEHASH, a));
        a.value = 6 ether;
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationInvalidSignature.selector, payer));
        _transfer(a, signature);
        a.value = 5 ether;
        a.to = RELAYER;
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationInvalidSignature.selector, payer));
        _transfer(a, signature);
        a.to = PAYEE;
        a.validBefore += 1;
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationInvalidSignature.selector, payer));
        _transfer(a, signature);
        _assertBalances(1_000 ether, 0);
    }

    function test_transferWithAuthorization_signatureForAnotherTokenRefused() public {
        AITBCToken other = _newToken();
        Authorization memory a = _auth(5 ether, keccak256("other"));
        bytes memory signature = _sign(PAYER_PK, _digest(address(other), TRANSFER_TYPEHASH, a));
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationInvalidSignature.selector, payer));
        _transfer(a, signature);
        _assertBalances(1_000 ether, 0);
    }

    function test_transferWithAuthorization_strangerSignatureRefused() public {
        Authorization memory a = _auth(5 ether, keccak256("stranger"));
        bytes memory signature = _sign(0xBAD, _digest(address(token), TRANSFER_TYPEHASH, a));
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationInvalidSignature.selector, payer));
        _transfer(a, signature);
        _assertBalances(1_000 ether, 0);
    }

    function test_transferWithAuthorization_overBalanceLeavesNonceUnused() public {
        Authorization memory a = _auth(1_001 ether, keccak256("big"));
        bytes memory signature = _sign(PAYER_PK, _digest(address(token), TRANSFER_TYPEHASH, a));
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, payer, 1_000 ether, 1_001 ether)
        );
        _transfer(a, signature);
        vm.assertTrue(!token.authorizationState(payer, a.nonce), "nonce consumed by a failed transfer");
    }

    function test_receiveWithAuthorization_onlyPayeeSubmits() public {
        Authorization memory a = _auth(3 ether, keccak256("recv"));
        bytes memory signature = _sign(PAYER_PK, _digest(address(token), RECEIVE_TYPEHASH, a));
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationCallerNotPayee.selector, RELAYER, PAYEE));
        vm.prank(RELAYER);
        token.receiveWithAuthorization(a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, signature);

        // A receive authorization is not a transfer authorization.
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationInvalidSignature.selector, payer));
        _transfer(a, signature);

        vm.prank(PAYEE);
        token.receiveWithAuthorization(a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, signature);
        _assertBalances(997 ether, 3 ether);
    }

    function test_cancelAuthorization_blocksLaterUse() public {
        Authorization memory a = _auth(5 ether, keccak256("cancel"));
        bytes memory transferSig = _sign(PAYER_PK, _digest(address(token), TRANSFER_TYPEHASH, a));
        bytes32 cancelDigest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                _domainSeparator(address(token)),
                keccak256(abi.encode(CANCEL_TYPEHASH, payer, a.nonce))
            )
        );
        // A stranger cannot cancel the payer's authorization.
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationInvalidSignature.selector, payer));
        vm.prank(RELAYER);
        token.cancelAuthorization(payer, a.nonce, _sign(0xBAD, cancelDigest));

        vm.prank(RELAYER);
        token.cancelAuthorization(payer, a.nonce, _sign(PAYER_PK, cancelDigest));
        vm.assertTrue(token.authorizationState(payer, a.nonce), "nonce not cancelled");
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationUsed.selector, payer, a.nonce));
        _transfer(a, transferSig);
        vm.expectRevert(abi.encodeWithSelector(IERC3009.TokenAuthorizationUsed.selector, payer, a.nonce));
        token.cancelAuthorization(payer, a.nonce, _sign(PAYER_PK, cancelDigest));
        _assertBalances(1_000 ether, 0);
    }

    function test_supportsInterface_erc165AndErc3009() public view {
        bytes4 erc3009 =
            bytes4(keccak256("authorizationState(address,bytes32)")) ^
                bytes4(keccak256("TRANSFER_WITH_AUTHORIZATION_TYPEHASH()")) ^
                bytes4(keccak256("RECEIVE_WITH_AUTHORIZATION_TYPEHASH()")) ^
                bytes4(keccak256("CANCEL_AUTHORIZATION_TYPEHASH()")) ^
                bytes4(keccak256("transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)")) ^
                bytes4(
                    keccak256(
                        // solhint-disable-next-line max-line-length
                        "transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)"
                    )
                ) ^
                bytes4(keccak256("receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)")) ^
                bytes4(
                    keccak256(
                        // solhint-disable-next-line max-line-length
                        "receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)"
                    )
                ) ^
                bytes4(keccak256("cancelAuthorization(address,bytes32,bytes)")) ^
                bytes4(keccak256("cancelAuthorization(address,bytes32,uint8,bytes32,bytes32)"));
        vm.assertTrue(token.supportsInterface(erc3009), "IERC3009");
        vm.assertTrue(token.supportsInterface(0x01ffc9a7), "IERC165");
        vm.assertTrue(!token.supportsInterface(0xffffffff), "0xffffffff");
        vm.assertTrue(!token.supportsInterface(0x36372b07), "IERC20 is not claimed");
        vm.assertEq(uint256(token.TRANSFER_WITH_AUTHORIZATION_TYPEHASH()), uint256(TRANSFER_TYPEHASH), "typehash");
    }
}
