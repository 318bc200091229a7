#include "server/profile/capability_sets.hpp"

#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace bro::server::profile {
namespace {

struct Sets {
    std::uint64_t effective = 0;
    std::uint64_t permitted = 0;
    std::uint64_t inheritable = 0;
};

bool get_sets(Sets& sets) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    if (syscall(SYS_capget, &header, data) != 0) return false;
    const auto join = [](std::uint32_t low, std::uint32_t high) {
        return std::uint64_t{low} | (std::uint64_t{high} << 32);
    };
    sets.effective = join(data[0].effective, data[1].effective);
    sets.permitted = join(data[0].permitted, data[1].permitted);
    sets.inheritable = join(data[0].inheritable, data[1].inheritable);
    return true;
}

bool set_sets(const Sets& sets) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    for (int half = 0; half < 2; ++half) {
        const int shift = 32 * half;
        data[half].effective = static_cast<std::uint32_t>(sets.effective >> shift);
        data[half].permitted = static_cast<std::uint32_t>(sets.permitted >> shift);
        data[half].inheritable = static_cast<std::uint32_t>(sets.inheritable >> shift);
    }
    return syscall(SYS_capset, &header, data) == 0;
}

std::uint64_t all_up_to(int last) {
    return last >= 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (last + 1)) - 1;
}

bool has(std::uint64_t set, int capability) {
    return ((set >> capability) & 1) != 0;
}

// CAP_SETPCAP and the rest back in the effective set from the permitted one: after a switch to
// a non-root --user only PR_SET_KEEPCAPS kept them permitted, and the effective set is empty.
bool raise_effective(Sets& sets) {
    if (!get_sets(sets)) return false;
    sets.effective = sets.permitted;
    return set_sets(sets);
}

StepFailure failed(const Operation& operation, const char* call, int error) {
    return {&operation, call, nullptr, error};
}

}  // namespace

std::uint64_t baseline_capabilities() {
    Sets sets;
    if (geteuid() != 0 || !get_sets(sets)) return 0;
    return sets.permitted;
}

std::uint64_t change_capabilities(std::uint64_t kept, const Operation& operation, int last) {
    const std::uint64_t which =
        operation.number < 0 ? all_up_to(last) : std::uint64_t{1} << operation.number;
    return operation.type == OperationType::kAddCapability ? kept | which : kept & ~which;
}

StepFailure apply_capabilities(const Operation& operation, std::uint64_t kept, int last) {
    kept &= all_up_to(last);
    Sets sets;
    if (!raise_effective(sets)) return failed(operation, "capget/capset", errno);
    // What is not permitted now cannot be kept; the read-back below reports it.
    sets.inheritable = kept & sets.permitted;
    if (!set_sets(sets)) return failed(operation, "capset (inheritable)", errno);
    for (int capability = 0; capability <= last; ++capability) {
        if (!has(kept, capability) && prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0) {
            return failed(operation, "prctl PR_CAPBSET_DROP", errno);
        }
    }
    if (!set_sets({kept, kept, kept})) return failed(operation, "capset", errno);
    // Ambient: what a non-root program keeps through exec.
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
        return failed(operation, "prctl PR_CAP_AMBIENT_CLEAR_ALL", errno);
    }
    for (int capability = 0; capability <= last; ++capability) {
        if (has(kept, capability) &&
            prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, capability, 0, 0) != 0) {
            return failed(operation, "prctl PR_CAP_AMBIENT_RAISE", errno);
        }
    }
    Sets now;
    if (!get_sets(now)) return failed(operation, "capget (read back)", errno);
    bool exact = now.effective == kept && now.permitted == kept && now.inheritable == kept;
    for (int capability = 0; capability <= last && exact; ++capability) {
        exact = prctl(PR_CAPBSET_READ, capability, 0, 0, 0) == (has(kept, capability) ? 1 : 0) &&
                prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, capability, 0, 0) ==
                    (has(kept, capability) ? 1 : 0);
    }
    return exact ? StepFailure{} : failed(operation, "read back the capabilities", EPERM);
}

StepFailure lock_securebits(const Operation& operation) {
    Sets sets;
    if (!raise_effective(sets)) return failed(operation, "capget/capset", errno);
    const int bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
    if (bits < 0) return failed(operation, "prctl PR_GET_SECUREBITS", errno);
    const unsigned long wanted = static_cast<unsigned long>(bits) | SECBIT_NOROOT |
                                 SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                 SECBIT_NO_SETUID_FIXUP_LOCKED;
    if (prctl(PR_SET_SECUREBITS, wanted, 0, 0, 0) != 0) {
        return failed(operation, "prctl PR_SET_SECUREBITS", errno);
    }
    return {};
}

}  // namespace bro::server::profile
