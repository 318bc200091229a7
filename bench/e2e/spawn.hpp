#pragma once
// Starting a measured program with posix_spawn and waiting for it: its argv, its environment
// block, its stdin/stdout.

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace bro::e2e {

// Strings and the null-terminated array of pointers into them that exec wants. Not copyable:
// the pointers point into strings_ (a move keeps them valid, since the strings' buffers move
// with the vector's).
class ExecStrings {
  public:
    explicit ExecStrings(std::vector<std::string> strings);
    ExecStrings(ExecStrings&&) noexcept = default;
    ExecStrings(const ExecStrings&) = delete;
    ExecStrings& operator=(const ExecStrings&) = delete;
    char* const* get() const { return pointers_.data(); }
    const char* front() const { return strings_.front().c_str(); }

  private:
    std::vector<std::string> strings_;
    std::vector<char*> pointers_;
};

// A program's argv. argv[0] is the path that is executed: posix_spawn, not posix_spawnp, so no
// PATH search.
class Argv {
  public:
    explicit Argv(std::vector<std::string> args) : strings_(std::move(args)) {}
    char* const* get() const { return strings_.get(); }
    const char* program() const { return strings_.front(); }

  private:
    ExecStrings strings_;
};

// Whether an environment block starts from ours (without BRO_* variables) or from nothing.
enum class Inherit { kCallers, kNothing };

// An environment block: the inherited part plus `extra`. Both Argv and Environment are
// move-only, as ExecStrings is.
class Environment {
  public:
    explicit Environment(const std::vector<std::string>& extra,
                         Inherit inherit = Inherit::kCallers);
    char* const* get() const { return strings_.get(); }

  private:
    ExecStrings strings_;
};

// The child's stdin/stdout; stderr is inherited so failures stay visible, unless quiet.
struct Stdio {
    int in = -1;   // -1: /dev/null
    int out = -1;  // -1: /dev/null
    bool quiet_stderr = false;
};

pid_t spawn(const Argv& argv, const Environment& env, Stdio stdio);

// waitpid, retried on EINTR; returns the wait status. With `cpu_seconds`, adds the child's
// user and system time (its own and its reaped children's: wait4's rusage).
int wait_for(pid_t pid, double* cpu_seconds = nullptr);

// Throws unless `status` is a normal exit with `expected`; `what` names the program.
void expect_success(int status, const char* what, int expected = 0);

}  // namespace bro::e2e
