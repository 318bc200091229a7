#pragma once
// The directory a child starts in, resolved before the spawn and never on the event loop: the
// caller chooses the path, and a path can lead onto a hung filesystem (a dead NFS server, a
// FUSE daemon that stopped answering), where any system call that touches it waits. So the
// server opens it with an io_uring openat (O_PATH; a lookup that would block runs on an io-wq
// worker) and then asks the filesystem for its attributes (statx AT_STATX_FORCE_SYNC, which
// makes a network or FUSE filesystem answer), both within a deadline, and both with the
// child's own credentials (an io_uring personality), so the answer is the one the child would
// get: the server's rights never tell a caller which paths exist. The child then only
// fchdir()s to the descriptor.
//
// A lookup still waiting at its deadline is abandoned, not cancelled for sure (a request a
// FUSE daemon has read waits until it answers or dies): it keeps an io-wq worker until then.
// So each caller uid may have only kStuckPerCaller of them at a time, and the ring gets that
// many more workers, so other sessions' blocking work never queues behind them.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/unique_fd.hpp"
#include "ring/ring.hpp"
#include "ring/task.hpp"
#include "server/child_identity.hpp"

namespace bro::server {

class DirectoryProbe;

struct ResolvedDirectory {
    UniqueFd fd;    // an O_PATH descriptor of the directory, when it resolved
    int error = 0;  // else why: the lookup's errno, ETIMEDOUT past the deadline, EAGAIN when
                    // the caller has too many lookups stuck already
};

class CwdResolver {
  public:
    static constexpr std::size_t kStuckPerCaller = 4;
    static constexpr std::size_t kStuckInAll = 16;

    // `limit`: how long one resolution may take.
    CwdResolver(ring::Ring& ring, std::chrono::nanoseconds limit);
    ~CwdResolver();
    CwdResolver(const CwdResolver&) = delete;
    CwdResolver& operator=(const CwdResolver&) = delete;

    // Opens `path` as the directory a child with `identity` (nullopt: the server's own) would
    // enter, for caller `caller`.
    ring::Task<ResolvedDirectory> resolve(const std::string& path,
                                          const std::optional<ChildIdentity>& identity,
                                          uid_t caller);
    // Checks that the filesystem behind an open directory descriptor (fd mode: the caller's)
    // answers, the same way.
    ring::Task<ResolvedDirectory> check(int directory, const std::optional<ChildIdentity>& identity,
                                        uid_t caller);
    std::chrono::nanoseconds limit() const { return limit_; }

  private:
    friend class DirectoryProbe;
    ring::Task<ResolvedDirectory> run(DirectoryProbe* probe);
    // The personality id for `identity`, registered on first use; 0 for the server's own.
    int personality_for(const std::optional<ChildIdentity>& identity);
    void abandoned(DirectoryProbe* probe, uid_t caller);
    void finished_abandoned(DirectoryProbe* probe, uid_t caller);

    struct Personality {
        ChildIdentity identity;
        int id;
    };

    ring::Ring& ring_;
    std::chrono::nanoseconds limit_;
    std::vector<Personality> personalities_;  // most recently used last
    std::unordered_map<uid_t, std::size_t> stuck_;
    std::unordered_set<DirectoryProbe*> abandoned_;
    bool workers_added_ = false;
};

}  // namespace bro::server
