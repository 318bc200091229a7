#pragma once
// Everything the client is told, read once from the environment (with a wrapper file's
// settings over it) into a value object. The client has no flags of its own: every argument
// belongs to the remote command.
//
//   BRO_SOCKET_PATH        (required) the server's socket; "@name" is an abstract socket
//   BRO_TRANSFER_MODE      "auto" (default, also when empty), "content" or "fd"
//   BRO_FORWARD_ENV        comma list of variables to forward when set (even if empty)
//   BRO_FILE_FLAGS         comma list of flags whose value is a file path, e.g. "-C,--file"
//   BRO_FILE_ARGS          non-empty: every positional argument may be a file path too
//   BRO_FORWARD_FDS        comma list of extra fds (3 and up) to pass in fd-passing mode
//   BRO_CAPTURE_TTY_STDIN  non-empty: stream stdin even when it is a terminal; with stdin and
//                          stdout terminals and BRO_TTY unset, a terminal session (content
//                          mode only: fd passing hands the program the terminal itself)
//   BRO_TTY                "1": a terminal session when stdin and stdout are terminals (the
//                          program gets a pseudo-terminal, caller_terminal.hpp); "0": never
//   BRO_STDIN              "none": the program reads /dev/null, stdin is left alone (ssh -n)
//   BRO_CONNECT_TIMEOUT    seconds connect() may wait while the server's listen queue is full
//                          (1 to 3600, default 10); then exit 125 saying it is not accepting
//   BRO_LOG                "debug": print debug lines to stderr

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/file_arguments.hpp"

namespace bro::client {

// Read-only view of the process environment (main's envp), looked up by string_view so names
// taken from comma lists need no NUL-terminated copy. A wrapper file's settings lie on top of
// it: they override the caller's variables, as `export` lines in a shell wrapper would.
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

// What BRO_TRANSFER_MODE asks for. kAuto tries fd-passing and falls back to content mode
// when the server says it takes only that, so a client needs no configuration for either
// kind of server; the other two insist on one mode.
enum class TransferChoice { kAuto, kContent, kFdPassing };

inline constexpr std::uint32_t kDefaultConnectTimeoutSeconds = 10;
inline constexpr std::uint32_t kMaxConnectTimeoutSeconds = 3600;

struct ClientConfig {
    std::string_view socket_path;  // empty when BRO_SOCKET_PATH is unset or empty
    // nullopt when BRO_TRANSFER_MODE holds something else; the text is kept for the message.
    std::optional<TransferChoice> transfer_mode = TransferChoice::kAuto;
    std::string_view transfer_mode_text;
    std::vector<std::string_view> forward_environment;
    FileArgumentRules file_arguments;
    std::string_view forward_fds;  // BRO_FORWARD_FDS as written; forwarded_fds.hpp parses it
    bool capture_tty_stdin = false;
    // BRO_TTY: nullopt when unset or empty; tty_setting_valid is false for anything but 0 or 1.
    std::optional<bool> tty;
    bool tty_setting_valid = true;
    std::string_view tty_setting;
    bool stdin_none = false;          // BRO_STDIN=none
    bool stdin_setting_valid = true;  // false when BRO_STDIN holds something else
    std::string_view stdin_setting;   // BRO_STDIN as written, for the message
    // BRO_CONNECT_TIMEOUT; nullopt when it holds anything but a whole number of seconds from 1
    // to kMaxConnectTimeoutSeconds. The text is kept for the message.
    std::optional<std::uint32_t> connect_timeout_seconds = kDefaultConnectTimeoutSeconds;
    std::string_view connect_timeout_text;
    bool debug_log = false;
};

// Every BRO_* name above: a wrapper file may set only these, so a typo is an error, not a
// setting silently ignored.
bool is_client_setting(std::string_view name);

// Views in the result point into `environment`'s strings, which live as long as the process.
ClientConfig read_client_config(const Environment& environment);

const char* transfer_choice_name(TransferChoice choice);

// A setting's number: decimal digits only, no sign, at most `max` ("03" is 3; "+3", "3x", ""
// and anything above `max` are nullopt).
std::optional<std::uint32_t> parse_setting_number(std::string_view text, std::uint32_t max);

}  // namespace bro::client
