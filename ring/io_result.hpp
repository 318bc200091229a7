#pragma once
// The outcome of one io_uring operation, mapped from a CQE's `res` in exactly one place.

#include <cerrno>
#include <system_error>

namespace bro::ring {

class IoResult {
  public:
    explicit IoResult(int res) : res_(is_kernel_restart_code(res) ? -ECANCELED : res) {}

    bool ok() const { return res_ >= 0; }
    explicit operator bool() const { return ok(); }
    // The non-negative result (bytes, fd, ...). Only meaningful when ok().
    int value() const { return res_; }
    std::error_code error() const {
        return res_ < 0 ? std::error_code(-res_, std::system_category()) : std::error_code{};
    }
    bool cancelled() const { return res_ == -ECANCELED; }
    bool timed_out() const { return res_ == -ETIME; }
    int raw() const { return res_; }

    // ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND (512-514) never reach userspace from a
    // syscall, but an io-wq worker interrupted in a blocking call (a SPLICE; seen on 6.18)
    // completes with them: when its operation was cancelled, and also when a signal only
    // stopped the process (SIGSTOP, then SIGCONT). SingleShot tells the two apart by its stop
    // token; whatever reaches an IoResult was cancelled.
    static bool is_kernel_restart_code(int res) { return res <= -512 && res >= -514; }

  private:
    int res_;
};

}  // namespace bro::ring
