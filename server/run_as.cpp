#include "server/run_as.hpp"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "core/name_list.hpp"
#include "server/account_lookup.hpp"

namespace bro::server {
namespace {

std::vector<gid_t> current_groups() {
    const int count = getgroups(0, nullptr);
    std::vector<gid_t> groups(count > 0 ? static_cast<std::size_t>(count) : 0);
    if (count > 0) groups.resize(static_cast<std::size_t>(getgroups(count, groups.data())));
    return groups;
}

bool same_groups(std::vector<gid_t> a, std::vector<gid_t> b) {
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
    b.erase(std::unique(b.begin(), b.end()), b.end());
    return a == b;
}

bool is_current_identity(const ChildIdentity& identity) {
    return identity.uid == geteuid() && identity.uid == getuid() && identity.gid == getegid() &&
           identity.gid == getgid() && same_groups(identity.groups, current_groups());
}

gid_t resolve_group(const std::string& flag, const std::string& value) {
    const auto gid = find_group_id(value);
    if (!gid) throw RunAsError(flag + " " + value + ": no such group (give a name or a number)");
    return *gid;
}

std::vector<gid_t> resolve_groups(const std::string& list) {
    std::vector<gid_t> groups;
    for (const auto name : split_name_list(list)) {
        groups.push_back(resolve_group("--groups", std::string(name)));
    }
    return groups;
}

ChildIdentity identity_for_user(const RunAsFlags& flags) {
    const std::string& user = *flags.user;
    const auto account = find_account(user);
    const auto number = parse_numeric_id(user);
    if (!account && !number) {
        throw RunAsError("--user " + user + ": no such user (give a name or a number)");
    }
    if (!account && !flags.group) {
        throw RunAsError("--user " + user +
                         ": this uid has no passwd entry, so it has no primary group; give "
                         "--group too");
    }
    ChildIdentity identity;
    identity.uid = account ? account->uid : static_cast<uid_t>(*number);
    identity.gid = flags.group ? resolve_group("--group", *flags.group) : account->gid;
    if (flags.groups) {
        identity.groups = resolve_groups(*flags.groups);
    } else if (account) {
        identity.groups = group_list_of(*account, identity.gid);
    } else {
        identity.groups = {identity.gid};
    }
    return identity;
}

std::string describe_flags(const RunAsFlags& flags) {
    std::string text;
    if (flags.user) text += "--user " + *flags.user;
    if (flags.group) text += (text.empty() ? "" : " ") + ("--group " + *flags.group);
    if (flags.groups) text += (text.empty() ? "" : " ") + ("--groups " + *flags.groups);
    return text;
}

}  // namespace

bool can_change_identity() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    if (syscall(SYS_capget, &header, data) != 0) return geteuid() == 0;
    const auto needed = (1u << CAP_SETUID) | (1u << CAP_SETGID);
    return (data[0].effective & needed) == needed;
}

std::string why_identities_cannot_change() {
    return "this server cannot change identities (it runs as uid " + std::to_string(geteuid()) +
           " without CAP_SETUID and CAP_SETGID)";
}

std::optional<ChildIdentity> resolve_run_as(const RunAsFlags& flags) {
    if (!flags.user && !flags.group && !flags.groups) return std::nullopt;
    ChildIdentity identity;
    if (flags.user) {
        identity = identity_for_user(flags);
    } else {
        identity.uid = geteuid();
        identity.gid = flags.group ? resolve_group("--group", *flags.group) : getegid();
        identity.groups = flags.groups ? resolve_groups(*flags.groups) : current_groups();
    }
    if (is_current_identity(identity)) return std::nullopt;  // nothing to change
    if (!can_change_identity()) {
        throw RunAsError(describe_flags(flags) +
                         ": the child would run under another identity, but " +
                         why_identities_cannot_change() + "; start it as root or drop the flag");
    }
    return identity;
}

ChildIdentity identity_of_peer(const PeerCredentials& peer) {
    return ChildIdentity{peer.uid, peer.gid, peer.groups};
}

}  // namespace bro::server
