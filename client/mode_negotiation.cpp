#include "client/mode_negotiation.hpp"

#include "client/content_exchange.hpp"
#include "client/control_frames.hpp"
#include "client/exit_code.hpp"
#include "client/fd_exchange.hpp"

namespace bro::client {

int run_invocation(const Invocation& invocation) {
    const Diagnostics& diagnostics = invocation.diagnostics;
    const TransferChoice choice = invocation.config.transfer_mode.value_or(TransferChoice::kAuto);
    if (invocation.terminal_session) {
        // Only content mode relays a pseudo-terminal; fd passing would hand over the
        // caller's terminal itself. An implied session (BRO_CAPTURE_TTY_STDIN) never gets here
        // with fd passing required, so this is an explicit BRO_TTY=1.
        if (choice == TransferChoice::kFdPassing || !invocation.forwarded_fds.empty()) {
            diagnostics.error(
                "BRO_TTY=1 gives the program a terminal, which needs content mode, "
                "but ",
                choice == TransferChoice::kFdPassing ? "BRO_TRANSFER_MODE is fd"
                                                     : "BRO_FORWARD_FDS is set",
                "; unset one of them");
            return kClientFailureExitCode;
        }
        diagnostics.debug("transfer mode: content (a terminal session)");
        return run_content_mode(invocation);
    }
    if (choice == TransferChoice::kContent) {
        // Content mode has no way to pass a descriptor; refuse instead of dropping them.
        if (!invocation.forwarded_fds.empty()) {
            diagnostics.error(
                "BRO_FORWARD_FDS needs fd-passing mode, but BRO_TRANSFER_MODE is "
                "content; unset one of them");
            return kClientFailureExitCode;
        }
        diagnostics.debug("transfer mode: content (BRO_TRANSFER_MODE=content)");
        return run_content_mode(invocation);
    }

    diagnostics.debug("transfer mode: fd-passing",
                      choice == TransferChoice::kAuto
                          ? " (auto: content mode if the server takes only that)"
                          : " (BRO_TRANSFER_MODE=fd)");
    const FdPassingResult result = run_fd_passing(invocation);
    if (result.needs_content_mode) return run_content_mode(invocation);
    if (!result.rejected()) return result.exit_code;

    const bool takes_content = (result.accepted_modes & protocol::kAcceptsContent) != 0;
    if (choice == TransferChoice::kFdPassing || !takes_content) {
        return report_mode_rejected(protocol::TransferMode::kFdPassing, result.accepted_modes,
                                    invocation.config.socket_path, diagnostics);
    }
    if (!invocation.forwarded_fds.empty()) {
        diagnostics.error(
            "BRO_FORWARD_FDS needs a server in fd-passing mode (this one takes content mode)");
        return kClientFailureExitCode;
    }
    diagnostics.debug("server accepts only content mode; retrying in content mode");
    return run_content_mode(invocation);
}

}  // namespace bro::client
