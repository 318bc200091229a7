#pragma once
// Capability names as --cap-add and --cap-drop take them (CAP_SYS_ADMIN, cap_sys_admin or
// sys_admin; ALL), and back, for --check and errors.

#include <optional>
#include <string>
#include <string_view>

namespace bro::server::profile {

// "ALL" in --cap-add/--cap-drop.
inline constexpr int kAllCapabilities = -1;

// The number of a capability (CAP_CHOWN is 0), kAllCapabilities for ALL, nullopt for a name
// this build does not know.
std::optional<int> capability_number(std::string_view name);

// "CAP_SYS_ADMIN"; "ALL" for kAllCapabilities; "CAP_41" for one newer than this build.
std::string capability_name(int number);

// The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap), or this build's
// CAP_LAST_CAP when that cannot be read.
int kernel_last_capability();

}  // namespace bro::server::profile
