#include "server/stop_signals.hpp"

#include <signal.h>
#include <sys/signalfd.h>

#include <cstdint>
#include <span>
#include <system_error>

#include "ring/operations.hpp"

namespace bro::server {
namespace {

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}

}  // namespace

void block_stop_signals() {
    const sigset_t set = stop_signals();
    if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) {
        throw std::system_error(errno, std::system_category(), "sigprocmask");
    }
}

StopSignals::StopSignals() {
    block_stop_signals();
    const sigset_t set = stop_signals();
    signal(SIGPIPE, SIG_IGN);
    fd_.reset(signalfd(-1, &set, SFD_CLOEXEC));
    if (!fd_) throw std::system_error(errno, std::system_category(), "signalfd");
}

ring::Task<int> StopSignals::next(ring::Ring& ring) {
    signalfd_siginfo info{};
    const auto buffer = std::span(reinterpret_cast<std::uint8_t*>(&info), sizeof info);
    for (;;) {
        const ring::IoResult got = co_await ring::Read(ring, fd_.get(), buffer);
        if (got && got.value() == sizeof info) co_return static_cast<int>(info.ssi_signo);
        if (!got) throw std::system_error(got.error(), "read signalfd");
    }
}

}  // namespace bro::server
