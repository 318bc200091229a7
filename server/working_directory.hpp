#pragma once
// Where one call's child starts (--cwd), worked out before the spawn, off the event loop and
// with the child's rights (cwd_resolution.hpp): --cwd DIR, or the caller's directory (fd mode:
// the descriptor the caller passed, checked that its filesystem answers). The result is a
// descriptor the child fchdir()s to, or why there is none, which the session turns into the
// fallback (--cwd caller) or a refusal (--cwd caller-strict, --cwd DIR).

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "core/request_decoding.hpp"
#include "core/unique_fd.hpp"
#include "ring/task.hpp"
#include "server/child_identity.hpp"
#include "server/cwd_resolution.hpp"
#include "server/server_config.hpp"

namespace bro::server {

struct WorkingDirectory {
    UniqueFd fd;       // the directory, resolved
    int error = 0;     // else why it is not usable here
    std::string path;  // names it in messages
};

// `received_cwd`: fd mode's descriptor of the caller's directory, or -1. Logs a resolution
// that ran past its deadline, or could not be tried (the caller has too many stuck ones).
ring::Task<WorkingDirectory> find_working_directory(CwdResolver& resolver,
                                                    const ServerConfig& config,
                                                    const protocol::Request& request,
                                                    int received_cwd,
                                                    const std::optional<ChildIdentity>& identity,
                                                    uid_t caller, std::uint64_t session_id);

}  // namespace bro::server
