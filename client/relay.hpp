#pragma once
// Content mode's one loop: sends the request, file contents and stdin while copying the
// server's stdout/stderr frames out, until the Exit or Error frame.
//
// Sending and receiving run concurrently in a single poll() loop, never blocking on the
// socket: the program may write a lot of output before it reads its stdin, and a client that
// blocked in send() while the server blocked sending output would deadlock both.

#include <string_view>

#include "client/caller_terminal.hpp"
#include "client/diagnostics.hpp"
#include "client/incoming_stream.hpp"
#include "client/request_builder.hpp"

namespace bro::client {

struct RelayFds {
    int socket = -1;  // connected to the server; may stay blocking (MSG_DONTWAIT is used)
    int stdin_fd = 0;
    OutputFds output;
    int signal_fd = -1;  // forwarded signals (forwarded_signals.hpp); -1: none
    // A terminal session: the caller's terminal, in raw mode (stdin_fd is that terminal).
    // SIGWINCH then becomes a WindowSize frame, SIGTSTP stops the client itself, and SIGCONT
    // puts the terminal back in raw mode; other signals are forwarded as usual.
    RawTerminal* terminal = nullptr;
};

// Runs the exchange and returns the client's exit code (see exit_code.hpp). Closes each file
// argument once its content is sent. `socket_path` names the server in messages. When the
// request has a stdin_start, stdin's offset is left where the program stopped reading.
int relay(const RelayFds& fds, ClientRequest& request, std::string_view socket_path,
          const Diagnostics& diagnostics);

}  // namespace bro::client
