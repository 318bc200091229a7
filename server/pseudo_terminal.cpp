#include "server/pseudo_terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace bro::server {
namespace {

[[noreturn]] void fail(const char* call) {
    throw std::system_error(errno, std::system_category(), call);
}

winsize to_winsize(const protocol::WindowSize& size) {
    winsize ws{};
    ws.ws_row = size.rows;
    ws.ws_col = size.columns;
    ws.ws_xpixel = size.x_pixels;
    ws.ws_ypixel = size.y_pixels;
    return ws;
}

}  // namespace

PseudoTerminal open_pseudo_terminal(const protocol::WindowSize& size) {
    PseudoTerminal pty;
    pty.controller.reset(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
    if (!pty.controller) fail("open /dev/ptmx (is devpts mounted on /dev/pts?)");
    int unlock = 0;
    if (::ioctl(pty.controller.get(), TIOCSPTLCK, &unlock) != 0) fail("ioctl TIOCSPTLCK");
    pty.terminal.reset(::ioctl(pty.controller.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!pty.terminal) fail("ioctl TIOCGPTPEER (Linux 4.13 or later)");
    if (!resize_pseudo_terminal(pty.controller.get(), size)) fail("ioctl TIOCSWINSZ");
    return pty;
}

void set_terminal_modes(int terminal, const protocol::TerminalModes& modes) {
    static_assert(NCCS >= protocol::kTerminalControlCharacters);
    termios settings{};
    if (::tcgetattr(terminal, &settings) != 0) fail("tcgetattr pseudo-terminal");
    // c_cflag also holds the line speed, which means nothing on a pseudo-terminal: keep its own.
    const speed_t input_speed = ::cfgetispeed(&settings);
    const speed_t output_speed = ::cfgetospeed(&settings);
    settings.c_iflag = modes.input_flags;
    settings.c_oflag = modes.output_flags;
    settings.c_cflag = modes.control_flags;
    settings.c_lflag = modes.local_flags;
    for (std::size_t i = 0; i < protocol::kTerminalControlCharacters; ++i) {
        settings.c_cc[i] = modes.control_characters[i];
    }
    ::cfsetispeed(&settings, input_speed);
    ::cfsetospeed(&settings, output_speed);
    if (::tcsetattr(terminal, TCSANOW, &settings) != 0) fail("tcsetattr pseudo-terminal");
}

bool resize_pseudo_terminal(int controller, const protocol::WindowSize& size) {
    const winsize ws = to_winsize(size);
    return ::ioctl(controller, TIOCSWINSZ, &ws) == 0;
}

void give_terminal_to(int terminal, uid_t uid) {
    if (::fchown(terminal, uid, static_cast<gid_t>(-1)) != 0) fail("fchown pseudo-terminal");
    if (::fchmod(terminal, 0620) != 0) fail("fchmod 0620 pseudo-terminal");
}

pid_t foreground_process_group(int controller) {
    pid_t group = 0;
    if (::ioctl(controller, TIOCGPGRP, &group) != 0) return 0;
    return group;
}

}  // namespace bro::server
