#pragma once
// Read-only view of the process environment (main's envp), looked up by string_view so names
// taken from comma lists need no NUL-terminated copy. A wrapper file's settings lie on top of
// it: they override the caller's variables, as `export` lines in a shell wrapper would.

#include <optional>
#include <span>
#include <string_view>

namespace bro::client {

class Environment {
  public:
    // `entries` is a NULL-terminated array of "NAME=value" strings that outlives this object.
    // `overrides` ("NAME=value" each) win over `entries`; both must outlive this object.
    explicit Environment(const char* const* entries,
                         std::span<const std::string_view> overrides = {})
        : entries_(entries), overrides_(overrides) {}

    // The value of `name` as getenv() would return it: the first entry wins, a variable set to
    // the empty string is "" and an unset one is nullopt.
    std::optional<std::string_view> find(std::string_view name) const;

    // The value, or "" when unset.
    std::string_view value_or_empty(std::string_view name) const {
        return find(name).value_or(std::string_view{});
    }

  private:
    const char* const* entries_;
    std::span<const std::string_view> overrides_;
};

}  // namespace bro::client
