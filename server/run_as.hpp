#pragma once
// --user, --group, --groups and --as-peer: which identity the child gets, decided at start-up.
// Only a server that may change identities (CAP_SETUID and CAP_SETGID, normally root) can
// honour them; the check here lets start-up refuse rather than every call failing.

#include <optional>
#include <stdexcept>
#include <string>

#include "server/child_identity.hpp"
#include "server/peer_credentials.hpp"

namespace bro::server {

// --user/--group/--groups as given; nullopt: the flag was not given.
struct RunAsFlags {
    std::optional<std::string> user = {};
    std::optional<std::string> group = {};
    std::optional<std::string> groups = {};
};

// A configuration error whose message names the flag.
struct RunAsError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The identity the flags describe, missing parts taken from the account: --user alone gives
// its uid, its passwd gid and getgrouplist()'s groups (what initgroups would set); without
// --user the server's own uid stays. Throws RunAsError for unknown names, a numeric --user
// without passwd entry and without --group, or an identity this process cannot switch to.
// Returns nullopt when no flag was given or the identity is the server's own already.
std::optional<ChildIdentity> resolve_run_as(const RunAsFlags& flags);

// Whether setgroups/setresgid/setresuid to other ids can succeed here.
bool can_change_identity();
// "this server cannot change identities (it runs as uid N without CAP_SETUID and CAP_SETGID)",
// for the start-up errors of the flags that need it.
std::string why_identities_cannot_change();

// --as-peer: the child gets exactly the caller's uid, gid and supplementary groups as the
// kernel recorded them at connect() (never more than the caller had: a sandbox that cleared
// its groups does not get them back, as getgrouplist() would).
ChildIdentity identity_of_peer(const PeerCredentials& peer);

}  // namespace bro::server
