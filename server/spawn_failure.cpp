#include "server/spawn_failure.hpp"

#include "server/profile/sandbox_holder.hpp"

namespace bro::server {
namespace {

// " as uid 65534 gid 65534 groups 65534", for failure reports.
std::string describe_identity(const ChildIdentity& identity) {
    std::string text = " as uid ";
    text.append(std::to_string(identity.uid)).append(" gid ").append(std::to_string(identity.gid));
    text.append(identity.groups.empty() ? " without supplementary groups" : " groups");
    for (std::size_t i = 0; i < identity.groups.size(); ++i) {
        text.append(i == 0 ? " " : ",").append(std::to_string(identity.groups[i]));
    }
    return text;
}

}  // namespace

SpawnFailure spawn_failure(const FailedStep& failed, const std::optional<ChildIdentity>& identity) {
    std::string detail;
    if (failed.operation != nullptr) {
        detail =
            profile::describe_failure({failed.operation, failed.call, failed.path, failed.error});
    } else {
        detail = failed.call;
        if (failed.path != nullptr) detail.append(" ").append(failed.path);
    }
    if (identity) detail += describe_identity(*identity);
    // The errno travels separately; the client prints its text once.
    return SpawnFailure{ExitStatus::not_started(failed.step, failed.error), std::move(detail)};
}

}  // namespace bro::server
