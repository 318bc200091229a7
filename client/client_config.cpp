#include "client/client_config.hpp"

#include "core/name_list.hpp"

namespace bro::client {
namespace {

// The value if `entry` is "name=value".
std::optional<std::string_view> value_if_named(std::string_view entry, std::string_view name) {
    if (entry.size() > name.size() && entry[name.size()] == '=' && entry.starts_with(name)) {
        return entry.substr(name.size() + 1);
    }
    return std::nullopt;
}

std::optional<TransferChoice> parse_transfer_choice(std::string_view text) {
    if (text.empty() || text == "auto") return TransferChoice::kAuto;
    if (text == "content") return TransferChoice::kContent;
    if (text == "fd") return TransferChoice::kFdPassing;
    return std::nullopt;
}

constexpr std::string_view kSettings[] = {
    "BRO_SOCKET_PATH", "BRO_TRANSFER_MODE", "BRO_FORWARD_ENV",       "BRO_FILE_FLAGS",
    "BRO_FILE_ARGS",   "BRO_FORWARD_FDS",   "BRO_CAPTURE_TTY_STDIN", "BRO_LOG",
    "BRO_STDIN",       "BRO_TTY",           "BRO_CONNECT_TIMEOUT",
};

}  // namespace

std::optional<std::string_view> Environment::find(std::string_view name) const {
    if (name.empty() || name.find('=') != std::string_view::npos) return std::nullopt;
    for (std::string_view entry : overrides_) {
        if (auto value = value_if_named(entry, name)) return value;
    }
    if (entries_ == nullptr) return std::nullopt;
    for (const char* const* entry = entries_; *entry != nullptr; ++entry) {
        if (auto value = value_if_named(*entry, name)) return value;
    }
    return std::nullopt;
}

bool is_client_setting(std::string_view name) {
    for (std::string_view setting : kSettings) {
        if (name == setting) return true;
    }
    return false;
}

ClientConfig read_client_config(const Environment& environment) {
    ClientConfig config;
    config.socket_path = environment.value_or_empty("BRO_SOCKET_PATH");
    config.transfer_mode_text = environment.value_or_empty("BRO_TRANSFER_MODE");
    config.transfer_mode = parse_transfer_choice(config.transfer_mode_text);
    config.forward_environment = split_name_list(environment.value_or_empty("BRO_FORWARD_ENV"));
    config.file_arguments.flags = split_name_list(environment.value_or_empty("BRO_FILE_FLAGS"));
    config.file_arguments.positional_paths = !environment.value_or_empty("BRO_FILE_ARGS").empty();
    config.forward_fds = environment.value_or_empty("BRO_FORWARD_FDS");
    config.capture_tty_stdin = !environment.value_or_empty("BRO_CAPTURE_TTY_STDIN").empty();
    config.connect_timeout_text = environment.value_or_empty("BRO_CONNECT_TIMEOUT");
    if (!config.connect_timeout_text.empty()) {
        config.connect_timeout_seconds =
            parse_setting_number(config.connect_timeout_text, kMaxConnectTimeoutSeconds);
        if (config.connect_timeout_seconds == 0u) config.connect_timeout_seconds.reset();
    }
    config.debug_log = environment.value_or_empty("BRO_LOG") == "debug";
    config.stdin_setting = environment.value_or_empty("BRO_STDIN");
    config.stdin_none = config.stdin_setting == "none";
    config.stdin_setting_valid = config.stdin_none || config.stdin_setting.empty();
    config.tty_setting = environment.value_or_empty("BRO_TTY");
    if (config.tty_setting == "1" || config.tty_setting == "0") {
        config.tty = config.tty_setting == "1";
    } else {
        config.tty_setting_valid = config.tty_setting.empty();
    }
    return config;
}

const char* transfer_choice_name(TransferChoice choice) {
    switch (choice) {
        case TransferChoice::kAuto:
            return "auto";
        case TransferChoice::kContent:
            return "content";
        case TransferChoice::kFdPassing:
            return "fd";
    }
    return "?";
}

std::optional<std::uint32_t> parse_setting_number(std::string_view text, std::uint32_t max) {
    if (text.empty()) return std::nullopt;
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
        if (value > max) return std::nullopt;
    }
    return static_cast<std::uint32_t>(value);
}

}  // namespace bro::client
