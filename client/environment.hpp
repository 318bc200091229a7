#pragma once
// Read-only view of the process environment (main's envp), looked up by string_view so names
// taken from comma lists need no NUL-terminated copy. Tests pass their own table.

#include <optional>
#include <string_view>

namespace bro::client {

class Environment {
  public:
    // `entries` is a NULL-terminated array of "NAME=value" strings that outlives this object.
    explicit Environment(const char* const* entries) : entries_(entries) {}

    // The value of `name` as getenv() would return it: the first entry wins, a variable set to
    // the empty string is "" and an unset one is nullopt.
    std::optional<std::string_view> find(std::string_view name) const;

    // The value, or "" when unset.
    std::string_view value_or_empty(std::string_view name) const {
        return find(name).value_or(std::string_view{});
    }

  private:
    const char* const* entries_;
};

}  // namespace bro::client
