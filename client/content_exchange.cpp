#include "client/content_exchange.hpp"

#include <unistd.h>

#include <optional>

#include "client/caller_terminal.hpp"
#include "client/exit_code.hpp"
#include "client/relay.hpp"
#include "client/request_builder.hpp"
#include "client/server_connection.hpp"

namespace bro::client {

int run_content_mode(const Invocation& invocation) {
    const ClientConfig& config = invocation.config;
    const Diagnostics& diagnostics = invocation.diagnostics;
    const bro::UniqueFd socket = connect_to_server(config.socket_path, diagnostics);
    if (!socket.valid()) return kClientFailureExitCode;
    RequestOptions options;
    std::optional<RawTerminal> terminal;
    if (invocation.terminal_session) {
        terminal.emplace(STDIN_FILENO, diagnostics);
        if (!terminal->valid()) return kClientFailureExitCode;
        // A terminal whose size is unknown reports 0 x 0, which programs read as "not known".
        options.terminal = read_window_size(STDIN_FILENO).value_or(protocol::WindowSize{});
        options.terminal_modes = terminal->caller_modes();
    }
    auto request = build_request(config, invocation.arguments, invocation.environment,
                                 invocation.stdin_was_closed, options, diagnostics);
    if (!request) return kClientFailureExitCode;
    const RelayFds fds{socket.get(), STDIN_FILENO, {}, invocation.signal_fd};
    if (!terminal) return relay(fds, *request, config.socket_path, diagnostics);

    // Raw only now, so every message about a failed start came out with the usual settings.
    if (!terminal->enter()) return kClientFailureExitCode;
    RelayFds terminal_fds = fds;
    terminal_fds.terminal = &*terminal;
    return relay(terminal_fds, *request, config.socket_path, diagnostics);
}

}  // namespace bro::client
