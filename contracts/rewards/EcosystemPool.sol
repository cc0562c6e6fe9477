// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IEcosystemPool} from "./IEcosystemPool.sol";
import {IRewardsReceiver} from "./IRewardsReceiver.sol";

/**
 * @title EcosystemPool
 * @notice The 25% agent-ecosystem genesis share, streamed to the protocol's reward contracts at
 * governance-set, bounded rates (see {IEcosystemPool}). Owned by the timelock from construction; the
 * deploying account may only bind the token and the default streams, once.
 */
contract EcosystemPool is IEcosystemPool, Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc IEcosystemPool
    uint256 public constant MAX_TOTAL_RATE = 1.5 ether;
    /// @inheritdoc IEcosystemPool
    uint256 public constant MAX_STREAMS = 8;

    /// @inheritdoc IEcosystemPool
    IERC20 public token;
    /// @inheritdoc IEcosystemPool
    address public initializer;
    /// @inheritdoc IEcosystemPool
    uint256 public totalRate;

    mapping(address recipient => Stream) private _streams;
    address[] private _recipients;

    /**
     * @param owner_ the timelock: the only account that sets rates
     * @param initializer_ the deploying account, allowed one {initialize}
     */
    constructor(address owner_, address initializer_) Ownable(owner_) {
        initializer = initializer_;
    }

    /// @inheritdoc IEcosystemPool
    function initialize(IERC20 token_, address[] calldata recipients_, uint256[] calldata rates) external {
        if (address(token) != address(0)) revert PoolAlreadyInitialized();
        if (msg.sender != initializer) revert PoolNotInitializer(msg.sender);
        if (recipients_.length != rates.length) revert PoolLengthMismatch(recipients_.length, rates.length);
        token = token_;
        initializer = address(0);
        emit PoolInitialized(address(token_), msg.sender);
        for (uint256 i = 0; i < recipients_.length; ++i) {
            _setRate(recipients_[i], rates[i]);
        }
    }

    /// @inheritdoc IEcosystemPool
    function setStreamRate(address recipient, uint256 rate) external onlyOwner nonReentrant {
        if (address(token) == address(0)) revert PoolNotInitialized();
        // Removing a stream forfeits its accrual to the pool, so even a recipient that reverts can be removed.
        if (_streams[recipient].rate != 0 && rate != 0) _release(recipient);
        _setRate(recipient, rate);
    }

    /// @inheritdoc IEcosystemPool
    function release(address recipient) external nonReentrant returns (uint256 amount) {
        if (_streams[recipient].rate == 0) revert PoolNoStream(recipient);
        amount = _release(recipient);
        if (amount == 0) revert PoolNothingToRelease(recipient);
    }

    /// @inheritdoc IEcosystemPool
    function releaseAll() external nonReentrant returns (uint256 total) {
        uint256 count = _recipients.length;
        for (uint256 i = 0; i < count; ++i) {
            total += _release(_recipients[i]);
        }
    }

    /// @inheritdoc IEcosystemPool
    function streamOf(address recipient) external view returns (Stream memory) {
        return _streams[recipient];
    }

    /// @inheritdoc IEcosystemPool
    function recipients() external view returns (address[] memory) {
        return _recipients;
    }

    /// @inheritdoc IEcosystemPool
    function releasable(address recipient) public view returns (uint256) {
        Stream memory s = _streams[recipient];
        if (s.rate == 0) return 0;
        return Math.min((block.timestamp - s.lastRelease) * s.rate, token.balanceOf(address(this)));
    }

    /// @dev Pays the accrual (effects first, then the approve-and-fund interaction). Returns wei paid.
    function _release(address recipient) private returns (uint256 amount) {
        amount = releasable(recipient);
        _streams[recipient].lastRelease = uint64(block.timestamp);
        if (amount == 0) return 0;
        IERC20 t = token;
        t.forceApprove(recipient, amount);
        IRewardsReceiver(recipient).fundRewards(amount);
        // A recipient that did not pull everything keeps no allowance.
        if (t.allowance(address(this), recipient) != 0) t.forceApprove(recipient, 0);
        emit StreamReleased(recipient, msg.sender, amount);
    }

    function _setRate(address recipient, uint256 rate) private {
        if (recipient == address(this) || recipient == address(token) || (rate != 0 && recipient.code.length == 0))
            revert PoolInvalidRecipient(recipient);
        Stream storage s = _streams[recipient];
        uint256 oldRate = s.rate;
        uint256 newTotal = totalRate - oldRate + rate;
        if (newTotal > MAX_TOTAL_RATE) revert PoolRateOutOfBounds(newTotal, MAX_TOTAL_RATE);
        if (oldRate == 0) {
            if (rate == 0) revert PoolNoStream(recipient);
            if (_recipients.length == MAX_STREAMS) revert PoolTooManyStreams(MAX_STREAMS);
            _recipients.push(recipient);
        } else if (rate == 0) {
            _removeRecipient(recipient);
        }
        totalRate = newTotal;
        // Safe cast: rate <= MAX_TOTAL_RATE < 2**128.
        s.rate = uint128(rate);
        s.lastRelease = uint64(block.timestamp);
        emit StreamRateSet(recipient, oldRate, rate);
    }

    function _removeRecipient(address recipient) private {
        uint256 last = _recipients.length - 1;
        for (uint256 i = 0; i <= last; ++i) {
            if (_recipients[i] == recipient) {
                _recipients[i] = _recipients[last];
                _recipients.pop();
                return;
            }
        }
    }
}
