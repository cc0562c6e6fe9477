// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IOpenClawGovernor} from "./IOpenClawGovernor.sol";

/**
 * @title ProposalClassifier
 * @notice Derives a proposal's type from its calls, and checks which (target, selector) pairs
 * governance may put on the governor's two lists. A linked library (external functions, run by
 * `DELEGATECALL` on the governor's own storage), so the rules live outside the governor's
 * 24,576-byte limit.
 *
 * Each call gets a class; the proposal's type is the most severe class of its calls
 * (Community < Resource < Protocol):
 * - **Community**: an allowlisted (target, selector) pair, no ether.
 * - **Resource**: moves treasury assets and nothing else — ERC-20 `transfer(address,uint256)`,
 *   `approve(address,uint256)` or `increaseAllowance(address,uint256)` with exactly two ABI words
 *   and no ether; a plain ether transfer (empty calldata, non-zero value); or a (target, selector)
 *   registered by governance as a resource call, no ether.
 * - **Protocol**: anything else — any call to the governor, its timelock or the bond escrow, ether
 *   sent with calldata, calldata shorter than a selector, an empty call without ether, and every
 *   unknown (target, selector).
 * Emergency is never derived: a proposer declares it, with the council's prior approval.
 */
library ProposalClassifier {
    /**
     * @notice The type derived from the calls: Community, Resource or Protocol (never Emergency).
     * @param allowed the governor's allowlist (Community calls)
     * @param resource the governor's registered resource calls
     * @param timelock the governor's timelock (treasury and executor)
     * @param escrow the governor's bond escrow
     * @dev Runs in the governor's context: `address(this)` is the governor.
     */
    function derive(
        mapping(address => mapping(bytes4 => bool)) storage allowed,
        mapping(address => mapping(bytes4 => bool)) storage resource,
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas,
        address timelock,
        address escrow
    ) external view returns (IOpenClawGovernor.ProposalType derived) {
        derived = IOpenClawGovernor.ProposalType.Community;
        for (uint256 i = 0; i < targets.length; ++i) {
            IOpenClawGovernor.ProposalType class = _classOf(
                allowed,
                resource,
                targets[i],
                values[i],
                calldatas[i],
                timelock,
                escrow
            );
            if (class == IOpenClawGovernor.ProposalType.Protocol) return class;
            if (class == IOpenClawGovernor.ProposalType.Resource) derived = class;
        }
    }

    /**
     * @notice Reverts unless governance may add (`target`, `selector`) to a list.
     * @param resourceList true for the resource-call list, false for the allowlist
     * @dev Never on either list: a call to the governor, its timelock, the token or the bond escrow,
     * or a selector that changes roles or ownership. Never allowlisted (Community, not critical):
     * a selector that moves or approves assets (ERC-20, ERC-721, ERC-1155, ERC-1363).
     * Reverts with {IOpenClawGovernor-GovernanceCallNotAllowable}.
     */
    function checkListable(
        bool resourceList,
        address target,
        bytes4 selector,
        address timelock,
        address token,
        address escrow
    ) external view {
        if (
            target == address(this) ||
            target == timelock ||
            target == token ||
            target == escrow ||
            changesRoles(selector) ||
            (!resourceList && movesAssets(selector))
        ) revert IOpenClawGovernor.GovernanceCallNotAllowable(target, selector);
    }

    /// @notice Whether `selector` grants, revokes or renounces a role, or transfers or renounces ownership.
    function changesRoles(bytes4 selector) public pure returns (bool) {
        return
            selector == IAccessControl.grantRole.selector ||
            selector == IAccessControl.revokeRole.selector ||
            selector == IAccessControl.renounceRole.selector ||
            selector == bytes4(keccak256("transferOwnership(address)")) ||
            selector == bytes4(keccak256("renounceOwnership()"));
    }

    /// @notice Whether `selector` transfers or approves ERC-20, ERC-721, ERC-1155 or ERC-1363 assets.
    function movesAssets(bytes4 selector) public pure returns (bool) {
        return
            selector == bytes4(keccak256("transferAndCall(address,uint256)")) ||
            selector == bytes4(keccak256("transferAndCall(address,uint256,bytes)")) ||
            selector == bytes4(keccak256("transferFromAndCall(address,address,uint256)")) ||
            selector == bytes4(keccak256("transferFromAndCall(address,address,uint256,bytes)")) ||
            selector == bytes4(keccak256("approveAndCall(address,uint256)")) ||
            selector == bytes4(keccak256("approveAndCall(address,uint256,bytes)")) ||
            selector == IERC20.transfer.selector ||
            selector == IERC20.transferFrom.selector ||
            selector == IERC20.approve.selector ||
            selector == bytes4(keccak256("increaseAllowance(address,uint256)")) ||
            selector == bytes4(keccak256("safeTransferFrom(address,address,uint256)")) ||
            selector == bytes4(keccak256("safeTransferFrom(address,address,uint256,bytes)")) ||
            selector == IERC721.setApprovalForAll.selector ||
            selector == IERC1155.safeTransferFrom.selector ||
            selector == IERC1155.safeBatchTransferFrom.selector;
    }

    function _classOf(
        mapping(address => mapping(bytes4 => bool)) storage allowed,
        mapping(address => mapping(bytes4 => bool)) storage resource,
        address target,
        uint256 value,
        bytes calldata data,
        address timelock,
        address escrow
    ) private view returns (IOpenClawGovernor.ProposalType) {
        if (target == address(this) || target == timelock || target == escrow) {
            return IOpenClawGovernor.ProposalType.Protocol;
        }
        if (data.length == 0) {
            return value == 0 ? IOpenClawGovernor.ProposalType.Protocol : IOpenClawGovernor.ProposalType.Resource;
        }
        if (value != 0 || data.length < 4) return IOpenClawGovernor.ProposalType.Protocol;
        bytes4 selector = bytes4(data);
        if (allowed[target][selector]) return IOpenClawGovernor.ProposalType.Community;
        if (resource[target][selector]) return IOpenClawGovernor.ProposalType.Resource;
        if (
            data.length == 68 &&
            (selector == IERC20.transfer.selector ||
                selector == IERC20.approve.selector ||
                selector == bytes4(keccak256("increaseAllowance(address,uint256)")))
        ) return IOpenClawGovernor.ProposalType.Resource;
        return IOpenClawGovernor.ProposalType.Protocol;
    }
}
