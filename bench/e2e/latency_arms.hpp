#pragma once
// The ways the latency loop runs `true`, one arm each, and the differences between arms it
// reports as the cost of one step. The concurrency arm reuses two of these arms.

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "bench/e2e/invocation.hpp"
#include "bench/e2e/route.hpp"
#include "bench/e2e/temp_dir.hpp"

namespace bro::e2e {

// How `true` is started. kExec: /bin/true itself. The others run bro-client with the route's
// settings: in its environment (kEnv), exported by a bash wrapper script that execs it
// (kScript), or as the lines of a wrapper file whose #! line names it (kWrapperFile).
// kS6Sudo: the peer, s6-sudo against an s6-ipcserver + s6-sudod for /bin/true.
enum class Via { kExec, kEnv, kScript, kWrapperFile, kS6Sudo };

// bro-client's exit code when it cannot reach the server (client/exit_code.hpp).
inline constexpr int kClientFailureExit = 125;

struct LatencyArm {
    const char* key = "";
    const char* label = "";
    Via via = Via::kExec;
    Route route = Route::kNone;
    int expected_exit = 0;
    double target = 0;  // the ceiling for the ratio of medians to direct; 0: none
};

// The latency loop's arms, in the order of its rotation and of the report. "direct" first: the
// other arms' ratios are to it.
inline constexpr auto kLatencyArms = std::to_array<LatencyArm>({
    {"direct", "`/bin/true` direct", Via::kExec, Route::kNone, 0, 0},
    {"content", "bro content mode, bro-client + env", Via::kEnv, Route::kContent, 0, 1.5},
    {"fd", "bro fd mode, bro-client + env", Via::kEnv, Route::kFd, 0, 1.4},
    {"content_script", "bro content mode, bash wrapper script", Via::kScript, Route::kContent, 0,
     0},
    {"fd_script", "bro fd mode, bash wrapper script", Via::kScript, Route::kFd, 0, 0},
    {"content_wrapper_file", "bro content mode, wrapper file", Via::kWrapperFile, Route::kContent,
     0, 0},
    {"fd_wrapper_file", "bro fd mode, wrapper file", Via::kWrapperFile, Route::kFd, 0, 1.45},
    {"auto_fallback", "bro auto against a content-only server (fd attempt + fallback)", Via::kEnv,
     Route::kAuto, 0, 0},
    {"s6_sudo", "peer: s6-sudo (s6-ipcserver + s6-sudod, passes fds)", Via::kS6Sudo, Route::kNone,
     0, 0},
    {"client_only", "bro-client alone (no server, connect fails)", Via::kEnv, Route::kAbsent,
     kClientFailureExit, 0},
});
inline constexpr std::size_t kLatencyArmCount = kLatencyArms.size();

constexpr std::size_t arm_index(std::string_view key) {
    for (std::size_t i = 0; i < kLatencyArmCount; ++i) {
        if (kLatencyArms[i].key == key) return i;
    }
    throw std::logic_error("no such latency arm");  // in a constant expression: a build error
}

inline constexpr std::size_t kDirectArm = arm_index("direct");

// Differences of medians between two latency arms: what one step costs.
struct Difference {
    const char* key = "";
    const char* label = "";
    std::size_t arm = 0;
    std::size_t base = 0;
};

inline constexpr auto kDifferences = std::to_array<Difference>({
    {"fallback_cost", "auto fallback: auto against a content-only server - pinned content",
     arm_index("auto_fallback"), arm_index("content")},
    {"fd_script_cost", "bash wrapper script, fd mode: script - bro-client + env",
     arm_index("fd_script"), arm_index("fd")},
    {"fd_wrapper_file_cost", "wrapper file, fd mode: wrapper file - bro-client + env",
     arm_index("fd_wrapper_file"), arm_index("fd")},
    {"content_script_cost", "bash wrapper script, content mode: script - bro-client + env",
     arm_index("content_script"), arm_index("content")},
    {"content_wrapper_file_cost", "wrapper file, content mode: wrapper file - bro-client + env",
     arm_index("content_wrapper_file"), arm_index("content")},
    {"fd_saving", "fd mode instead of content mode: content - fd (bro-client + env)",
     arm_index("content"), arm_index("fd")},
});
inline constexpr std::size_t kDifferenceCount = kDifferences.size();

// One Invocation per latency arm, in kLatencyArms' order. The wrapper scripts and files are
// written into `dir`, named after their arm's key.
std::vector<Invocation> make_latency_invocations(const Endpoints& e, TempDir& dir);

}  // namespace bro::e2e
