#pragma once
// Why a session refuses to go on, and the one convention the session layer uses for it:
//
//   - A refusal is an exception of the types below (or std::system_error for a failed system
//     call, naming the call and its argument). Session::run() catches them in one place, logs
//     one line and sends the client one Error frame whose text says what to do next.
//   - A client that went away is not an error: the read or send that noticed it returns an
//     empty optional or false, and the phase ends quietly.
//   - Nothing else throws across a phase boundary.

#include <stdexcept>
#include <string>

#include "core/limits.hpp"

namespace bro::server {

// The client broke the protocol (a malformed or unexpected frame).
struct ProtocolViolation : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A well-formed request beyond a configured limit (--max-*): refused naming the limit. Still
// a protocol violation wherever no limit hint applies (a frame arriving while the command runs).
struct LimitExceeded : ProtocolViolation {
    LimitExceeded(Limit exceeded, const std::string& message)
        : ProtocolViolation(message), limit(exceeded) {}
    Limit limit;
};

// A well-formed request this server's policy does not run (--no-client-args, ...), or one
// whose client stalled past a phase's deadline.
struct RequestRefused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The server cannot serve a call now for want of a resource (descriptors): the message says
// "the server is busy" and why, so the caller knows to try again, not to fix its request.
struct ServerBusy : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace bro::server
