#include "client/exit_code.hpp"

namespace bro::client {

int exit_code_for(const ExitStatus& status, std::string_view detail,
                  const Diagnostics& diagnostics) {
    if (status.timed_out) {
        diagnostics.error("the program ran past the server's --timeout and was stopped");
        return status.shell_code();
    }
    switch (status.kind) {
        case ExitStatus::Kind::kExited:
            diagnostics.debug("the program exited with ", status.code);
            break;
        case ExitStatus::Kind::kSignaled:
            diagnostics.debug("the program was killed by signal ", status.code,
                              status.core_dumped ? " (core dumped)" : "", "; so is bro-client");
            // A parent then sees WIFSIGNALED and a shell 128+N, as for a local program.
            return kKilledBySignal + status.code;
        case ExitStatus::Kind::kNotStarted:
            if (detail.empty()) {
                diagnostics.error("the server could not ", describe(status.failed_step), ": ",
                                  SystemError{status.error_number});
            } else {
                diagnostics.error("the server could not ", describe(status.failed_step), ": ",
                                  SystemError{status.error_number}, " (", detail, ")");
            }
            break;
    }
    return status.shell_code();
}

}  // namespace bro::client
