#include "ring/when_all.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "bounded_run.hpp"
#include "ring/operations.hpp"
#include "test_fds.hpp"

namespace bro::ring {
namespace {

class WhenAllTest : public ::testing::Test {
  protected:
    // Waits for one byte on `fd`, then logs `name`.
    Task<void> read_then_log(int fd, std::string name) {
        std::array<std::uint8_t, 1> byte{};
        co_await Read(ring_, fd, byte);
        log_.push_back(name);
    }

    Ring ring_;
    std::vector<std::string> log_;
};

TEST_F(WhenAllTest, RunsEveryTask) {
    std::vector<bool> ran(3, false);
    auto mark = [&](int i) -> Task<void> {
        ran[i] = true;
        co_return;
    };
    std::vector<Task<void>> tasks;
    for (int i = 0; i < 3; ++i) tasks.push_back(mark(i));
    run_within(ring_, when_all(std::move(tasks)));
    EXPECT_EQ(ran, std::vector<bool>({true, true, true}));
}

TEST_F(WhenAllTest, ResumesTheParentOnlyAfterTheLastTaskFinishes) {
    std::array<Pipe, 3> pipes{make_pipe(), make_pipe(), make_pipe()};
    auto parent = [&]() -> Task<void> {
        std::vector<Task<void>> tasks;
        for (int i = 0; i < 3; ++i) {
            tasks.push_back(read_then_log(pipes[i].read_end.get(), "task " + std::to_string(i)));
        }
        co_await when_all(std::move(tasks));
        log_.push_back("parent");
    };
    ring_.spawn(parent());
    // Finish the tasks in reverse order, one at a time.
    for (int i = 2; i >= 0; --i) {
        const std::size_t before = log_.size();
        write_all(pipes[i].write_end.get(), "x");
        ASSERT_TRUE(run_until_within(ring_, [&] { return log_.size() > before; }));
        if (i > 0) {
            EXPECT_NE(log_.back(), "parent") << "parent resumed with tasks still running";
        }
    }
    ASSERT_TRUE(run_until_within(ring_, [&] { return ring_.detached_tasks() == 0; }));
    EXPECT_EQ(log_, std::vector<std::string>({"task 2", "task 1", "task 0", "parent"}));
}

TEST_F(WhenAllTest, CompletesWithoutTheRingWhenEveryTaskFinishesSynchronously) {
    int finished = 0;
    auto immediate = [&]() -> Task<void> {
        ++finished;
        co_return;
    };
    std::vector<Task<void>> tasks;
    for (int i = 0; i < 4; ++i) tasks.push_back(immediate());
    Task<void> all = when_all(std::move(tasks));
    all.handle().resume();
    EXPECT_TRUE(all.done()) << "when_all suspended although nothing was pending";
    EXPECT_EQ(finished, 4);
}

TEST_F(WhenAllTest, RethrowsAnExceptionOnlyAfterEveryTaskFinished) {
    Pipe slow = make_pipe();
    auto failing = []() -> Task<void> {
        throw std::runtime_error("first task failed");
        co_return;
    };
    std::string caught;
    std::vector<std::string> log_when_caught;
    auto parent = [&]() -> Task<void> {
        std::vector<Task<void>> tasks;
        tasks.push_back(failing());
        tasks.push_back(read_then_log(slow.read_end.get(), "slow task"));
        try {
            co_await when_all(std::move(tasks));
        } catch (const std::runtime_error& e) {
            caught = e.what();
            log_when_caught = log_;
        }
    };
    ring_.spawn(parent());
    ring_.run_once(false);
    EXPECT_TRUE(caught.empty()) << "rethrown while the slow task was still running";
    write_all(slow.write_end.get(), "x");
    ASSERT_TRUE(run_until_within(ring_, [&] { return ring_.detached_tasks() == 0; }));
    EXPECT_EQ(caught, "first task failed");
    EXPECT_EQ(log_when_caught, std::vector<std::string>({"slow task"}));
}

TEST_F(WhenAllTest, RethrowsTheFirstExceptionWhenSeveralTasksFail) {
    auto failing = [](std::string message) -> Task<void> {
        throw std::runtime_error(message);
        co_return;
    };
    std::vector<Task<void>> tasks;
    tasks.push_back(failing("first"));
    tasks.push_back(failing("second"));
    std::string caught;
    auto parent = [&]() -> Task<void> {
        try {
            co_await when_all(std::move(tasks));
        } catch (const std::runtime_error& e) {
            caught = e.what();
        }
    };
    run_within(ring_, parent());
    EXPECT_EQ(caught, "first");
}

TEST_F(WhenAllTest, TakesTasksDirectly) {
    std::array<Pipe, 2> pipes{make_pipe(), make_pipe()};
    auto parent = [&]() -> Task<void> {
        co_await when_all(read_then_log(pipes[0].read_end.get(), "first"),
                          read_then_log(pipes[1].read_end.get(), "second"));
        log_.push_back("parent");
    };
    ring_.spawn(parent());
    write_all(pipes[1].write_end.get(), "x");
    write_all(pipes[0].write_end.get(), "x");
    ASSERT_TRUE(run_until_within(ring_, [&] { return ring_.detached_tasks() == 0; }));
    ASSERT_EQ(log_.size(), 3u);
    EXPECT_EQ(log_.back(), "parent");
}

TEST_F(WhenAllTest, EmptyVectorCompletesAtOnce) {
    Task<void> all = when_all({});
    all.handle().resume();
    EXPECT_TRUE(all.done());
}

}  // namespace
}  // namespace bro::ring
