#include "server/profile/sandbox.hpp"

#include <spdlog/spdlog.h>

#include "server/profile/capability_names.hpp"

namespace bro::server::profile {

Sandbox::Sandbox(const ExecutionProfile& profile)
    : profile_(profile), last_capability_(kernel_last_capability()) {
    if (profile_.needs_holder() && !profile_.fresh)
        prepared_.emplace(SandboxHolder::build(profile_));
}

int Sandbox::holder_for_call(std::optional<SandboxHolder>& fresh) {
    if (!profile_.needs_holder()) return -1;
    // Fresh holders whose program has exited are gone by now or soon; reap what is done.
    retiring_.remove_if([](SandboxHolder& holder) { return holder.try_reap(); });
    if (profile_.fresh) {
        fresh.emplace(SandboxHolder::build(profile_));
        return fresh->pidfd();
    }
    if (!prepared_ || !prepared_->alive()) {
        if (prepared_) {
            spdlog::warn("the sandbox holder (pid {}) has died; building the sandbox again",
                         prepared_->pid());
        }
        prepared_.reset();
        prepared_.emplace(SandboxHolder::build(profile_));
        spdlog::info("sandbox rebuilt; its holder is pid {}", prepared_->pid());
    }
    return prepared_->pidfd();
}

void Sandbox::program_started(std::optional<SandboxHolder>& fresh) {
    if (!fresh) return;
    fresh->release_after_program();
    retiring_.push_back(std::move(*fresh));
    fresh.reset();
}

}  // namespace bro::server::profile
