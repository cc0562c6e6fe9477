// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/**
 * @title ERC721MintableMock
 * @notice TEST ONLY. A plain OpenZeppelin ERC-721 anyone can mint, to check that an agent key cannot hand a
 * wallet's NFTs (token ids the spending limits do not price) to someone else.
 */
contract ERC721MintableMock is ERC721 {
    constructor() ERC721("Mintable NFT", "MNFT") {}

    /// @notice Mints token `tokenId` to `to`.
    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }
}
