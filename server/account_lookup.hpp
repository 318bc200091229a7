#pragma once
// Users and groups by name or number, through NSS (getpwnam_r, getgrnam_r, getgrouplist).
// These calls may block on a remote directory (LDAP, sssd): call them at start-up, or per
// session only where the answer depends on the caller (--as-peer does not need them).

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bro::server {

struct Account {
    uid_t uid = 0;
    gid_t gid = 0;  // primary group, from the passwd entry
    std::string name = {};
};

// A decimal id ("1000"), or nullopt for anything else (a name).
std::optional<unsigned> parse_numeric_id(std::string_view text);

// The passwd entry for a name or a number; nullopt when there is none.
std::optional<Account> find_account(std::string_view name_or_uid);
// A group's id for a name or a number (a number needs no group entry); nullopt for an
// unknown name.
std::optional<gid_t> find_group_id(std::string_view name_or_gid);
// A user's id for a name or a number (a number needs no passwd entry); nullopt for an unknown
// name.
std::optional<uid_t> find_user_id(std::string_view name_or_uid);
// What initgroups() would set for `account` with primary group `gid`: its groups from the
// group database, `gid` included.
std::vector<gid_t> group_list_of(const Account& account, gid_t gid);

}  // namespace bro::server
