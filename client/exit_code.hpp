#pragma once
// The client's exit-code table (what a caller of the wrapped tool sees):
//
//   N        the program exited with N
//   128+N    the program was killed by signal N
//   127      the server could not find the program (exec failed with ENOENT)
//   126      the server could not start the program for another reason
//   124      the server stopped the program at its --timeout (as timeout(1) reports it)
//   125      bro-client itself failed: configuration, connection, a refused or malformed
//            exchange, a file argument that could not be read, stdout/stderr not writable

namespace bro::client {

inline constexpr int kClientFailureExitCode = 125;

// A program killed by signal N makes exit_code_for() return kKilledBySignal + N, out of the
// range of exit codes, and main() dies by that signal once the exchange has returned: only
// then is everything the client changed put back (the caller's terminal above all).
inline constexpr int kKilledBySignal = 256;

}  // namespace bro::client
