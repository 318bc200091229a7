#include "server/profile/profile_parser.hpp"

#include <sched.h>
#include <sys/stat.h>

#include <charconv>
#include <limits>
#include <sstream>

#include "server/profile/capability_names.hpp"
#include "server/profile/profile_draft.hpp"
#include "server/profile/profile_flags.hpp"
#include "server/profile/resource_limit_names.hpp"

namespace bro::server::profile {
namespace {

std::string spelled(const ProfileFlag& flag) {
    std::string text = "--" + flag.name;
    for (const auto& value : flag.values) text.append(" ").append(value);
    return text;
}

[[noreturn]] void refuse(const ProfileFlag& flag, const std::string& why) {
    throw ProfileError(spelled(flag) + ": " + why);
}

template <typename Number>
Number number_in(const ProfileFlag& flag, const std::string& text, long long low, long long high,
                 int base = 10) {
    long long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value < low ||
        value > high) {
        std::ostringstream range;
        range << (base == 8 ? "use an octal number from " : "use a number from ");
        if (base == 8) range << std::oct << std::showbase;
        range << low << " to " << high;
        refuse(flag, range.str());
    }
    return static_cast<Number>(value);
}

std::string inside_path(const ProfileFlag& flag, const std::string& path) {
    auto normal = normalize_inside_path(path);
    if (!normal) refuse(flag, "'" + path + "' must be an absolute path without '..'");
    return *normal;
}

std::string host_path(const ProfileFlag& flag, const std::string& path) {
    if (path.empty() || path.front() != '/') {
        refuse(flag, "'" + path + "' must be an absolute path on the host");
    }
    return path;
}

BuildRootBind build_root_bind(const ProfileFlag& flag) {
    const std::string& value = flag.values[0];
    const auto colon = value.find(':');
    BuildRootBind bind{spelled(flag), host_path(flag, value.substr(0, colon)), {}};
    bind.inside =
        inside_path(flag, colon == std::string::npos ? bind.host : value.substr(colon + 1));
    return bind;
}

// Reads the flags one by one into a ProfileDraft; --size and --perms wait for the operation
// they modify, as in bubblewrap.
class FlagReader {
  public:
    void read(const ProfileFlag& flag);
    ProfileDraft finish() &&;

  private:
    void read_namespace(const ProfileFlag& flag);
    bool read_filesystem(const ProfileFlag& flag);
    bool read_build_root(const ProfileFlag& flag);
    bool read_process(const ProfileFlag& flag);
    void add_bind(const ProfileFlag& flag);
    void check_modifiers_apply_to(const ProfileFlag& flag);

    ProfileDraft draft_;
    std::optional<std::size_t> size_;
    std::optional<mode_t> perms_;
    std::string modifier_;  // the --size/--perms flag waiting for its operation
};

void FlagReader::read(const ProfileFlag& flag) {
    const ProfileFlagSpec* spec = find_profile_flag(flag.name);
    if (spec == nullptr || static_cast<int>(flag.values.size()) != spec->value_count) {
        throw ProfileError("--" + flag.name + ": not a profile flag with " +
                           std::to_string(flag.values.size()) + " value(s)");
    }
    check_modifiers_apply_to(flag);
    if (read_filesystem(flag) || read_build_root(flag) || read_process(flag)) return;
    if (flag.name == "fresh-sandbox") {
        draft_.fresh = true;
        return;
    }
    read_namespace(flag);
}

void FlagReader::check_modifiers_apply_to(const ProfileFlag& flag) {
    if (modifier_.empty() || flag.name == "size" || flag.name == "perms") return;
    const bool takes_size = flag.name == "tmpfs";
    const bool takes_perms = takes_size || flag.name == "dir";
    if ((size_ && !takes_size) || (perms_ && !takes_perms)) {
        throw ProfileError(modifier_ + " must be followed by " +
                           (size_ ? "--tmpfs" : "--tmpfs or --dir") + ", not --" + flag.name);
    }
}

void FlagReader::read_namespace(const ProfileFlag& flag) {
    static const std::pair<const char*, int> kUnshare[] = {
        {"unshare-user", CLONE_NEWUSER}, {"unshare-ipc", CLONE_NEWIPC},
        {"unshare-pid", CLONE_NEWPID},   {"unshare-net", CLONE_NEWNET},
        {"unshare-uts", CLONE_NEWUTS},   {"unshare-cgroup", CLONE_NEWCGROUP}};
    for (const auto& [name, clone_flag] : kUnshare) {
        if (flag.name == name) {
            draft_.unshare |= clone_flag;
            return;
        }
    }
    if (flag.name == "unshare-all") {
        draft_.unshare |=
            CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWCGROUP;
        draft_.unshare_all_user = true;
    } else if (flag.name == "share-net") {
        draft_.unshare &= ~CLONE_NEWNET;
    } else if (flag.name == "uid") {
        draft_.uid =
            number_in<uid_t>(flag, flag.values[0], 0, std::numeric_limits<uid_t>::max() - 1);
    } else if (flag.name == "gid") {
        draft_.gid =
            number_in<gid_t>(flag, flag.values[0], 0, std::numeric_limits<gid_t>::max() - 1);
    } else if (flag.name == "hostname") {
        if (flag.values[0].empty() || flag.values[0].size() > 64)
            refuse(flag, "use 1 to 64 characters");
        draft_.hostname = flag.values[0];
    } else if (flag.name == "setns") {
        Operation join{OperationType::kJoinNamespace, spelled(flag)};
        join.source = host_path(flag, flag.values[0]);
        draft_.prepare.push_back(std::move(join));
    }
}

void FlagReader::add_bind(const ProfileFlag& flag) {
    const std::string& name = flag.name;
    Operation bind = filesystem_operation(OperationType::kBind, spelled(flag),
                                          inside_path(flag, flag.values[1]));
    bind.source = host_path(flag, flag.values[0]);
    bind.source_path = "/oldroot" + (bind.source == "/" ? "" : bind.source);
    bind.optional = name.size() > 4 && name.compare(name.size() - 4, 4, "-try") == 0;
    bind.read_only = name.rfind("ro-", 0) == 0;
    bind.devices = name.rfind("dev-", 0) == 0;
    draft_.filesystem.push_back(std::move(bind));
}

bool FlagReader::read_filesystem(const ProfileFlag& flag) {
    const std::string& name = flag.name;
    const auto simple = [&](OperationType type) {
        draft_.filesystem.push_back(
            filesystem_operation(type, spelled(flag), inside_path(flag, flag.values[0])));
        return &draft_.filesystem.back();
    };
    if (name.find("bind") != std::string::npos) {
        add_bind(flag);
    } else if (name == "size") {
        size_ =
            number_in<std::size_t>(flag, flag.values[0], 1, std::numeric_limits<long long>::max());
        modifier_ = spelled(flag);
    } else if (name == "perms") {
        perms_ = number_in<mode_t>(flag, flag.values[0], 0, 07777, 8);
        modifier_ = spelled(flag);
    } else if (name == "tmpfs" || name == "dir") {
        Operation* operation =
            simple(name == "tmpfs" ? OperationType::kMountTmpfs : OperationType::kMakeDirectory);
        operation->mode = perms_.value_or(0755);
        std::ostringstream options;
        options << "mode=0" << std::oct << operation->mode << std::dec;
        if (size_) options << ",size=" << *size_;
        operation->data = options.str();
        if (!modifier_.empty()) operation->spelling = modifier_ + " " + operation->spelling;
        size_.reset();
        perms_.reset();
        modifier_.clear();
    } else if (name == "remount-ro" || name == "proc" || name == "dev" || name == "mqueue") {
        simple(name == "remount-ro" ? OperationType::kRemountReadOnly
               : name == "proc"     ? OperationType::kMountProc
               : name == "dev"      ? OperationType::kMountDev
                                    : OperationType::kMountMqueue);
    } else if (name == "symlink") {
        draft_.filesystem.push_back(filesystem_operation(OperationType::kMakeSymlink, spelled(flag),
                                                         inside_path(flag, flag.values[1])));
        draft_.filesystem.back().source = flag.values[0];
    } else if (name == "chmod") {
        draft_.filesystem.push_back(filesystem_operation(OperationType::kChangeMode, spelled(flag),
                                                         inside_path(flag, flag.values[1])));
        draft_.filesystem.back().mode = number_in<mode_t>(flag, flag.values[0], 0, 07777, 8);
    } else if (name == "chdir") {
        draft_.chdir = inside_path(flag, flag.values[0]);
    } else if (name == "pivot-root") {
        Operation root{OperationType::kCreateRoot, spelled(flag)};
        root.source = host_path(flag, flag.values[0]);
        draft_.root = std::move(root);
    } else if (name == "chroot") {
        Operation chroot{OperationType::kChroot, spelled(flag)};
        chroot.destination = inside_path(flag, flag.values[0]);
        draft_.chroot = std::move(chroot);
    } else {
        return false;
    }
    return true;
}

bool FlagReader::read_build_root(const ProfileFlag& flag) {
    if (flag.name == "build-root") {
        draft_.build_root = host_path(flag, flag.values[0]);
    } else if (flag.name == "src") {
        draft_.source = build_root_bind(flag);
    } else if (flag.name == "out") {
        draft_.output = build_root_bind(flag);
    } else if (flag.name == "tmpfs-at") {
        draft_.tmpfs_at = inside_path(flag, flag.values[0]);
    } else {
        return false;
    }
    return true;
}

bool FlagReader::read_process(const ProfileFlag& flag) {
    const std::string& name = flag.name;
    if (name == "cap-add" || name == "cap-drop") {
        const auto number = capability_number(flag.values[0]);
        if (!number)
            refuse(flag, "unknown capability; use a name like CAP_NET_BIND_SERVICE, or ALL");
        Operation change{
            name == "cap-add" ? OperationType::kAddCapability : OperationType::kDropCapability,
            spelled(flag)};
        change.number = *number;
        draft_.capabilities.push_back(std::move(change));
    } else if (name == "no-new-privs") {
        draft_.no_new_privs = true;
    } else if (name == "lock-securebits") {
        draft_.lock_securebits = true;
    } else if (name == "rlimit") {
        const auto setting = parse_resource_limit(flag.values[0]);
        if (!setting) {
            refuse(flag,
                   "use NAME=SOFT[:HARD] with a name like nofile, nproc, core or as, and "
                   "numbers or 'unlimited' (soft at most hard)");
        }
        Operation limit{OperationType::kSetResourceLimit, spelled(flag)};
        limit.number = setting->resource;
        limit.limit = setting->limit;
        draft_.prepare.push_back(std::move(limit));
    } else if (name == "nice") {
        Operation nice{OperationType::kSetNice, spelled(flag)};
        nice.number = number_in<int>(flag, flag.values[0], -20, 19);
        draft_.prepare.push_back(std::move(nice));
    } else if (name == "oom-score-adj") {
        Operation adjust{OperationType::kSetOomScoreAdj, spelled(flag)};
        adjust.number = number_in<int>(flag, flag.values[0], -1000, 1000);
        adjust.data = std::to_string(adjust.number);
        draft_.prepare.push_back(std::move(adjust));
    } else if (name == "seccomp") {
        draft_.seccomp_file = host_path(flag, flag.values[0]);
    } else {
        return false;
    }
    return true;
}

ProfileDraft FlagReader::finish() && {
    if (!modifier_.empty()) {
        throw ProfileError(modifier_ + " must be followed by the operation it applies to");
    }
    return std::move(draft_);
}

}  // namespace

std::optional<std::string> normalize_inside_path(const std::string& path) {
    if (path.empty() || path.front() != '/') return std::nullopt;
    std::string normal;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto end = std::min(path.find('/', start), path.size());
        const std::string part = path.substr(start, end - start);
        if (part == "..") return std::nullopt;
        if (!part.empty() && part != ".") normal.append("/").append(part);
        start = end + 1;
    }
    return normal.empty() ? "/" : normal;
}

Operation filesystem_operation(OperationType type, std::string spelling, std::string destination) {
    Operation operation{type, std::move(spelling)};
    operation.destination_path = "/newroot" + (destination == "/" ? "" : destination);
    operation.destination = std::move(destination);
    return operation;
}

ExecutionProfile parse_profile(const std::vector<ProfileFlag>& flags,
                               const ProfileContext& context) {
    FlagReader reader;
    for (const auto& flag : flags) reader.read(flag);
    return assemble_profile(std::move(reader).finish(), context);
}

}  // namespace bro::server::profile
