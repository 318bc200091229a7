#include "client/caller_terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace bro::client {

bool wants_terminal_session(const ClientConfig& config, bool stdin_was_closed) {
    const bool needs_fd_passing =
        config.transfer_mode == TransferChoice::kFdPassing || !config.forward_fds.empty();
    const bool asked = config.tty ? *config.tty : config.capture_tty_stdin && !needs_fd_passing;
    // The settings first: an ordinary call pays no system call here.
    if (!asked || config.stdin_none || stdin_was_closed) return false;
    return ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
}

std::optional<protocol::WindowSize> read_window_size(int fd) {
    winsize size{};
    if (::ioctl(fd, TIOCGWINSZ, &size) != 0) return std::nullopt;
    return protocol::WindowSize{size.ws_row, size.ws_col, size.ws_xpixel, size.ws_ypixel};
}

RawTerminal::RawTerminal(int fd, const Diagnostics& diagnostics)
    : fd_(fd), diagnostics_(diagnostics) {
    if (::tcgetattr(fd_, &saved_) != 0) {
        diagnostics_.error("cannot read the terminal's settings: tcgetattr: ", SystemError{errno},
                           "; set BRO_TTY=0 to run without a terminal session");
        return;
    }
    raw_ = saved_;
    ::cfmakeraw(&raw_);
    valid_ = true;
}

protocol::TerminalModes RawTerminal::caller_modes() const {
    static_assert(NCCS >= protocol::kTerminalControlCharacters);
    protocol::TerminalModes modes{
        saved_.c_iflag, saved_.c_oflag, saved_.c_cflag, saved_.c_lflag, {}};
    for (std::size_t i = 0; i < protocol::kTerminalControlCharacters; ++i) {
        modes.control_characters[i] = saved_.c_cc[i];
    }
    return modes;
}

bool RawTerminal::enter() {
    // TCSADRAIN: what the client printed so far is still written with the caller's settings.
    if (!valid_ || ::tcsetattr(fd_, TCSADRAIN, &raw_) != 0) {
        if (valid_) {
            diagnostics_.error(
                "cannot switch the terminal to raw mode: tcsetattr: ", SystemError{errno},
                "; set BRO_TTY=0 to run without a terminal session");
        }
        return false;
    }
    entered_ = true;
    diagnostics_.debug("terminal in raw mode");
    return true;
}

RawTerminal::~RawTerminal() {
    if (!entered_) return;
    set(saved_, "restore the terminal's settings");
    diagnostics_.debug("terminal settings restored");
}

void RawTerminal::reenter() {
    if (entered_) set(raw_, "switch the terminal back to raw mode");
}

void RawTerminal::suspend() {
    if (!entered_) return;
    set(saved_, "restore the terminal's settings");
    // SIGTSTP is blocked (forwarded_signals.hpp): raise it, then let it through, so its
    // default action stops the client right here, and the caller's shell sees a stopped job
    // as for any program. An orphaned process group ignores it, and the client just goes on.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTSTP);
    ::kill(::getpid(), SIGTSTP);
    ::sigprocmask(SIG_UNBLOCK, &stop, nullptr);
    ::sigprocmask(SIG_BLOCK, &stop, nullptr);
    reenter();
}

void RawTerminal::set(const termios& settings, const char* what) {
    int result;
    do {
        result = ::tcsetattr(fd_, TCSADRAIN, &settings);
    } while (result != 0 && errno == EINTR);
    // A terminal that hung up cannot be set any more, and that is no error worth a line.
    if (result != 0 && errno != EIO && errno != ENOTTY) {
        diagnostics_.error("cannot ", what, ": tcsetattr: ", SystemError{errno},
                           "; run `stty sane` to repair the terminal");
    }
}

}  // namespace bro::client
