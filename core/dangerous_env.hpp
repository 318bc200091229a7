#pragma once
// Environment variables that let whoever sets them run code, load code or redirect files in
// the program that reads them. A client-forwarded one is refused even when --allowed-env names
// it, unless --allow-dangerous-env names it too: listing a name in --allowed-env is easy to do
// without knowing that, say, PYTHONSTARTUP runs a file before the tool's own code.
//
// The server's own variables (--inherit-env) are not checked: the administrator set them.

#include <span>
#include <string_view>

namespace bro {

struct DangerousEnvName {
    enum class Match { kExact, kPrefix };
    std::string_view name;  // the whole name, or its beginning with kPrefix
    Match match = Match::kExact;
    std::string_view why;  // for logs: what setting it lets a caller do
};

// The built-in table, in a stable order (see dangerous_env.cpp for each entry's reason).
std::span<const DangerousEnvName> dangerous_env_names();

// The entry that makes `name` dangerous, or nullptr. Names are case-sensitive, as the
// programs that read them are.
const DangerousEnvName* find_dangerous_env(std::string_view name);

}  // namespace bro
