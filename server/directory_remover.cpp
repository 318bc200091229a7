#include "server/directory_remover.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <vector>

#include "ring/operations.hpp"
#include "server/directory_tree_removal.hpp"

namespace bro::server {
namespace {

void remove_now(const std::string& tmpdir, const std::string& name) {
    const std::string path = tmpdir + "/" + name;
    std::vector<std::string> errors;
    const UniqueFd parent(::open(tmpdir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent) {
        errors.push_back("open " + tmpdir + ": " + std::strerror(errno));
    } else {
        remove_directory_tree(parent.get(), name, path, errors);
    }
    for (const auto& error : errors) {
        spdlog::warn("session directory {} not fully removed: {}", path, error);
    }
}

}  // namespace

DirectoryRemover::~DirectoryRemover() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

ring::Task<void> DirectoryRemover::remove(ring::Ring& ring, std::string tmpdir, std::string name) {
    const UniqueFd done(::eventfd(0, EFD_CLOEXEC));
    if (!done) {  // out of descriptors: still removed, only not awaited
        remove_later(std::move(tmpdir), std::move(name));
        co_return;
    }
    queue({std::move(tmpdir), std::move(name), done.get()});
    std::uint64_t count = 0;
    const auto buffer = std::span(reinterpret_cast<std::uint8_t*>(&count), sizeof count);
    for (;;) {
        // The thread writes exactly once, after the job; only that ends the wait, since the
        // job refers to `done` until then.
        const ring::IoResult got = co_await ring::Read(ring, done.get(), buffer);
        if (got && got.value() == sizeof count) break;
        if (!got && !got.cancelled() && got.raw() != -EINTR) {
            throw std::system_error(got.error(), "read the directory removal's eventfd");
        }
    }
}

void DirectoryRemover::remove_later(std::string tmpdir, std::string name) {
    queue({std::move(tmpdir), std::move(name), -1});
}

void DirectoryRemover::wait_until_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [&] { return jobs_.empty() && !busy_; });
}

void DirectoryRemover::queue(Job job) {
    {
        const std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
        if (!thread_.joinable()) thread_ = std::thread([this] { work(); });
    }
    wake_.notify_one();
}

void DirectoryRemover::work() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping, and nothing left to do
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        busy_ = true;
        lock.unlock();
        remove_now(job.tmpdir, job.name);
        if (job.done >= 0) {
            const std::uint64_t one = 1;
            (void)!::write(job.done, &one, sizeof one);
        }
        lock.lock();
        busy_ = false;
        if (jobs_.empty()) idle_.notify_all();
    }
}

}  // namespace bro::server
