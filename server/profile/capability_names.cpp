#include "server/profile/capability_names.hpp"

#include <linux/capability.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>

namespace bro::server::profile {
namespace {

// Indexed by number, as <linux/capability.h> numbers them.
constexpr std::array<std::string_view, CAP_LAST_CAP + 1> kNames = {"CHOWN",
                                                                   "DAC_OVERRIDE",
                                                                   "DAC_READ_SEARCH",
                                                                   "FOWNER",
                                                                   "FSETID",
                                                                   "KILL",
                                                                   "SETGID",
                                                                   "SETUID",
                                                                   "SETPCAP",
                                                                   "LINUX_IMMUTABLE",
                                                                   "NET_BIND_SERVICE",
                                                                   "NET_BROADCAST",
                                                                   "NET_ADMIN",
                                                                   "NET_RAW",
                                                                   "IPC_LOCK",
                                                                   "IPC_OWNER",
                                                                   "SYS_MODULE",
                                                                   "SYS_RAWIO",
                                                                   "SYS_CHROOT",
                                                                   "SYS_PTRACE",
                                                                   "SYS_PACCT",
                                                                   "SYS_ADMIN",
                                                                   "SYS_BOOT",
                                                                   "SYS_NICE",
                                                                   "SYS_RESOURCE",
                                                                   "SYS_TIME",
                                                                   "SYS_TTY_CONFIG",
                                                                   "MKNOD",
                                                                   "LEASE",
                                                                   "AUDIT_WRITE",
                                                                   "AUDIT_CONTROL",
                                                                   "SETFCAP",
                                                                   "MAC_OVERRIDE",
                                                                   "MAC_ADMIN",
                                                                   "SYSLOG",
                                                                   "WAKE_ALARM",
                                                                   "BLOCK_SUSPEND",
                                                                   "AUDIT_READ",
                                                                   "PERFMON",
                                                                   "BPF",
                                                                   "CHECKPOINT_RESTORE"};

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

}  // namespace

std::optional<int> capability_number(std::string_view name) {
    std::string wanted = upper(name);
    if (wanted == "ALL") return kAllCapabilities;
    if (wanted.rfind("CAP_", 0) == 0) wanted.erase(0, 4);
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        if (kNames[i] == wanted) return static_cast<int>(i);
    }
    return std::nullopt;
}

std::string capability_name(int number) {
    if (number == kAllCapabilities) return "ALL";
    if (number >= 0 && number < static_cast<int>(kNames.size())) {
        return "CAP_" + std::string(kNames[static_cast<std::size_t>(number)]);
    }
    return "CAP_" + std::to_string(number);
}

int kernel_last_capability() {
    std::ifstream file("/proc/sys/kernel/cap_last_cap");
    int last = -1;
    if (file >> last && last >= 0 && last < 64) return last;
    return CAP_LAST_CAP;
}

}  // namespace bro::server::profile
