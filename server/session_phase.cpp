#include "server/session_phase.hpp"

#include <spdlog/spdlog.h>

namespace bro::server {

const char* phase_name(Phase phase) {
    switch (phase) {
        case Phase::kReceiving:
            return "receiving";
        case Phase::kUploading:
            return "uploading";
        case Phase::kRunning:
            return "running";
        case Phase::kDraining:
            return "draining";
        case Phase::kReporting:
            return "reporting";
    }
    return "?";
}

void SessionPhase::enter(Phase next) {
    spdlog::trace("session {}: {} -> {}", session_id_, phase_name(current_), phase_name(next));
    current_ = next;
}

}  // namespace bro::server
