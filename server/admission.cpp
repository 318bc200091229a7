#include "server/admission.hpp"

#include <algorithm>
#include <cassert>

namespace bro::server {
namespace {

template <typename T>
bool contains(const std::vector<T>& values, T value) {
    return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

bool Admission::allowed(const PeerCredentials& peer) const {
    if (!rules_.has_allow_list()) return true;
    if (contains(rules_.allow_uids, peer.uid) || contains(rules_.allow_gids, peer.gid)) {
        return true;
    }
    return std::any_of(peer.groups.begin(), peer.groups.end(),
                       [&](gid_t group) { return contains(rules_.allow_gids, group); });
}

std::optional<std::string> Admission::admit(const PeerCredentials& peer) {
    if (!allowed(peer)) {
        return "uid " + std::to_string(peer.uid) + " (gid " + std::to_string(peer.gid) +
               ") may not call this server: it is not in the server's --allow-uid/--allow-gid "
               "list; ask the server's administrator";
    }
    if (active_ >= rules_.max_sessions) {
        return "the server is busy: " + std::to_string(active_) +
               " sessions are running, the most it allows (--max-sessions); try again later";
    }
    if (!descriptors_.fits(DescriptorBudget::kPerSession)) return descriptors_.busy_reason();
    std::size_t& mine = active_per_uid_[peer.uid];
    if (mine >= rules_.max_sessions_per_uid) {
        return "uid " + std::to_string(peer.uid) + " already has " + std::to_string(mine) +
               " sessions running, the most one caller may have (--max-sessions-per-uid); try "
               "again when one has ended";
    }
    ++mine;
    ++active_;
    descriptors_.take(DescriptorBudget::kPerSession);
    return std::nullopt;
}

void Admission::release(uid_t uid) {
    const auto it = active_per_uid_.find(uid);
    assert(it != active_per_uid_.end() && it->second > 0 && active_ > 0);
    if (it == active_per_uid_.end()) return;
    if (--it->second == 0) active_per_uid_.erase(it);
    --active_;
    descriptors_.give_back(DescriptorBudget::kPerSession);
}

}  // namespace bro::server

namespace bro::server {

void AdmissionSlot::release() {
    if (admission_ == nullptr || !counted_) return;
    hold_descriptors(0);
    admission_->release(uid_);
    counted_ = false;
}

std::optional<std::string> AdmissionSlot::readmit(const PeerCredentials& peer) {
    if (admission_ == nullptr || counted_) return std::nullopt;
    auto refusal = admission_->admit(peer);
    counted_ = !refusal;
    return refusal;
}

void AdmissionSlot::hold_descriptors(std::size_t count) {
    if (admission_ == nullptr) return;
    admission_->descriptors().give_back(descriptors_held_);
    descriptors_held_ = count;
    admission_->descriptors().take(descriptors_held_);
}

}  // namespace bro::server
