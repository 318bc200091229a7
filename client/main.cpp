// bro-client: runs one command on the other side of a bro-server socket as if it ran here.
// It has no flags of its own: every argument goes to the remote command, and configuration
// comes from the environment (client_config.hpp), or from a wrapper file when the kernel runs
// one with bro-client as its interpreter (wrapper_file.hpp). Exit codes: exit_code.hpp.

#include <sys/auxv.h>
#include <unistd.h>

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "client/caller_terminal.hpp"
#include "client/client_config.hpp"
#include "client/diagnostics.hpp"
#include "client/environment.hpp"
#include "client/exit_code.hpp"
#include "client/forwarded_fds.hpp"
#include "client/forwarded_signals.hpp"
#include "client/invocation.hpp"
#include "client/mode_negotiation.hpp"
#include "client/standard_streams.hpp"
#include "client/wrapper_file.hpp"

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
    diagnostics.debug("socket ", config.socket_path, ", transfer mode ",
                      transfer_choice_name(*config.transfer_mode), ", forward env [",
                      config.forward_environment, "], file flags [", config.file_arguments.flags,
                      "], positional files ", config.file_arguments.positional_paths,
                      ", forward fds [", config.forward_fds, "], capture tty stdin ",
                      config.capture_tty_stdin, ", terminal session ", terminal_session);

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
    int exit_code = run_invocation(invocation);
    if (exit_code > kKilledBySignal) {
        // The exchange has returned, so the terminal is restored; the other forwarded
        // signals stay blocked, so none of them can pre-empt this one.
        const int signal = exit_code - kKilledBySignal;
        die_by_signal(signal);
        exit_code = 128 + signal;
    }
    diagnostics.debug("exiting with ", exit_code);
    return exit_code;
}
