#include "ring/ring.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <system_error>

#include "ring/io_uring_refusal.hpp"

namespace bro::ring {
namespace {

// IORING_OP_WAITID is opcode 50 (kernel 6.7); Debian's liburing 2.3 predates it.
constexpr int kOpWaitid = 50;

bool kernel_at_least(int major, int minor) {
    utsname info{};
    if (uname(&info) != 0) return false;
    int have_major = 0, have_minor = 0;
    if (std::sscanf(info.release, "%d.%d", &have_major, &have_minor) != 2) return false;
    return have_major > major || (have_major == major && have_minor >= minor);
}

// Tries the fastest set-up flags first and falls back when the kernel refuses them.
unsigned init_ring(io_uring& ring, const RingOptions& options, RingFeatures& features) {
    const std::array<unsigned, 3> attempts = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_SINGLE_ISSUER, 0u};
    int last_error = 0;
    for (unsigned flags : attempts) {
        io_uring_params params{};
        params.flags = flags | IORING_SETUP_CQSIZE;
        params.cq_entries = options.completion_entries;
        last_error = io_uring_queue_init_params(options.submission_entries, &ring, &params);
        if (last_error == 0) {
            features.single_issuer = flags & IORING_SETUP_SINGLE_ISSUER;
            features.defer_taskrun = flags & IORING_SETUP_DEFER_TASKRUN;
            return params.cq_entries;
        }
        if (last_error != -EINVAL) break;
    }
    throw RingUnavailable(explain_io_uring_refusal(-last_error));
}

void probe_opcodes(io_uring& ring, RingFeatures& features) {
    io_uring_probe* probe = io_uring_get_probe_ring(&ring);
    if (probe) {
        features.waitid = io_uring_opcode_supported(probe, kOpWaitid);
        io_uring_free_probe(probe);
    }
    features.multishot_accept = kernel_at_least(5, 19);
    features.cancel_by_fd = kernel_at_least(5, 19);
}

// Used for internal requests (cancellations) whose completions nobody awaits.
constexpr std::uint64_t kIgnoredUserData = 0;
// Set in the user data of a linked timeout, whose CQE goes to the Operation it bounds
// (Operations are at least 8-byte aligned, so the low bit is free).
constexpr std::uint64_t kLinkTimeoutTag = 1;

}  // namespace

std::string RingFeatures::describe() const {
    std::string s;
    auto add = [&](const char* name, bool on) {
        if (!s.empty()) s += ' ';
        s += on ? "+" : "-";
        s += name;
    };
    add("waitid", waitid);
    add("multishot-accept", multishot_accept);
    add("cancel-fd", cancel_by_fd);
    add("defer-taskrun", defer_taskrun);
    add("single-issuer", single_issuer);
    return s;
}

Ring::Ring(RingOptions options) : buffers_(options.buffer_bytes, options.kept_buffers) {
    const unsigned cq_entries = init_ring(ring_, options, features_);
    probe_opcodes(ring_, features_);
    if (options.adjust_features) options.adjust_features(features_);
    // Cancellation requests also post CQEs: keep room for one per in-flight operation.
    capacity_ = cq_entries / 2;
}

Ring::~Ring() {
    io_uring_queue_exit(&ring_);
}

io_uring_sqe& Ring::next_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (!sqe) {
        // The submission queue is full: hand it to the kernel and take a fresh slot.
        io_uring_submit(&ring_);
        sqe = io_uring_get_sqe(&ring_);
    }
    if (!sqe) throw std::runtime_error("io_uring submission queue stays full");
    return *sqe;
}

void Ring::start(Operation& op) {
    // A linked pair must go into one submission: with a single free slot, next_sqe() would
    // submit the request alone, linked to whatever comes next.
    if (io_uring_sq_space_left(&ring_) < 2) io_uring_submit(&ring_);
    io_uring_sqe& sqe = next_sqe();
    op.prepare(sqe);
    io_uring_sqe_set_data(&sqe, &op);
    ++in_flight_;
    const __kernel_timespec* limit = op.take_link_timeout();
    if (limit == nullptr) return;
    sqe.flags |= IOSQE_IO_LINK;
    io_uring_sqe& timeout = next_sqe();
    io_uring_prep_link_timeout(&timeout, const_cast<__kernel_timespec*>(limit), 0);
    io_uring_sqe_set_data64(&timeout, reinterpret_cast<std::uint64_t>(&op) | kLinkTimeoutTag);
    ++in_flight_;
}

void Ring::submit(Operation& op) {
    if (in_flight_ < capacity_ && backlog_.empty()) {
        start(op);
    } else {
        backlog_.push_back(&op);
    }
}

void Ring::drain_backlog() {
    while (!backlog_.empty() && in_flight_ < capacity_) {
        Operation* op = backlog_.front();
        backlog_.pop_front();
        start(*op);
    }
}

void Ring::cancel(Operation& op) {
    op.cancel_requested();
    const auto queued = std::find(backlog_.begin(), backlog_.end(), &op);
    if (queued != backlog_.end()) {
        backlog_.erase(queued);
        cancelled_backlog_.push_back(&op);
        return;
    }
    io_uring_sqe& sqe = next_sqe();
    io_uring_prep_cancel(&sqe, &op, 0);
    io_uring_sqe_set_data64(&sqe, kIgnoredUserData);
}

void Ring::cancel_fd(int fd) {
    std::erase_if(backlog_, [&](Operation* op) {
        if (op->fd() != fd) return false;
        cancelled_backlog_.push_back(op);
        return true;
    });
    io_uring_sqe& sqe = next_sqe();
    io_uring_prep_cancel_fd(&sqe, fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(&sqe, kIgnoredUserData);
}

void Ring::complete_cancelled_backlog() {
    // Swapped out first: a completion may cancel more.
    std::vector<Operation*> cancelled;
    cancelled.swap(cancelled_backlog_);
    for (Operation* op : cancelled) op->complete(-ECANCELED, false);
}

int Ring::register_personality() {
    return io_uring_register_personality(&ring_);
}

void Ring::unregister_personality(int id) {
    io_uring_unregister_personality(&ring_, id);
}

bool Ring::add_bounded_workers(unsigned extra) {
    unsigned limits[2] = {0, 0};  // zeros read the current limits
    if (io_uring_register_iowq_max_workers(&ring_, limits) != 0) return false;
    limits[0] += extra;
    limits[1] = 0;  // unbounded workers: unchanged
    return io_uring_register_iowq_max_workers(&ring_, limits) == 0;
}

void Ring::run_once(bool wait) {
    if (!cancelled_backlog_.empty()) {
        complete_cancelled_backlog();
        wait = false;
    }
    if (!ready_.empty()) {
        auto ready = std::move(ready_);
        ready_.clear();
        for (auto h : ready) h.resume();
        wait = false;
    }
    // Not io_uring_submit(): with DEFER_TASKRUN the kernel posts asynchronous completions only
    // when the ring is entered with GETEVENTS, so a non-waiting pass would never see them, and
    // coroutines that keep posting would starve all I/O.
    const int submitted =
        wait ? io_uring_submit_and_wait(&ring_, 1) : io_uring_submit_and_get_events(&ring_);
    if (submitted < 0 && submitted != -EINTR && submitted != -EAGAIN && submitted != -EBUSY) {
        throw std::system_error(-submitted, std::system_category(), "io_uring_submit_and_wait");
    }
    // Copy the batch out first: a resumed coroutine may submit and even reap again.
    struct Completion {
        std::uint64_t user_data;
        int res;
        unsigned flags;
    };
    std::array<Completion, 64> batch;
    for (;;) {
        std::size_t count = 0;
        unsigned head;
        io_uring_cqe* cqe;
        io_uring_for_each_cqe(&ring_, head, cqe) {
            batch[count++] = {cqe->user_data, cqe->res, cqe->flags};
            if (count == batch.size()) break;
        }
        io_uring_cq_advance(&ring_, static_cast<unsigned>(count));
        for (std::size_t i = 0; i < count; ++i) {
            const auto& c = batch[i];
            if (c.user_data == kIgnoredUserData) continue;
            if (c.user_data & kLinkTimeoutTag) {
                --in_flight_;
                reinterpret_cast<Operation*>(c.user_data & ~kLinkTimeoutTag)
                    ->link_timeout_complete(c.res);
                continue;
            }
            const bool more = c.flags & IORING_CQE_F_MORE;
            if (!more) --in_flight_;
            reinterpret_cast<Operation*>(c.user_data)->complete(c.res, more);
        }
        drain_backlog();
        if (count < batch.size()) break;
    }
}

bool Ring::run_until(const std::function<bool()>& done) {
    while (!done()) {
        if (in_flight_ == 0 && ready_.empty() && backlog_.empty() && cancelled_backlog_.empty()) {
            return false;
        }
        run_once(true);
    }
    return true;
}

// A self-destroying coroutine that owns one spawned task.
struct DetachedTask {
    struct promise_type {
        DetachedTask get_return_object() noexcept { return {}; }
        std::suspend_never initial_suspend() noexcept { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
};

DetachedTask Ring::run_detached(Ring& ring, Task<void> task) {
    try {
        co_await std::move(task);
    } catch (...) {
        if (ring.on_detached_error) ring.on_detached_error(std::current_exception());
    }
    --ring.detached_;
}

void Ring::spawn(Task<void> task) {
    ++detached_;
    run_detached(*this, std::move(task));
}

}  // namespace bro::ring
