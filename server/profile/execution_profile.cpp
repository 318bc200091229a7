#include "server/profile/execution_profile.hpp"

#include <sched.h>

namespace bro::server::profile {
namespace {

const char* stage_heading(Stage stage, const ExecutionProfile& profile) {
    switch (stage) {
        case Stage::kPrepare:
            return "every call, before entering the sandbox:";
        case Stage::kBuild:
            return profile.fresh ? "every call, a new sandbox (--fresh-sandbox):"
                                 : "once, the prepared sandbox (rebuilt if its holder dies):";
        case Stage::kEnter:
            return "every call, entering the sandbox:";
        case Stage::kLockDown:
            return "every call, just before exec:";
    }
    return "";
}

}  // namespace

bool ExecutionProfile::user_namespace() const {
    return (namespaces & CLONE_NEWUSER) != 0;
}

bool ExecutionProfile::program_in_new_pid_namespace() const {
    return (namespaces & CLONE_NEWPID) != 0 || joins_pid_namespace;
}

std::string describe_profile(const ExecutionProfile& profile) {
    if (profile.empty())
        return "no execution profile: the program runs as bro runs it unsandboxed\n";
    std::string text;
    bool first = true;
    Stage current = Stage::kPrepare;
    for (const Operation& operation : profile.operations) {
        const Stage stage = stage_of(operation.type);
        if (first || stage != current) {
            text.append(first ? "" : "\n").append(stage_heading(stage, profile)).append("\n");
            current = stage;
            first = false;
        }
        text.append("  ").append(operation.spelling).append("\n");
    }
    if (profile.working_directory) {
        text.append("\nthe program starts in ").append(*profile.working_directory);
        text.append(" (--chdir), not in the caller's directory\n");
    }
    return text;
}

}  // namespace bro::server::profile
