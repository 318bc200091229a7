#pragma once
// Where one call is: each session goes through these phases in order, and may end early in
// any of them (a refusal, a vanished client, a deadline). Each phase owns its own deadline
// and the stop source that ends what it started.
//
//   receiving   the Request frame (--request-timeout)
//   uploading   content mode's file arguments into the session directory
//   running     the program runs; stdin, signals and output are relayed (--timeout)
//   draining    the program exited; its output is read until end of file (--drain-timeout)
//   reporting   the Exit frame goes out; then the connection closes

#include <cstdint>

namespace bro::server {

enum class Phase : std::uint8_t { kReceiving, kUploading, kRunning, kDraining, kReporting };

const char* phase_name(Phase phase);

// The phase of one session, logged at each change.
class SessionPhase {
  public:
    explicit SessionPhase(std::uint64_t session_id) : session_id_(session_id) {}
    Phase current() const { return current_; }
    void enter(Phase next);

  private:
    std::uint64_t session_id_;
    Phase current_ = Phase::kReceiving;
};

}  // namespace bro::server
