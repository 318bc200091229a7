#include "server/cwd_resolution.hpp"

#include <fcntl.h>
#include <linux/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <coroutine>

#include "ring/io_result.hpp"
#include "ring/operations.hpp"

namespace bro::server {

// One resolution: openat (unless it starts from a descriptor), then statx, as one Operation on
// the heap, so it can outlive a session that stopped waiting for it. Each step carries the
// time left as a linked timeout (IORING_OP_LINK_TIMEOUT): the kernel bounds it, and a step
// that ends in time costs no timer of ours and no cancellation round trip.
class DirectoryProbe final : public ring::Operation {
  public:
    DirectoryProbe(CwdResolver& owner, std::string path, UniqueFd opened, int personality,
                   uid_t caller)
        : owner_(owner),
          path_(std::move(path)),
          fd_(std::move(opened)),
          step_(fd_ ? Step::kStat : Step::kOpen),
          personality_(personality),
          caller_(caller),
          deadline_(std::chrono::steady_clock::now() + owner.limit_) {}

    // co_await probe.wait(): true when the deadline passed with a step still waiting in the
    // kernel (the probe then finishes on its own and deletes itself; the awaiter must not
    // touch it again), else the result is ready (take_result()).
    auto wait() {
        struct Awaiter {
            DirectoryProbe& probe;
            bool await_ready() const noexcept { return false; }
            void await_suspend(std::coroutine_handle<> waiter) {
                probe.waiter_ = waiter;
                probe.owner_.ring_.submit(probe);
            }
            bool await_resume() const noexcept { return probe.abandoned_; }
        };
        return Awaiter{*this};
    }

    uid_t caller() const { return caller_; }

    ResolvedDirectory take_result() {
        ResolvedDirectory result;
        result.error = error_;
        if (error_ == 0) result.fd = std::move(fd_);
        return result;
    }

    void prepare(io_uring_sqe& sqe) override {
        if (step_ == Step::kOpen) {
            io_uring_prep_openat(&sqe, AT_FDCWD, path_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC,
                                 0);
        } else {
            // Synced: a network or FUSE filesystem must answer for its attributes.
            io_uring_prep_statx(&sqe, fd_.get(), "", AT_EMPTY_PATH | AT_STATX_FORCE_SYNC,
                                STATX_TYPE, &attributes_);
        }
        sqe.personality = static_cast<std::uint16_t>(personality_);
    }

    const __kernel_timespec* take_link_timeout() override {
        if (owner_.limit_.count() <= 0) return nullptr;  // no deadline
        // Past the deadline (a retried step): a nanosecond, which fires at once.
        const auto left = std::max(std::chrono::nanoseconds(1),
                                   std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       deadline_ - std::chrono::steady_clock::now()));
        left_.tv_sec = left.count() / 1'000'000'000;
        left_.tv_nsec = left.count() % 1'000'000'000;
        timeout_pending_ = true;
        return &left_;
    }

    void link_timeout_complete(int res) override {
        timeout_pending_ = false;
        // Fired: -ETIME when the kernel cancelled the step, else what that cancellation met
        // (-EALREADY: an io-wq worker runs it, and was only signalled).
        timed_out_ = res != -ECANCELED;
        if (step_done_) {
            finish_step();
        } else if (timed_out_) {
            // The kernel could not stop the step (an io-wq worker waiting on the
            // filesystem): its CQE comes when the filesystem answers, maybe never.
            abandon();
        }
    }

    void complete(int res, bool /*more*/) override {
        res_ = res;
        if (abandoned_) {
            // An open that got through after all: its descriptor goes with the probe.
            if (step_ == Step::kOpen && res >= 0) fd_.reset(res);
            owner_.finished_abandoned(this, caller_);  // deletes it
            return;
        }
        step_done_ = true;
        if (!timeout_pending_) finish_step();
    }

  private:
    enum class Step { kOpen, kStat };

    // Both CQEs of a step are in (or the only one, unbounded).
    void finish_step() {
        step_done_ = false;
        const int res = res_;
        const bool interrupted = res == -EINTR || ring::IoResult::is_kernel_restart_code(res);
        if (interrupted && !timed_out_) {
            owner_.ring_.submit(*this);  // with the time that is left
            return;
        }
        if (timed_out_ && (res == -ECANCELED || interrupted)) {
            error_ = ETIMEDOUT;
            fd_.reset();
        } else if (res < 0) {
            error_ = -res;
            fd_.reset();
        } else if (step_ == Step::kOpen) {
            fd_.reset(res);
            step_ = Step::kStat;
            timed_out_ = false;
            owner_.ring_.submit(*this);
            return;
        }
        waiter_.resume();
    }

    // The deadline passed: the waiter goes on without the result, and the probe finishes
    // whenever the kernel lets it.
    void abandon() {
        abandoned_ = true;
        error_ = ETIMEDOUT;
        owner_.abandoned(this, caller_);
        waiter_.resume();
    }

    CwdResolver& owner_;
    std::string path_;  // the path with "/." appended: the walk checks entry into it too
    UniqueFd fd_;
    Step step_;
    int personality_;
    uid_t caller_;
    std::chrono::steady_clock::time_point deadline_;
    __kernel_timespec left_{};
    struct statx attributes_ {};
    int res_ = 0;
    int error_ = 0;
    bool step_done_ = false;
    bool timeout_pending_ = false;
    bool timed_out_ = false;
    bool abandoned_ = false;
    std::coroutine_handle<> waiter_;
};

namespace {

// Changes this thread's filesystem credentials for as long as it lives, with raw system calls
// that change this thread only (glibc's setgroups would signal every thread of the process).
class FilesystemIdentity {
  public:
    explicit FilesystemIdentity(const ChildIdentity& target)
        : old_uid_(static_cast<uid_t>(syscall(SYS_setfsuid, -1))),
          old_gid_(static_cast<gid_t>(syscall(SYS_setfsgid, -1))) {
        const long count = syscall(SYS_getgroups, 0, nullptr);
        old_groups_.resize(count > 0 ? static_cast<std::size_t>(count) : 0);
        if (count > 0) syscall(SYS_getgroups, count, old_groups_.data());
        syscall(SYS_setgroups, target.groups.size(), target.groups.data());
        syscall(SYS_setfsgid, target.gid);
        syscall(SYS_setfsuid, target.uid);
        // setfsuid reports no error: read the ids back.
        taken_ = static_cast<uid_t>(syscall(SYS_setfsuid, -1)) == target.uid &&
                 static_cast<gid_t>(syscall(SYS_setfsgid, -1)) == target.gid;
    }
    ~FilesystemIdentity() {
        syscall(SYS_setfsuid, old_uid_);
        syscall(SYS_setfsgid, old_gid_);
        syscall(SYS_setgroups, old_groups_.size(), old_groups_.data());
    }
    FilesystemIdentity(const FilesystemIdentity&) = delete;
    FilesystemIdentity& operator=(const FilesystemIdentity&) = delete;
    bool taken() const { return taken_; }

  private:
    uid_t old_uid_;
    gid_t old_gid_;
    std::vector<gid_t> old_groups_;
    bool taken_ = false;
};

bool same_identity(const ChildIdentity& a, const ChildIdentity& b) {
    return a.uid == b.uid && a.gid == b.gid && a.groups == b.groups;
}

constexpr std::size_t kPersonalities = 16;

}  // namespace

CwdResolver::CwdResolver(ring::Ring& ring, std::chrono::nanoseconds limit)
    : ring_(ring), limit_(limit) {}

CwdResolver::~CwdResolver() {
    // The ring runs no more completions once the server is gone: what is still in the kernel
    // will never reach these.
    for (DirectoryProbe* probe : abandoned_) delete probe;
    for (const auto& personality : personalities_) ring_.unregister_personality(personality.id);
}

ring::Task<ResolvedDirectory> CwdResolver::resolve(const std::string& path,
                                                   const std::optional<ChildIdentity>& identity,
                                                   uid_t caller) {
    if (path.empty()) co_return ResolvedDirectory{{}, ENOENT};
    const int personality = personality_for(identity);
    if (personality < 0) co_return ResolvedDirectory{{}, -personality};
    co_return co_await run(new DirectoryProbe(*this, path + "/.", {}, personality, caller));
}

ring::Task<ResolvedDirectory> CwdResolver::check(int directory,
                                                 const std::optional<ChildIdentity>& identity,
                                                 uid_t caller) {
    // A copy of its own: an abandoned probe may outlive the caller's descriptor.
    UniqueFd copy(::fcntl(directory, F_DUPFD_CLOEXEC, 0));
    if (!copy) co_return ResolvedDirectory{{}, errno};
    const int personality = personality_for(identity);
    if (personality < 0) co_return ResolvedDirectory{{}, -personality};
    co_return co_await run(new DirectoryProbe(*this, {}, std::move(copy), personality, caller));
}

ring::Task<ResolvedDirectory> CwdResolver::run(DirectoryProbe* probe) {
    const auto mine = stuck_.find(probe->caller());
    if ((mine != stuck_.end() && mine->second >= kStuckPerCaller) ||
        abandoned_.size() >= kStuckInAll) {
        delete probe;
        co_return ResolvedDirectory{{}, EAGAIN};
    }
    if (!workers_added_) workers_added_ = ring_.add_bounded_workers(kStuckInAll);
    const bool abandoned = co_await probe->wait();
    if (abandoned) co_return ResolvedDirectory{{}, ETIMEDOUT};
    ResolvedDirectory result = probe->take_result();
    delete probe;
    co_return result;
}

int CwdResolver::personality_for(const std::optional<ChildIdentity>& identity) {
    if (!identity) return 0;
    const auto known =
        std::find_if(personalities_.begin(), personalities_.end(),
                     [&](const Personality& p) { return same_identity(p.identity, *identity); });
    if (known != personalities_.end()) {
        std::rotate(known, known + 1, personalities_.end());  // most recently used last
        return personalities_.back().id;
    }
    int id = -EPERM;
    {
        const FilesystemIdentity as_child(*identity);
        if (as_child.taken()) id = ring_.register_personality();
    }
    if (id <= 0) return id < 0 ? id : -EPERM;
    if (personalities_.size() == kPersonalities) {
        ring_.unregister_personality(personalities_.front().id);
        personalities_.erase(personalities_.begin());
    }
    personalities_.push_back({*identity, id});
    return id;
}

void CwdResolver::abandoned(DirectoryProbe* probe, uid_t caller) {
    abandoned_.insert(probe);
    ++stuck_[caller];
}

void CwdResolver::finished_abandoned(DirectoryProbe* probe, uid_t caller) {
    abandoned_.erase(probe);
    if (--stuck_[caller] == 0) stuck_.erase(caller);
    delete probe;
}

}  // namespace bro::server
