// bro-client: runs one command on the other side of a bro-server socket as if it ran here.
// It has no flags of its own: every argument goes to the remote command, and configuration
// comes from the environment (client_config.hpp). Exit codes: exit_code.hpp.

#include <string_view>
#include <vector>

#include "client/client_config.hpp"
#include "client/diagnostics.hpp"
#include "client/environment.hpp"
#include "client/exit_code.hpp"
#include "client/forwarded_fds.hpp"
#include "client/invocation.hpp"
#include "client/mode_negotiation.hpp"
#include "client/standard_streams.hpp"

int main(int argc, char** argv, char** envp) {
    using namespace bro::client;
    const StandardStreamRepair streams = repair_standard_streams();
    if (streams.failed) return kClientFailureExitCode;

    const Environment environment(envp);
    const ClientConfig config = read_client_config(environment);
    const Diagnostics diagnostics(config.debug_log);
    if (!config.transfer_mode) {
        diagnostics.error("BRO_TRANSFER_MODE is \"", config.transfer_mode_text,
                          "\"; use auto, content or fd (or leave it unset for auto)");
        return kClientFailureExitCode;
    }
    diagnostics.debug("socket ", config.socket_path, ", transfer mode ",
                      transfer_choice_name(*config.transfer_mode), ", forward env [",
                      config.forward_environment, "], file flags [", config.file_arguments.flags,
                      "], positional files ", config.file_arguments.positional_paths,
                      ", forward fds [", config.forward_fds, "], capture tty stdin ",
                      config.capture_tty_stdin);

    // Before anything of ours is opened: an fd found open now is one the caller passed in.
    const auto forwarded_fds = read_forwarded_fds(config.forward_fds, diagnostics);
    if (!forwarded_fds) return kClientFailureExitCode;

    const std::vector<std::string_view> arguments(argv + (argc > 0 ? 1 : 0), argv + argc);
    const Invocation invocation{.config = config,
                                .arguments = arguments,
                                .environment = environment,
                                .stdin_was_closed = streams.was_closed[0],
                                .forwarded_fds = *forwarded_fds,
                                .diagnostics = diagnostics};
    const int exit_code = run_invocation(invocation);
    diagnostics.debug("exiting with ", exit_code);
    return exit_code;
}
