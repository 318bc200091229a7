#pragma once
// Which variables reach the child: the server's own ones named by --inherit-env, then the
// client-forwarded ones named by --allowed-env (deny by default). Nothing else, and never a
// BRO_PEER_* variable, which only the server sets. A forwarded
// name on the dangerous list (dangerous_env.hpp) also needs --allow-dangerous-env; inherited
// ones do not, since the administrator set them.

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/dangerous_env.hpp"
#include "core/request_decoding.hpp"

namespace bro {

// BRO_PEER_UID, _GID, _PID: the caller's identity, which only the server sets. No forwarded or
// inherited variable of this prefix passes, whatever --allowed-env and --inherit-env say.
inline constexpr std::string_view kServerSetEnvPrefix = "BRO_PEER_";
inline bool is_server_set_env(std::string_view name) {
    return name.starts_with(kServerSetEnvPrefix);
}

class EnvPolicy {
  public:
    EnvPolicy(std::vector<std::string> allowed_forwarded, std::vector<std::string> inherited,
              std::vector<std::string> dangerous_allowed = {})
        : allowed_(std::move(allowed_forwarded)),
          inherited_(std::move(inherited)),
          dangerous_allowed_(std::move(dangerous_allowed)) {}

    bool allows_forwarded(std::string_view name) const;
    // Why a forwarded `name` is refused, for logs; empty when it is allowed.
    std::string why_refused(std::string_view name) const;

    // Returns "NAME=value" strings for the child. `server_environment` is the server's
    // environ (NULL-terminated). A forwarded variable wins over an inherited one of the same
    // name; a refused one is reported to `on_refused` and dropped.
    std::vector<std::string> build_child_environment(
        std::span<const protocol::EnvironmentEntry> forwarded,
        const char* const* server_environment,
        const std::function<void(std::string_view name)>& on_refused) const;

  private:
    std::vector<std::string> allowed_;
    std::vector<std::string> inherited_;
    std::vector<std::string> dangerous_allowed_;
};

}  // namespace bro
