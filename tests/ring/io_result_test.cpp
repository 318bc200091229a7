#include "ring/io_result.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace bro::ring {
namespace {

TEST(IoResult, NonNegativeResultIsAValue) {
    const IoResult result(17);
    EXPECT_TRUE(result.ok());
    EXPECT_EQ(result.value(), 17);
    EXPECT_FALSE(result.error());
}

TEST(IoResult, NegativeResultIsTheErrnoAsAnErrorCode) {
    const IoResult result(-EBADF);
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(result.error(), std::error_code(EBADF, std::system_category()));
    EXPECT_FALSE(result.cancelled());
}

TEST(IoResult, EcanceledMeansCancelled) {
    EXPECT_TRUE(IoResult(-ECANCELED).cancelled());
}

TEST(IoResult, EtimeMeansTimedOut) {
    EXPECT_TRUE(IoResult(-ETIME).timed_out());
    EXPECT_FALSE(IoResult(-ETIME).cancelled());
}

// An io-wq worker interrupted by a cancellation completes with these kernel-internal codes.
TEST(IoResult, KernelRestartCodesMeanCancelled) {
    for (int code : {512, 513, 514}) {
        const IoResult result(-code);
        EXPECT_TRUE(result.cancelled()) << "-" << code << " gave " << result.raw();
        EXPECT_EQ(result.error(), std::error_code(ECANCELED, std::system_category()));
    }
}

}  // namespace
}  // namespace bro::ring
