// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title VerifierGasProbe
/// @notice Benchmark helper: measures the gas a verifier call uses when made from a contract (as
/// an escrow would), with `gasleft()` around a STATICCALL. The figure includes the call itself
/// (cold account access, calldata copy) but not the 21,000 intrinsic gas or the transaction's
/// calldata cost.
contract VerifierGasProbe {
    /// @notice Calls `target` with `data` and reports the outcome and the gas used.
    /// @param target The verifier.
    /// @param data ABI-encoded `verifyProof(...)` call.
    /// @return ok Whether the call succeeded.
    /// @return result The returned bytes (an ABI-encoded bool for the verifiers).
    /// @return gasUsed Gas consumed by the call.
    function measure(
        address target,
        bytes calldata data
    ) external view returns (bool ok, bytes memory result, uint256 gasUsed) {
        uint256 before = gasleft();
        (ok, result) = target.staticcall(data);
        gasUsed = before - gasleft();
    }
}
