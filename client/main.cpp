// bro-client: runs one command on the other side of a bro-server socket as if it ran here.
// It has no flags of its own: every argument goes to the remote command, and configuration
// comes from the environment (client_config.hpp). Exit codes: exit_code.hpp.

#include <unistd.h>

#include <string_view>
#include <vector>

#include "client/client_config.hpp"
#include "client/diagnostics.hpp"
#include "client/environment.hpp"
#include "client/exit_code.hpp"
#include "client/relay.hpp"
#include "client/request_builder.hpp"
#include "client/server_connection.hpp"
#include "client/standard_streams.hpp"

int main(int argc, char** argv, char** envp) {
    using namespace bro::client;
    const StandardStreamRepair streams = repair_standard_streams();
    if (streams.failed) return kClientFailureExitCode;

    const Environment environment(envp);
    const ClientConfig config = read_client_config(environment);
    const Diagnostics diagnostics(config.debug_log);
    diagnostics.debug("socket ", config.socket_path, ", forward env [", config.forward_environment,
                      "], file flags [", config.file_arguments.flags, "], positional files ",
                      config.file_arguments.positional_paths, ", capture tty stdin ",
                      config.capture_tty_stdin);

    const bro::UniqueFd socket = connect_to_server(config.socket_path, diagnostics);
    if (!socket.valid()) return kClientFailureExitCode;

    const std::vector<std::string_view> arguments(argv + (argc > 0 ? 1 : 0), argv + argc);
    auto request =
        build_request(config, arguments, environment, streams.was_closed[0], diagnostics);
    if (!request) return kClientFailureExitCode;

    const int exit_code = relay({socket.get(), STDIN_FILENO, {}}, *request, diagnostics);
    diagnostics.debug("exiting with ", exit_code);
    return exit_code;
}
