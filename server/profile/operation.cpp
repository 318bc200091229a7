#include "server/profile/operation.hpp"

namespace bro::server::profile {

Stage stage_of(OperationType type) {
    switch (type) {
        case OperationType::kSetResourceLimit:
        case OperationType::kSetNice:
        case OperationType::kSetOomScoreAdj:
        case OperationType::kKeepCapabilities:
        case OperationType::kJoinNamespace:
            return Stage::kPrepare;
        case OperationType::kJoinSandbox:
        case OperationType::kChroot:
            return Stage::kEnter;
        case OperationType::kAddCapability:
        case OperationType::kDropCapability:
        case OperationType::kApplyCapabilities:
        case OperationType::kLockSecurebits:
        case OperationType::kSetNoNewPrivileges:
        case OperationType::kLoadSeccompFilter:
            return Stage::kLockDown;
        default:
            return Stage::kBuild;
    }
}

}  // namespace bro::server::profile
