#pragma once
// A filesystem that never answers, standing in for a dead NFS server or a hung FUSE daemon: a
// FUSE mount whose daemon (a thread of the test) answers FUSE_INIT and reads every later
// request without replying, so whatever touches the mount waits in the kernel. It needs only
// root and /dev/fuse, no libfuse: the daemon speaks the kernel's protocol (<linux/fuse.h>).
//
// Closing the daemon's /dev/fuse descriptor aborts the connection: every waiting request
// fails with ENOTCONN, which releases whoever the test left waiting. The destructor does that,
// then detaches the mount.

#include <atomic>
#include <optional>
#include <string>
#include <thread>

#include "core/unique_fd.hpp"

namespace bro::test {

class HungMount {
  public:
    // Why a HungMount cannot be made here ("needs root", "no /dev/fuse"), or nullopt.
    static std::optional<std::string> why_unavailable();

    // Mounts on `mountpoint` (an empty directory); throws std::runtime_error on failure.
    explicit HungMount(const std::string& mountpoint);
    ~HungMount();
    HungMount(const HungMount&) = delete;
    HungMount& operator=(const HungMount&) = delete;

    const std::string& path() const { return mountpoint_; }
    // Requests after FUSE_INIT that the daemon read and left unanswered.
    int unanswered() const { return unanswered_.load(); }
    // Fails every waiting request and every later one (the mount stays until destruction).
    void abort();

  private:
    void serve();

    std::string mountpoint_;
    UniqueFd device_;
    UniqueFd stop_;  // an eventfd: the daemon thread ends when it is readable
    std::atomic<int> unanswered_{0};
    std::thread daemon_;
};

}  // namespace bro::test
