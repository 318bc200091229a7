#include "client/content_exchange.hpp"

#include <unistd.h>

#include "client/exit_code.hpp"
#include "client/relay.hpp"
#include "client/request_builder.hpp"
#include "client/server_connection.hpp"

namespace bro::client {

int run_content_mode(const Invocation& invocation) {
    const ClientConfig& config = invocation.config;
    const bro::UniqueFd socket = connect_to_server(config.socket_path, invocation.diagnostics);
    if (!socket.valid()) return kClientFailureExitCode;
    auto request =
        build_request(config, invocation.arguments, invocation.environment,
                      invocation.stdin_was_closed, RequestOptions{}, invocation.diagnostics);
    if (!request) return kClientFailureExitCode;
    return relay({socket.get(), STDIN_FILENO, {}, invocation.signal_fd}, *request,
                 config.socket_path, invocation.diagnostics);
}

}  // namespace bro::client
