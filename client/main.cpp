// bro-client: runs one command on the other side of a bro-server socket as if it ran here.
// It has no flags of its own: every argument goes to the remote command, and configuration
// comes from the environment (client_config.hpp), or from a wrapper file when the kernel runs
// one with bro-client as its interpreter (wrapper_file.hpp). Exit codes: exit_code.hpp.
//
// One call, in order: main() repairs fds 0-2, reads the settings, blocks the forwarded
// signals, and run_invocation() picks the transfer mode. Each mode's exchange runs from
// connect (server_connection.hpp) to the server's last frame (control_frames.hpp):
// fd_exchange.cpp passes the caller's descriptors in one message, content_exchange.cpp relays
// files, stdin, stdout and stderr (outgoing_stream.hpp, incoming_stream.hpp). Both return an
// ExitOutcome, which main() acts on last: exit with a code, or die by the program's signal.

#include <fcntl.h>
#include <poll.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "client/caller_terminal.hpp"
#include "client/client_config.hpp"
#include "client/content_exchange.hpp"
#include "client/control_frames.hpp"
#include "client/diagnostics.hpp"
#include "client/exit_code.hpp"
#include "client/fd_exchange.hpp"
#include "client/forwarded_fds.hpp"
#include "client/forwarded_signals.hpp"
#include "client/invocation.hpp"
#include "client/wrapper_file.hpp"

namespace bro::client {
namespace {

// fds 0-2 are made valid before anything else runs, so no socket or file the client opens can
// land on them and be mistaken for stdio (s6-sudoc does the same).
struct StandardStreamRepair {
    bool failed = false;  // /dev/null could not be opened: nothing can be reported, exit 125
    std::array<bool, 3> was_closed{};  // was_closed[0]: the caller gave no stdin at all
};

// Opens /dev/null onto each closed fd among 0, 1 and 2 (one poll() to find them).
StandardStreamRepair repair_standard_streams() {
    StandardStreamRepair repair;
    // poll() reports POLLNVAL for a closed fd without side effects on open ones (musl's
    // start-up uses the same check); one syscall instead of three fcntl()s.
    std::array<pollfd, 3> fds{{{0, 0, 0}, {1, 0, 0}, {2, 0, 0}}};
    int ready;
    do {
        ready = ::poll(fds.data(), fds.size(), 0);
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0) return repair;  // nothing closed (or poll failed: nothing we can fix)
    for (int fd = 0; fd < 3; ++fd) {
        if (!(fds[fd].revents & POLLNVAL)) continue;
        repair.was_closed[fd] = true;
        // Lower fds are open by now, so open() returns `fd` itself.
        const int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (opened < 0) {
            repair.failed = true;
            return repair;
        }
        if (opened != fd) {
            ::dup2(opened, fd);
            ::close(opened);
        }
    }
    return repair;
}

// Which transfer mode a run uses. BRO_TRANSFER_MODE=auto (the default) tries fd-passing and,
// when the server answers that it takes only content mode, starts over in content mode on a
// new connection: the fd attempt consumed nothing (no stdin read, no file content sent), so
// the retry sees exactly what the first attempt saw. "content" and "fd" insist on one mode and
// turn a mismatch into one line saying what to change.
ExitOutcome run_invocation(const Invocation& invocation) {
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
            return kClientFailure;
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
            return kClientFailure;
        }
        diagnostics.debug("transfer mode: content (BRO_TRANSFER_MODE=content)");
        return run_content_mode(invocation);
    }

    diagnostics.debug("transfer mode: fd-passing",
                      choice == TransferChoice::kAuto
                          ? " (auto: content mode if the server takes only that)"
                          : " (BRO_TRANSFER_MODE=fd)");
    FdPassingResult result = run_fd_passing(invocation);
    if (result.needs_content_mode) return run_content_mode(invocation);
    if (!result.rejected()) return result.outcome;

    const bool takes_content = (result.accepted_modes & protocol::kAcceptsContent) != 0;
    if (choice == TransferChoice::kFdPassing || !takes_content) {
        return report_mode_rejected(protocol::TransferMode::kFdPassing, result.accepted_modes,
                                    invocation.config.socket_path, diagnostics);
    }
    if (!invocation.forwarded_fds.empty()) {
        diagnostics.error(
            "BRO_FORWARD_FDS needs a server in fd-passing mode (this one takes content mode)");
        return kClientFailure;
    }
    diagnostics.debug("server accepts only content mode; retrying in content mode",
                      result.connection.valid() ? " on the same connection" : "");
    return run_content_mode(invocation, std::move(result.connection));
}

}  // namespace
}  // namespace bro::client

int main(int argc, char** argv, char** envp) {
    using namespace bro::client;
    const StandardStreamRepair streams = repair_standard_streams();
    if (streams.failed) return kClientFailureExitCode;

    const std::vector<std::string_view> argv_views(argv, argv + argc);
    std::span<const std::string_view> arguments(argv_views);
    if (!arguments.empty()) arguments = arguments.subspan(1);  // argv[0] is ours

    // A wrapper-file run: argv is [bro-client, the file, the caller's arguments...].
    const auto* executed_path = reinterpret_cast<const char*>(getauxval(AT_EXECFN));
    std::optional<WrapperFile> wrapper;
    if (is_wrapper_file_run(argv_views, executed_path)) {
        wrapper = load_wrapper_file(argv[1], Diagnostics(false));
        if (!wrapper) return kClientFailureExitCode;
        arguments = arguments.subspan(1);
    }

    const Environment environment(envp, wrapper
                                            ? std::span<const std::string_view>(wrapper->settings)
                                            : std::span<const std::string_view>());
    const ClientConfig config = read_client_config(environment);
    const bool terminal_session = wants_terminal_session(config, streams.was_closed[0]);
    const Diagnostics diagnostics(config.debug_log, STDERR_FILENO,
                                  terminal_session && ::isatty(STDERR_FILENO));
    if (!config.transfer_mode) {
        diagnostics.error("BRO_TRANSFER_MODE is \"", config.transfer_mode_text,
                          "\"; use auto, content or fd (or leave it unset for auto)");
        return kClientFailureExitCode;
    }
    if (!config.tty_setting_valid) {
        diagnostics.error("BRO_TTY is \"", config.tty_setting,
                          "\"; use 1 (a terminal for the program when stdin and stdout are "
                          "terminals), 0 (never) or leave it unset");
        return kClientFailureExitCode;
    }
    if (!config.stdin_setting_valid) {
        diagnostics.error("BRO_STDIN is \"", config.stdin_setting,
                          "\"; use none (the program reads /dev/null) or leave it unset");
        return kClientFailureExitCode;
    }
    if (!config.connect_timeout_seconds) {
        diagnostics.error("BRO_CONNECT_TIMEOUT is \"", config.connect_timeout_text,
                          "\"; use a whole number of seconds from 1 to ", kMaxConnectTimeoutSeconds,
                          " (or leave it unset for ", kDefaultConnectTimeoutSeconds, ")");
        return kClientFailureExitCode;
    }
    diagnostics.debug("socket ", config.socket_path, ", transfer mode ",
                      transfer_choice_name(*config.transfer_mode), ", forward env [",
                      config.forward_environment, "], file flags [", config.file_arguments.flags,
                      "], positional files ", config.file_arguments.positional_paths,
                      ", forward fds [", config.forward_fds, "], capture tty stdin ",
                      config.capture_tty_stdin, ", terminal session ", terminal_session,
                      ", connect timeout ", *config.connect_timeout_seconds, " s");

    // Before anything of ours is opened: an fd found open now is one the caller passed in.
    const auto forwarded_fds = read_forwarded_fds(config.forward_fds, diagnostics);
    if (!forwarded_fds) return kClientFailureExitCode;

    if (wrapper)
        diagnostics.debug("wrapper file ", argv[1], ": ", wrapper->settings.size(), " setting(s)");
    const ForwardedSignals signals(diagnostics);
    const Invocation invocation{.config = config,
                                .arguments = arguments,
                                .environment = environment,
                                .stdin_was_closed = streams.was_closed[0],
                                .forwarded_fds = *forwarded_fds,
                                .diagnostics = diagnostics,
                                .signal_fd = signals.valid() ? signals.fd() : -1,
                                .terminal_session = terminal_session};
    const ExitOutcome outcome = run_invocation(invocation);
    int exit_code = outcome.number;
    if (outcome.kind == ExitOutcome::Kind::kDieBySignal) {
        // The exchange has returned, so the terminal is restored; the other forwarded
        // signals stay blocked, so none of them can pre-empt this one.
        die_by_signal(outcome.number);
        exit_code = 128 + outcome.number;  // the signal did not kill (die_by_signal)
    }
    diagnostics.debug("exiting with ", exit_code);
    return exit_code;
}
