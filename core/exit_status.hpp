#pragma once
// How a run ended, exactly: normal exit, death by signal, or a child that never reached exec,
// and its wording for messages and logs. Client-safe: no std::string (core/wire.hpp).

#include <cstdint>
#include <string_view>

namespace bro {

// The step of the child's set-up that failed, so the message can say what to fix.
enum class SpawnStep : std::uint8_t {
    kCreateProcess = 0,
    kRedirectStdio = 1,
    kChangeDirectory = 2,
    kCreateSession = 3,
    kExecute = 4,
    // 5 is unused: it named a server-side preparation step that no server ever reported.
    kSetGroups = 6,       // --user/--as-peer: setgroups
    kSetGroup = 7,        // setresgid
    kSetUser = 8,         // setresuid
    kVerifyIdentity = 9,  // the ids did not stick, or root could be regained
    kApplyProfile = 10,   // an operation of the execution profile (namespaces, mounts, ...)
};

const char* describe(SpawnStep step);
// Whether `value` names a SpawnStep (a decoder's check on what a peer sent).
bool is_spawn_step(std::uint8_t value);

struct ExitStatus {
    enum class Kind : std::uint8_t { kExited = 0, kSignaled = 1, kNotStarted = 2 };
    Kind kind = Kind::kExited;
    int code = 0;  // exit code, or signal number for kSignaled
    bool core_dumped = false;
    SpawnStep failed_step = SpawnStep::kExecute;
    int error_number = 0;  // errno of the failed step
    // The server stopped the run at its --timeout (the status says how it then ended).
    bool timed_out = false;

    static ExitStatus exited(int code) {
        return {Kind::kExited, code, false, SpawnStep::kExecute, 0, false};
    }
    static ExitStatus signaled(int signal, bool core) {
        return {Kind::kSignaled, signal, core, SpawnStep::kExecute, 0, false};
    }
    // The detail text ("execve /usr/bin/tool") travels beside the status in the Exit frame.
    static ExitStatus not_started(SpawnStep step, int error) {
        return {Kind::kNotStarted, 0, false, step, error, false};
    }

    // The status a POSIX shell would report: N, 128+signal, 127 when the program was not
    // found, 126 when it could not be executed; 124 for a run stopped at the server's
    // --timeout, as timeout(1) reports it.
    int shell_code() const;

    bool operator==(const ExitStatus&) const = default;
};

// Builds an ExitStatus from waitid()'s si_code and si_status.
ExitStatus exit_status_from_waitid(int child_code, int child_status);

// An errno value inside a description: each sink words it its own way (the client as
// "No such file or directory (ENOENT)", a server log with strerror alone).
struct ErrorNumber {
    int value;
};

// Words how a run ended, in pieces handed to `sink` in order, so the client (a fixed line
// buffer, no std::string) and the server (a std::string) say it the same way. `sink` is
// called with a std::string_view, an int or an ErrorNumber:
//   exited       "exited with " CODE
//   signaled     "was killed by signal " SIGNAL, then " (core dumped)" if it dumped core
//   not started  "could not " STEP ": " ERRNO, then " (" DETAIL ")" if `detail` is not empty
// The subject ("the program", "pid 42") is the caller's. `timed_out` is not worded: a run
// stopped at the --timeout is reported by whoever stopped or notices it, before this.
template <typename Sink>
void describe_status(const ExitStatus& status, std::string_view detail, Sink&& sink) {
    using std::string_view_literals::operator""sv;
    switch (status.kind) {
        case ExitStatus::Kind::kExited:
            sink("exited with "sv);
            sink(status.code);
            return;
        case ExitStatus::Kind::kSignaled:
            sink("was killed by signal "sv);
            sink(status.code);
            if (status.core_dumped) sink(" (core dumped)"sv);
            return;
        case ExitStatus::Kind::kNotStarted:
            sink("could not "sv);
            sink(std::string_view(describe(status.failed_step)));
            sink(": "sv);
            sink(ErrorNumber{status.error_number});
            if (!detail.empty()) {
                sink(" ("sv);
                sink(detail);
                sink(")"sv);
            }
            return;
    }
}

}  // namespace bro
