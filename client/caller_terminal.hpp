#pragma once
// A terminal session from the caller's side. The program runs on a pseudo-terminal of its
// own on the server (never the caller's terminal), and the caller's terminal is switched to
// raw mode meanwhile: every key, Ctrl-C and Ctrl-Z included, travels as a byte to that
// pseudo-terminal, whose line discipline turns it into a signal for the program's foreground
// job, so job control inside (bash -i, vi, less) works as on a local terminal.

#include <termios.h>

#include <optional>

#include "client/client_config.hpp"
#include "client/diagnostics.hpp"
#include "core/wire.hpp"

namespace bro::client {

// True when this run is a terminal session: stdin and stdout are terminals, stdin is to be
// streamed (not BRO_STDIN=none, not closed), and BRO_TTY=1; or BRO_TTY is unset,
// BRO_CAPTURE_TTY_STDIN is set, and nothing needs fd passing (BRO_TRANSFER_MODE=fd or
// BRO_FORWARD_FDS), which would hand the program the caller's terminal itself instead.
// Otherwise the run is an ordinary one, with pipes, so the same wrapper works in a pipeline.
bool wants_terminal_session(const ClientConfig& config, bool stdin_was_closed);

// The size of the terminal on `fd` (TIOCGWINSZ), or nullopt when it has none.
std::optional<protocol::WindowSize> read_window_size(int fd);

// The caller's terminal in raw mode from enter() to the end of this object's lifetime; the
// destructor puts the caller's settings back. Every way out of the client passes through it:
// a program's exit, an error, a vanished server, and a program killed by a signal (main()
// dies only after the exchange has returned). Only SIGKILL skips it, as it would for any
// program.
class RawTerminal {
  public:
    // Saves the settings of the terminal on `fd`; valid() is false, after saying why, when
    // that fails.
    RawTerminal(int fd, const Diagnostics& diagnostics);
    ~RawTerminal();
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;

    bool valid() const { return valid_; }
    int fd() const { return fd_; }
    // The caller's settings, sent with the request so the program's terminal starts as the
    // caller's: a caller whose erase key is ^H, or who edits UTF-8 lines (IUTF8), finds the
    // same inside.
    protocol::TerminalModes caller_modes() const;
    // Switches to raw mode; false, after saying why, when that fails.
    bool enter();
    // Raw mode again, after the caller's shell may have reset the terminal while the client
    // was stopped (SIGCONT).
    void reenter();
    // Stops the client the way SIGTSTP does, with the caller's settings restored so the shell
    // that gets the terminal back finds it as it left it; returns in raw mode once continued.
    void suspend();

  private:
    void set(const termios& settings, const char* what);

    int fd_;
    const Diagnostics& diagnostics_;
    termios saved_{};
    termios raw_{};
    bool valid_ = false;
    bool entered_ = false;
};

}  // namespace bro::client
