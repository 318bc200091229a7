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
            diagnostics.debug("the program ", StatusDescription{status});
            break;
        case ExitStatus::Kind::kSignaled:
            diagnostics.debug("the program ", StatusDescription{status}, "; so is bro-client");
            // A parent then sees WIFSIGNALED and a shell 128+N, as for a local program.
            return kKilledBySignal + status.code;
        case ExitStatus::Kind::kNotStarted:
            diagnostics.error("the server ", StatusDescription{status, detail});
            break;
    }
    return status.shell_code();
}

}  // namespace bro::client
