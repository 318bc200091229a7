#include "client/forwarded_signals.hpp"

#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>

#include "core/wire.hpp"

namespace bro::client {
namespace {

sigset_t forwardable_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int signal = 1; signal < NSIG; ++signal) {
        if (protocol::is_forwardable_signal(signal)) sigaddset(&set, signal);
    }
    return set;
}

}  // namespace

ForwardedSignals::ForwardedSignals(const Diagnostics& diagnostics) {
    const sigset_t set = forwardable_signals();
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) {
        diagnostics.debug("signals not forwarded: sigprocmask: ", SystemError{errno});
        return;
    }
    fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_.valid()) {
        diagnostics.debug("signals not forwarded: signalfd: ", SystemError{errno});
        ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    }
}

ForwardedSignals::~ForwardedSignals() {
    if (!fd_.valid()) return;
    const sigset_t set = forwardable_signals();
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

bool ends_call_before_start(int signal) {
    return signal == SIGINT || signal == SIGTERM;
}

std::optional<int> read_forwarded_signal(int signal_fd) {
    signalfd_siginfo info{};
    ssize_t n;
    do {
        n = ::read(signal_fd, &info, sizeof info);
    } while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(sizeof info)) return std::nullopt;
    return static_cast<int>(info.ssi_signo);
}

void send_signal_frame(int socket, int signal, const Diagnostics& diagnostics) {
    const auto header = protocol::encode_frame_header(protocol::FrameType::kSignal, 1);
    std::array<std::uint8_t, protocol::kFrameHeaderBytes + 1> frame{};
    std::copy(header.begin(), header.end(), frame.begin());
    frame.back() = static_cast<std::uint8_t>(signal);
    ssize_t n;
    do {
        n = ::send(socket, frame.data(), frame.size(), MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(frame.size())) {
        diagnostics.debug("could not forward signal ", signal, ": ", SystemError{errno});
        return;
    }
    diagnostics.debug("forwarded signal ", signal);
}

void die_by_signal(int signal) {
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    ::sigaction(signal, &action, nullptr);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, signal);
    ::sigprocmask(SIG_UNBLOCK, &only, nullptr);
    ::kill(::getpid(), signal);
    // A stop signal, or one whose default is to be ignored (SIGCHLD, SIGWINCH, ...), lands here.
}

}  // namespace bro::client
