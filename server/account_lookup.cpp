#include "server/account_lookup.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <system_error>
#include <utility>

namespace bro::server {
namespace {

// Runs a reentrant NSS lookup (getpw*_r, getgr*_r) and returns take(entry), or nullopt when
// there is no such entry. They report a too small buffer with ERANGE; a big group's member
// list needs more than sysconf's hint, so the buffer grows (up to 16 MiB).
template <typename Entry, typename Lookup, typename Take>
auto lookup_entry(Lookup lookup, Take take, const std::string& what)
    -> std::optional<decltype(take(std::declval<const Entry&>()))> {
    std::vector<char> buffer(16384);
    for (;;) {
        Entry entry{};
        Entry* found = nullptr;
        const int error = lookup(&entry, buffer.data(), buffer.size(), &found);
        if (error == ERANGE && buffer.size() < (16u << 20)) {
            buffer.resize(buffer.size() * 4);
            continue;
        }
        if (error != 0 && error != ENOENT && error != ESRCH) {
            throw std::system_error(error, std::system_category(), what);
        }
        if (found == nullptr) return std::nullopt;
        return take(*found);
    }
}

Account account_from(const passwd& entry) {
    return Account{entry.pw_uid, entry.pw_gid, entry.pw_name};
}

}  // namespace

std::optional<unsigned> parse_numeric_id(std::string_view text) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    // (uid_t)-1 means "unchanged" to the set*id calls: never a real id.
    if (value == static_cast<unsigned>(-1)) return std::nullopt;
    return value;
}

std::optional<Account> find_account(std::string_view name_or_uid) {
    const std::string text(name_or_uid);
    if (const auto uid = parse_numeric_id(text)) {
        return lookup_entry<passwd>(
            [&](passwd* entry, char* buffer, std::size_t size, passwd** found) {
                return getpwuid_r(*uid, entry, buffer, size, found);
            },
            account_from, "getpwuid_r " + text);
    }
    return lookup_entry<passwd>(
        [&](passwd* entry, char* buffer, std::size_t size, passwd** found) {
            return getpwnam_r(text.c_str(), entry, buffer, size, found);
        },
        account_from, "getpwnam_r " + text);
}

std::optional<uid_t> find_user_id(std::string_view name_or_uid) {
    if (const auto uid = parse_numeric_id(name_or_uid)) return static_cast<uid_t>(*uid);
    const auto account = find_account(name_or_uid);
    if (!account) return std::nullopt;
    return account->uid;
}

std::optional<gid_t> find_group_id(std::string_view name_or_gid) {
    if (const auto gid = parse_numeric_id(name_or_gid)) return static_cast<gid_t>(*gid);
    const std::string name(name_or_gid);
    return lookup_entry<group>(
        [&](group* entry, char* buffer, std::size_t size, group** found) {
            return getgrnam_r(name.c_str(), entry, buffer, size, found);
        },
        [](const group& entry) { return entry.gr_gid; }, "getgrnam_r " + name);
}

std::vector<gid_t> group_list_of(const Account& account, gid_t gid) {
    std::vector<gid_t> groups(64);
    for (;;) {
        int count = static_cast<int>(groups.size());
        if (getgrouplist(account.name.c_str(), gid, groups.data(), &count) >= 0) {
            groups.resize(static_cast<std::size_t>(count));
            return groups;
        }
        // -1: too small, and `count` now says how many there are.
        groups.resize(static_cast<std::size_t>(count) > groups.size()
                          ? static_cast<std::size_t>(count)
                          : groups.size() * 2);
    }
}

}  // namespace bro::server
