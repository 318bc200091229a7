#include "core/socket_address.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace bro {
namespace {

constexpr std::size_t kSunPathBytes = sizeof(sockaddr_un{}.sun_path);
constexpr std::size_t kNameOffset = offsetof(sockaddr_un, sun_path);

SocketAddress address_of(std::string_view name) {
    const auto result = socket_address_for(name);
    const auto* address = std::get_if<SocketAddress>(&result);
    EXPECT_NE(address, nullptr) << "no address for " << name;
    return address != nullptr ? *address : SocketAddress{};
}

SocketAddressError error_of(std::string_view name) {
    const auto result = socket_address_for(name);
    const auto* error = std::get_if<SocketAddressError>(&result);
    EXPECT_NE(error, nullptr) << "an address for " << name;
    return error != nullptr ? *error : SocketAddressError{};
}

TEST(SocketAddress, APathIsCopiedWithItsTerminatingNulCounted) {
    const SocketAddress address = address_of("/run/bro/x.sock");
    EXPECT_EQ(address.address.sun_family, AF_UNIX);
    EXPECT_FALSE(address.abstract);
    EXPECT_STREQ(address.address.sun_path, "/run/bro/x.sock");
    EXPECT_EQ(address.length, kNameOffset + 15 + 1);
}

TEST(SocketAddress, AnAbstractNameStartsWithANulAndIsNotTerminated) {
    const SocketAddress address = address_of("@bro-test");
    EXPECT_TRUE(address.abstract);
    EXPECT_EQ(address.address.sun_path[0], '\0');
    EXPECT_EQ(std::string_view(address.address.sun_path + 1, 8), "bro-test");
    EXPECT_EQ(address.length, kNameOffset + 9);
}

TEST(SocketAddress, APathFillingSunPathBesidesItsNulIsTheLongestAccepted) {
    const std::string longest(kSunPathBytes - 1, 'p');
    EXPECT_EQ(address_of(longest).length, kNameOffset + kSunPathBytes);
    const SocketAddressError error = error_of(longest + "p");
    EXPECT_EQ(error.reason, SocketAddressError::Reason::kTooLong);
    EXPECT_EQ(error.limit, kSunPathBytes - 1);
}

TEST(SocketAddress, AnAbstractNameMayFillAllOfSunPath) {
    const std::string longest = "@" + std::string(kSunPathBytes - 1, 'a');
    EXPECT_EQ(address_of(longest).length, kNameOffset + kSunPathBytes);
    const SocketAddressError error = error_of(longest + "a");
    EXPECT_EQ(error.reason, SocketAddressError::Reason::kTooLong);
    EXPECT_EQ(error.limit, kSunPathBytes);
}

TEST(SocketAddress, AnEmptyNameOrABareAtSignIsNoAddress) {
    EXPECT_EQ(error_of("").reason, SocketAddressError::Reason::kEmpty);
    EXPECT_EQ(error_of("@").reason, SocketAddressError::Reason::kEmpty);
}

}  // namespace
}  // namespace bro
