#pragma once
// The client's exit-code table (what a caller of the wrapped tool sees):
//
//   N        the program exited with N
//   128+N    the program was killed by signal N (bro-client dies by signal N itself, so a
//            parent sees WIFSIGNALED and a shell reports 128+N)
//   127      the server could not find the program (exec failed with ENOENT)
//   126      the server could not start the program for another reason
//   124      the server stopped the program at its --timeout (as timeout(1) reports it)
//   125      bro-client itself failed: configuration, connection, a refused or malformed
//            exchange, a file argument that could not be read, stdout/stderr not writable

#include <cstdint>

namespace bro::client {

inline constexpr int kClientFailureExitCode = 125;

// How bro-client ends, as an exchange returns it to main(): exit with a code, or die by the
// program's signal. main() acts on it only after the exchange has returned, so everything
// the client changed is put back first (the caller's terminal above all).
struct ExitOutcome {
    enum class Kind : std::uint8_t { kExit, kDieBySignal };
    Kind kind = Kind::kExit;
    int number = kClientFailureExitCode;  // the exit code, or the signal

    static constexpr ExitOutcome exit_with(int code) { return {Kind::kExit, code}; }
    static constexpr ExitOutcome die_by(int signal) { return {Kind::kDieBySignal, signal}; }

    bool operator==(const ExitOutcome&) const = default;
};

// Exit 125: bro-client itself failed (after saying why on stderr).
inline constexpr ExitOutcome kClientFailure = ExitOutcome::exit_with(kClientFailureExitCode);

}  // namespace bro::client
