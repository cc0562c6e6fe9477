// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

/**
 * @title IGovernorReader
 * @notice The governor views the reward contracts read: OpenZeppelin's `IGovernor` plus
 * `GovernorCountingSimple.proposalVotes` (wei of counted voting power against, for, abstain).
 */
interface IGovernorReader is IGovernor {
    /// @notice Counted voting power (wei) cast against, for and abstaining on `proposalId`.
    function proposalVotes(
        uint256 proposalId
    ) external view returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes);
}
