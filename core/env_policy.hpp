#pragma once
// Which variables reach the child: the server's own ones named by --inherit-env, then the
// client-forwarded ones named by --allowed-env (deny by default). Nothing else.

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol.hpp"

namespace bro {

class EnvPolicy {
  public:
    EnvPolicy(std::vector<std::string> allowed_forwarded, std::vector<std::string> inherited)
        : allowed_(std::move(allowed_forwarded)), inherited_(std::move(inherited)) {}

    bool allows_forwarded(std::string_view name) const;

    // Returns "NAME=value" strings for the child. `server_environment` is the server's
    // environ (NULL-terminated). A forwarded variable wins over an inherited one of the same
    // name; a refused one is reported to `on_refused` and dropped.
    std::vector<std::string> build_child_environment(
        std::span<const protocol::EnvironmentEntry> forwarded,
        const char* const* server_environment,
        const std::function<void(std::string_view name)>& on_refused) const;

    const std::vector<std::string>& allowed() const { return allowed_; }
    const std::vector<std::string>& inherited() const { return inherited_; }

  private:
    std::vector<std::string> allowed_;
    std::vector<std::string> inherited_;
};

}  // namespace bro
