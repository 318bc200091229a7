#include "server/config_file.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>

#include "core/name_list.hpp"
#include "server/profile/profile_flags.hpp"
#include "server/server_options.hpp"

namespace bro::server {
namespace po = boost::program_options;
namespace {

// Where a setting came from, for messages: "/etc/bro/bro.toml:12: [tool.cc] max-args".
struct Origin {
    const std::string& file;
    std::string table;
    int line = 0;

    std::string at(const std::string& key = {}) const {
        return file + ":" + std::to_string(line) + ": [" + table + "]" + (key.empty() ? "" : " ") +
               key + ": ";
    }
};

// The key that holds the execution profile, which no option stands for.
constexpr const char* kProfileKey = "profile";

bool valid_tool_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
}

std::string scalar_text(const toml::node& value, const Origin& origin, const std::string& key) {
    if (const auto* text = value.as_string()) return text->get();
    if (const auto* number = value.as_integer()) return std::to_string(number->get());
    if (const auto* number = value.as_floating_point()) {
        std::ostringstream out;
        out << number->get();
        return out.str();
    }
    throw ConfigError(origin.at(key) + "use a string or a number here");
}

std::vector<std::string> list_items(const toml::node& value, const Origin& origin,
                                    const std::string& key) {
    std::vector<std::string> items;
    if (const auto* array = value.as_array()) {
        for (const auto& item : *array) items.push_back(scalar_text(item, origin, key));
    } else {
        for (auto item : split_name_list(scalar_text(value, origin, key))) items.emplace_back(item);
    }
    return items;
}

bool takes_no_value(const po::option_description& option) {
    return option.semantic()->max_tokens() == 0;
}

bool repeatable(const po::option_description& option) {
    return dynamic_cast<const po::typed_value<std::vector<std::string>>*>(
               option.semantic().get()) != nullptr;
}

// One key of a tool table as the command-line arguments it stands for.
void append_arguments(const po::option_description& option, const toml::node& value,
                      const Origin& origin, std::vector<std::string>& arguments) {
    const std::string& key = option.long_name();
    const std::string flag = "--" + key;
    if (takes_no_value(option)) {
        const auto* on = value.as_boolean();
        if (on == nullptr) throw ConfigError(origin.at(key) + "use true or false");
        if (on->get()) arguments.push_back(flag);
        return;
    }
    if (value.is_boolean()) throw ConfigError(origin.at(key) + "this setting takes a value");
    if (value.is_table()) throw ConfigError(origin.at(key) + "a table is not a value here");
    if (!value.is_array()) {
        arguments.insert(arguments.end(), {flag, scalar_text(value, origin, key)});
        return;
    }
    const auto items = list_items(value, origin, key);
    if (repeatable(option)) {
        for (const auto& item : items) arguments.insert(arguments.end(), {flag, item});
        return;
    }
    std::string joined;
    for (const auto& item : items) joined += (joined.empty() ? "" : ",") + item;
    arguments.insert(arguments.end(), {flag, joined});
}

// The execution profile's flags in order, as on the command line, since their order is part
// of their meaning: profile = ["--unshare-all", "--ro-bind", "/usr", "/usr"].
void append_profile(const toml::node& value, const Origin& origin,
                    std::vector<std::string>& arguments) {
    const auto* array = value.as_array();
    if (array == nullptr) {
        throw ConfigError(origin.at(kProfileKey) +
                          "use a list of the profile's flags and their values, in order");
    }
    bool first = true;
    for (const auto& item : *array) {
        std::string token = scalar_text(item, origin, kProfileKey);
        const bool is_flag = token.rfind("--", 0) == 0;
        if ((first && !is_flag) ||
            (is_flag && profile::find_profile_flag(token.substr(2)) == nullptr)) {
            throw ConfigError(origin.at(kProfileKey) + token +
                              ": not a profile flag (bro-server --help lists them under "
                              "\"Sandbox\"); the list holds flags and their values");
        }
        first = false;
        arguments.push_back(std::move(token));
    }
}

// The key a tool's error message is about: the longest "--key" it mentions.
std::string key_named_in(const std::string& message, const std::map<std::string, int>& lines) {
    std::string best;
    for (const auto& [key, line] : lines) {
        if (message.find("--" + key) != std::string::npos && key.size() > best.size()) best = key;
    }
    return best;
}

WrapperSettings read_wrapper(const toml::table* table, const Origin& origin,
                             const ToolConfig& tool) {
    WrapperSettings wrapper;
    wrapper.socket_path =
        tool.config.systemd_socket ? "/run/bro/" + tool.name + ".sock" : tool.config.socket_path;
    wrapper.forward_env = tool.config.allowed_env;
    if (table == nullptr) return wrapper;
    for (const auto& [name, value] : *table) {
        const std::string key(name.str());
        const Origin here{origin.file, origin.table + ".wrapper",
                          static_cast<int>(value.source().begin.line)};
        if (key == "client") {
            wrapper.client = scalar_text(value, here, key);
        } else if (key == "socket-path") {
            wrapper.socket_path = scalar_text(value, here, key);
        } else if (key == "file-flags") {
            wrapper.file_flags = list_items(value, here, key);
        } else if (key == "forward-env") {
            wrapper.forward_env = list_items(value, here, key);
        } else if (key == "file-args") {
            const auto* on = value.as_boolean();
            if (on == nullptr) throw ConfigError(here.at(key) + "use true or false");
            wrapper.file_args = on->get();
        } else if (key == "transfer-mode") {
            wrapper.transfer_mode = scalar_text(value, here, key);
            if (wrapper.transfer_mode != "auto" && wrapper.transfer_mode != "content" &&
                wrapper.transfer_mode != "fd") {
                throw ConfigError(here.at(key) + "use auto, content or fd");
            }
        } else {
            throw ConfigError(here.at(key) +
                              "unknown wrapper setting; use client, socket-path, file-flags, "
                              "file-args, forward-env or transfer-mode");
        }
    }
    return wrapper;
}

class ConfigFileReader {
  public:
    explicit ConfigFileReader(const std::string& path) : path_(path) {
        try {
            file_ = toml::parse_file(path);
        } catch (const toml::parse_error& e) {
            throw ConfigError(path + ":" + std::to_string(e.source().begin.line) + ": " +
                              std::string(e.description()));
        }
        options_ = std::make_unique<po::options_description>(describe_tool_options(scratch_));
    }

    void read_server_table(ProcessSettings& process, bool log_level_given) const {
        const auto* server = file_["server"].as_table();
        if (server == nullptr) return;
        for (const auto& [name, value] : *server) {
            const Origin origin{path_, "server", static_cast<int>(value.source().begin.line)};
            if (name.str() != "log-level") {
                throw ConfigError(origin.at(std::string(name.str())) +
                                  "unknown setting; [server] takes log-level");
            }
            if (!log_level_given) process.log_level = scalar_text(value, origin, "log-level");
        }
    }

    std::vector<ToolConfig> read_tools(const ProcessSettings& process) const {
        const std::string& only = process.only_tool;
        for (const auto& [name, value] : file_) {
            const std::string key(name.str());
            if (key != "server" && key != "defaults" && key != "tool") {
                throw ConfigError(path_ + ":" + std::to_string(value.source().begin.line) +
                                  ": unknown table [" + key +
                                  "]; use [server], [defaults] and "
                                  "[tool.NAME]");
            }
        }
        const auto* tools = file_["tool"].as_table();
        if (tools == nullptr || tools->empty()) {
            throw ConfigError(path_ + ": no [tool.NAME] table: describe at least one tool");
        }
        std::vector<ToolConfig> read;
        std::string names;
        for (const auto& [name, value] : *tools) {
            const std::string tool(name.str());
            names += (names.empty() ? "" : ", ") + tool;
            if (!only.empty() && tool != only) continue;
            read.push_back(read_tool(tool, value, process));
        }
        if (read.empty()) {
            throw ConfigError(path_ + " has no [tool." + only + "] (its tools: " + names + ")");
        }
        return read;
    }

  private:
    ToolConfig read_tool(const std::string& name, const toml::node& node,
                         const ProcessSettings& process) const {
        const Origin origin{path_, "tool." + name, static_cast<int>(node.source().begin.line)};
        if (!valid_tool_name(name)) {
            throw ConfigError(origin.at() +
                              "a tool's name may hold letters, digits, '-', '_' and '.' only (it "
                              "names its socket and its systemd units)");
        }
        const auto* table = node.as_table();
        if (table == nullptr) throw ConfigError(origin.at() + "must be a table");
        std::vector<std::string> arguments;
        std::map<std::string, int> lines;
        const toml::table* wrapper = nullptr;
        add_keys(file_["defaults"].as_table(), "defaults", table, arguments, lines);
        for (const auto& [key_name, value] : *table) {
            if (key_name.str() == "wrapper") {
                wrapper = value.as_table();
                if (wrapper == nullptr) throw ConfigError(origin.at("wrapper") + "must be a table");
            }
        }
        add_keys(table, origin.table, nullptr, arguments, lines);
        ToolConfig tool{name, {}, {}};
        try {
            tool.config = read_tool_settings(arguments, process);
            tool.config.tool = name;
        } catch (const ConfigError& e) {
            const std::string key = key_named_in(e.what(), lines);
            const Origin at{path_, origin.table, key.empty() ? origin.line : lines.at(key)};
            throw ConfigError(at.at(key) + e.what());
        }
        tool.wrapper = read_wrapper(wrapper, origin, tool);
        return tool;
    }

    // Appends the arguments of `table`'s keys, except those `overridden` sets itself.
    void add_keys(const toml::table* table, const std::string& table_name,
                  const toml::table* overridden, std::vector<std::string>& arguments,
                  std::map<std::string, int>& lines) const {
        if (table == nullptr) return;
        for (const auto& [name, value] : *table) {
            const std::string key(name.str());
            if (key == "wrapper" && table_name != "defaults") continue;
            if (overridden != nullptr && overridden->contains(key)) continue;
            const Origin origin{path_, table_name, static_cast<int>(value.source().begin.line)};
            lines[key] = origin.line;
            if (key == kProfileKey) {
                append_profile(value, origin, arguments);
                continue;
            }
            const auto* option = options_->find_nothrow(key, false);
            if (option == nullptr) {
                throw ConfigError(origin.at(key) +
                                  "unknown setting; the keys are bro-server's tool options "
                                  "without their dashes (bro-server --help), and profile "
                                  "(the sandbox's flags, in order)");
            }
            append_arguments(*option, value, origin, arguments);
        }
    }

    const std::string& path_;
    toml::table file_;
    ServerConfig scratch_;  // the option table's storage; only its shape is used
    std::unique_ptr<po::options_description> options_;
};

}  // namespace

std::vector<ToolConfig> read_config_file(ProcessSettings& process, bool log_level_given) {
    const ConfigFileReader reader(process.config_file);
    reader.read_server_table(process, log_level_given);
    return reader.read_tools(process);
}

}  // namespace bro::server
