#include "ring/buffer_pool.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace bro::ring {
namespace {

TEST(BufferPool, HandsOutBuffersOfTheConfiguredSize) {
    BufferPool pool(4096, 2);
    const BufferPool::Buffer buffer = pool.take();
    ASSERT_TRUE(buffer.valid());
    EXPECT_EQ(buffer.bytes().size(), 4096u);
}

TEST(BufferPool, AReturnedBufferIsHandedOutAgainInsteadOfANewOne) {
    BufferPool pool(4096, 2);
    const std::uint8_t* first = nullptr;
    {
        const BufferPool::Buffer buffer = pool.take();
        first = buffer.bytes().data();
    }
    EXPECT_EQ(pool.kept(), 1u);
    const BufferPool::Buffer again = pool.take();
    EXPECT_EQ(again.bytes().data(), first);
    EXPECT_EQ(pool.kept(), 0u);
}

TEST(BufferPool, KeepsNoMoreThanItsLimit) {
    BufferPool pool(1024, 2);
    {
        const BufferPool::Buffer a = pool.take();
        const BufferPool::Buffer b = pool.take();
        const BufferPool::Buffer c = pool.take();
        EXPECT_EQ(pool.handed_out(), 3u);
    }
    EXPECT_EQ(pool.kept(), 2u);
    EXPECT_EQ(pool.handed_out(), 0u);
}

TEST(BufferPool, AMovedBufferGoesBackOnce) {
    BufferPool pool(1024, 4);
    {
        BufferPool::Buffer a = pool.take();
        BufferPool::Buffer b = std::move(a);
        EXPECT_FALSE(a.valid());
        EXPECT_TRUE(b.valid());
    }
    EXPECT_EQ(pool.kept(), 1u);
}

TEST(BufferPool, ReleaseReturnsTheBufferBeforeTheEndOfItsScope) {
    BufferPool pool(1024, 4);
    BufferPool::Buffer buffer = pool.take();
    buffer.release();
    EXPECT_FALSE(buffer.valid());
    EXPECT_EQ(pool.kept(), 1u);
}

}  // namespace
}  // namespace bro::ring
