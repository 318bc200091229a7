#pragma once
// Who may start a session, decided when a connection is accepted and before anything is read
// from it: the --allow-uid/--allow-gid lists, then --max-sessions and --max-sessions-per-uid,
// then the descriptors left (descriptor_budget.hpp). A refused connection gets one Error frame
// and is closed at once, so it holds nothing.

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/descriptor_budget.hpp"
#include "server/peer_credentials.hpp"

namespace bro::server {

struct AdmissionRules {
    // Both empty: everyone who can connect (the socket's file permissions are the gate).
    // Otherwise a caller whose uid is in allow_uids, or whose gid or one of whose
    // supplementary groups is in allow_gids, is admitted. Root is not special.
    std::vector<uid_t> allow_uids = {};
    std::vector<gid_t> allow_gids = {};
    std::size_t max_sessions = 1024;
    // A quarter of max_sessions unless set (server_config.cpp), so no two callers can take
    // every slot from the others.
    std::size_t max_sessions_per_uid = 256;

    bool has_allow_list() const { return !allow_uids.empty() || !allow_gids.empty(); }
};

// --max-sessions-per-uid's default: a quarter of --max-sessions (at least 1).
inline std::size_t default_sessions_per_uid(std::size_t max_sessions) {
    return max_sessions / 4 > 0 ? max_sessions / 4 : 1;
}

class Admission;

// One admitted session's place in the counts: returned by release(), at the latest when the
// slot is destroyed. A session that ends early without running anything (a transfer mode the
// server does not take, after which the client reconnects at once) gives it back before it
// answers, so a client that retries on a new connection finds it free; when the client
// retries on the same connection instead (RetryHere), the retry is admitted again (readmit).
class AdmissionSlot {
  public:
    AdmissionSlot(Admission& admission, uid_t uid) : admission_(&admission), uid_(uid) {}
    AdmissionSlot(AdmissionSlot&& other) noexcept
        : admission_(std::exchange(other.admission_, nullptr)),
          uid_(other.uid_),
          counted_(std::exchange(other.counted_, false)),
          descriptors_held_(std::exchange(other.descriptors_held_, 0)) {}
    AdmissionSlot& operator=(AdmissionSlot&&) = delete;
    ~AdmissionSlot() { release(); }

    void release();
    // Takes a place in the counts again after release(), as a new connection would:
    // nullopt when admitted, else the reason (Admission::admit).
    std::optional<std::string> readmit(const PeerCredentials& peer);
    // An fd-mode request brought `count` descriptors, held until its child has them (then
    // hold_descriptors(0)); they count against the server's descriptors until then.
    void hold_descriptors(std::size_t count);

  private:
    Admission* admission_;  // null once moved from
    uid_t uid_;
    bool counted_ = true;  // in the session counts: false after release() until readmit()
    std::size_t descriptors_held_ = 0;
};

class Admission {
  public:
    // `descriptors`: the process's budget, shared with the other tools' Admissions.
    Admission(AdmissionRules rules, DescriptorBudget& descriptors)
        : rules_(std::move(rules)), descriptors_(descriptors) {}

    // Whether admit() looks at supplementary groups (read_peer_credentials must fetch them).
    bool needs_groups() const { return !rules_.allow_gids.empty(); }
    // nullopt: admitted and counted; call release() with the same uid when its session ends
    // (AdmissionSlot does). Otherwise the reason, worded for the caller.
    std::optional<std::string> admit(const PeerCredentials& peer);
    void release(uid_t uid);
    std::size_t active_sessions() const { return active_; }
    DescriptorBudget& descriptors() { return descriptors_; }

  private:
    bool allowed(const PeerCredentials& peer) const;

    AdmissionRules rules_;
    DescriptorBudget& descriptors_;
    std::size_t active_ = 0;
    std::unordered_map<uid_t, std::size_t> active_per_uid_;
};

}  // namespace bro::server
