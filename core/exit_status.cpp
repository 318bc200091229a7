#include "core/exit_status.hpp"

#include <cerrno>
#include <csignal>

namespace bro {

const char* describe(SpawnStep step) {
    switch (step) {
        case SpawnStep::kCreateProcess:
            return "create the process";
        case SpawnStep::kRedirectStdio:
            return "set up stdin/stdout/stderr";
        case SpawnStep::kChangeDirectory:
            return "change to the working directory";
        case SpawnStep::kCreateSession:
            return "start a new session";
        case SpawnStep::kExecute:
            return "execute the program";
        case SpawnStep::kSetGroups:
            return "set the supplementary groups";
        case SpawnStep::kSetGroup:
            return "switch to the group";
        case SpawnStep::kSetUser:
            return "switch to the user";
        case SpawnStep::kVerifyIdentity:
            return "verify the identity change";
        case SpawnStep::kApplyProfile:
            return "apply the execution profile";
    }
    return "unknown step";
}

bool is_spawn_step(std::uint8_t value) {
    return value <= static_cast<std::uint8_t>(SpawnStep::kApplyProfile) && value != 5;
}

int ExitStatus::shell_code() const {
    if (timed_out) return 124;
    switch (kind) {
        case Kind::kExited:
            return code & 0xff;
        case Kind::kSignaled:
            return 128 + code;
        case Kind::kNotStarted:
            if (failed_step == SpawnStep::kExecute && error_number == ENOENT) return 127;
            return 126;
    }
    return 126;
}

ExitStatus exit_status_from_waitid(int child_code, int child_status) {
    switch (child_code) {
        case CLD_EXITED:
            return ExitStatus::exited(child_status);
        case CLD_DUMPED:
            return ExitStatus::signaled(child_status, true);
        default:
            return ExitStatus::signaled(child_status, false);  // CLD_KILLED
    }
}

}  // namespace bro
