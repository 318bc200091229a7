#pragma once
// Removes session directories on a thread of its own, never on the event loop: a program can
// leave any tree in its directory (200,000 files, 10,000 levels), and removing it takes as long
// as it takes without delaying anyone else's call.
//
// A session awaits its removal (remove()): the private copies are gone before its caller
// hears of the exit. Paths that cannot wait (a destructor) queue it (remove_later()). The
// thread starts with the first removal; destruction finishes the queue, then joins it. The
// thread logs what it could not remove.

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "core/unique_fd.hpp"
#include "ring/ring.hpp"
#include "ring/task.hpp"

namespace bro::server {

class DirectoryRemover {
  public:
    DirectoryRemover() = default;
    ~DirectoryRemover();
    DirectoryRemover(const DirectoryRemover&) = delete;
    DirectoryRemover& operator=(const DirectoryRemover&) = delete;

    // Removes `tmpdir`/`name` and everything in it; completes on `ring` once that is done (or
    // could not be, which the thread logs).
    ring::Task<void> remove(ring::Ring& ring, std::string tmpdir, std::string name);
    // Queues the removal and returns at once.
    void remove_later(std::string tmpdir, std::string name);
    // Blocks until every queued removal is done (tests and the fuzzer check the result).
    void wait_until_idle();

  private:
    struct Job {
        std::string tmpdir;
        std::string name;
        int done = -1;  // an eventfd written when the job is finished, or -1
    };

    void queue(Job job);
    void work();

    std::mutex mutex_;
    std::condition_variable wake_;  // work to do, or stopping
    std::condition_variable idle_;  // the queue ran empty
    std::deque<Job> jobs_;
    bool busy_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace bro::server
