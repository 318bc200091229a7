#pragma once
// How many descriptors the server can still give sessions. A session is admitted only with a
// share of RLIMIT_NOFILE in hand (kPerSession: its socket, pipes, splice pipe, pidfd, working
// directory and cgroup at the busiest moment, just before the spawn), and holds the
// descriptors an fd-mode request brings on top of that until its child has them. kReserved
// stay for the process itself (ring, signalfd, log, the standard streams), and kPerServer more
// for each tool it serves (its listening socket, the spare descriptor that lets it answer
// "busy" when even accept() fails).
//
// One budget per process, shared by the Servers of every tool: they draw on one
// RLIMIT_NOFILE. So a server short of descriptors refuses a caller at accept, with a reason the
// client prints, instead of failing in the middle of a call.

#include <cstddef>
#include <string>

namespace bro::server {

class DescriptorBudget {
  public:
    static constexpr std::size_t kPerSession = 16;
    static constexpr std::size_t kReserved = 16;
    static constexpr std::size_t kPerServer = 2;

    // Until told the limit, every session fits.
    void set_limit(std::size_t rlimit_nofile) { limit_ = rlimit_nofile; }
    std::size_t limit() const { return limit_; }
    std::size_t in_use() const { return in_use_; }
    // One more Server (tool) draws on this budget: its own descriptors stay out of sessions'
    // reach.
    void add_server() { reserved_ += kPerServer; }
    // What sessions may never have: kReserved, and kPerServer for each Server.
    std::size_t reserved() const { return reserved_; }

    // Whether `count` more descriptors fit.
    bool fits(std::size_t count) const;
    void take(std::size_t count) { in_use_ += count; }
    void give_back(std::size_t count) { in_use_ -= count < in_use_ ? count : in_use_; }
    // "the server is busy: ..." for a caller refused for want of descriptors.
    std::string busy_reason() const;

  private:
    std::size_t limit_ = static_cast<std::size_t>(-1);
    std::size_t in_use_ = 0;
    std::size_t reserved_ = kReserved;
};

}  // namespace bro::server
