#include <boost/program_options.hpp>
#include <iostream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "server/config_file.hpp"
#include "server/profile_options.hpp"
#include "server/server_config.hpp"
#include "server/server_options.hpp"
#include "server/tool_settings.hpp"

// parse_command_line(): what the process is asked to do (its own options), and the tools to
// do it for, from the command line and BRO_SERVER_* variables or from the --config file.

namespace bro::server {
namespace po = boost::program_options;
namespace {

ParsedCommandLine refuse_to_start(const std::string& why) {
    std::cerr << "bro-server: " << why << "\nTry 'bro-server --help'.\n";
    ParsedCommandLine refused;
    refused.exit_code = 2;
    return refused;
}

void check_log_level(const ProcessSettings& process) {
    for (const char* known : {"trace", "debug", "info", "warn", "error", "off"}) {
        if (process.log_level == known) return;
    }
    throw ConfigError("log level " + process.log_level +
                      ": use trace, debug, info, warn, error or off (--log-level)");
}

// A tool option given as a flag or a BRO_SERVER_* variable.
std::string first_tool_option_given(const po::variables_map& vm,
                                    const po::options_description& tool_options) {
    for (const auto& option : tool_options.options()) {
        const auto found = vm.find(option->long_name());
        if (found != vm.end() && !found->second.defaulted()) return option->long_name();
    }
    return {};
}

void read_action(const po::variables_map& vm, ProcessSettings& process) {
    const std::pair<bool, ServerAction> requested[] = {
        {vm["check"].as<bool>(), ServerAction::kCheck},
        {vm["run"].as<bool>(), ServerAction::kRun},
        {vm.count("print-wrapper") > 0, ServerAction::kPrintWrapper},
        {vm.count("install-wrappers") > 0, ServerAction::kInstallWrappers}};
    int actions = 0;
    for (const auto& [given, action] : requested) {
        if (!given) continue;
        process.action = action;
        ++actions;
    }
    if (actions > 1) {
        throw ConfigError(
            "--check, --run, --print-wrapper and --install-wrappers exclude each other");
    }
}

void read_process_settings(const po::variables_map& vm, ProcessSettings& process) {
    read_action(vm, process);
    if (vm.count(kRunCommandOption)) {
        process.run_command = vm[kRunCommandOption].as<std::vector<std::string>>();
    }
    if (process.action != ServerAction::kRun && !process.run_command.empty()) {
        throw ConfigError("unexpected argument '" + process.run_command.front() +
                          "': options only (--run -- PROGRAM ARGS runs a command)");
    }
    if (process.action == ServerAction::kRun && process.run_command.empty()) {
        throw ConfigError("--run: give the command after --");
    }
    const bool needs_file = vm.count("tool") || process.action == ServerAction::kPrintWrapper ||
                            process.action == ServerAction::kInstallWrappers;
    if (needs_file && process.config_file.empty()) {
        throw ConfigError(
            "--tool, --print-wrapper and --install-wrappers name tools of a config file: give "
            "--config FILE too");
    }
}

std::vector<ToolConfig> read_file_tools(const po::variables_map& vm,
                                        const po::options_description& tool_options,
                                        const std::vector<profile::ProfileFlag>& profile_flags,
                                        ProcessSettings& process) {
    if (!profile_flags.empty()) {
        throw ConfigError("--" + profile_flags.front().name +
                          " is a profile flag, but --config gives the tools: add it to the "
                          "profile list of the tool's table of " +
                          process.config_file);
    }
    if (const auto given = first_tool_option_given(vm, tool_options); !given.empty()) {
        throw ConfigError("--" + given + " (or " + variable_for_option(given) +
                          ") is a tool option, but --config gives the tools: set it in the "
                          "tool's table of " +
                          process.config_file);
    }
    auto tools = read_config_file(process, vm.count("log-level") > 0);
    if (process.action == ServerAction::kRun && tools.size() != 1) {
        throw ConfigError("--run tries one tool's profile: give --tool NAME too");
    }
    return tools;
}

}  // namespace

ParsedCommandLine parse_command_line(int argc, const char* const* argv) {
    ParsedCommandLine parsed;
    ServerConfig command_line_tool = tool_defaults();
    const auto process_options = describe_process_options(parsed.process);
    const auto tool_options = describe_tool_options(command_line_tool);
    const auto profile_options = describe_profile_options();
    po::options_description hidden;
    po::positional_options_description positional;
    add_run_command(hidden, positional);
    po::options_description all;
    all.add(process_options).add(tool_options).add(profile_options).add(hidden);
    po::variables_map vm;
    std::vector<profile::ProfileFlag> profile_flags;
    try {
        auto given = po::command_line_parser(argc, argv).options(all).positional(positional).run();
        profile_flags = take_profile_flags(given);
        po::store(given, vm);
        po::store(po::parse_environment(all,
                                        [&](const std::string& variable) {
                                            const auto name = option_for_variable(variable, all);
                                            return command_line_only(name) ? "" : name;
                                        }),
                  vm);
        po::notify(vm);
    } catch (const po::error& e) {
        return refuse_to_start(e.what());
    }
    if (vm.count("help")) {
        print_help(std::cout, {&process_options, &tool_options, &profile_options});
        return parsed;
    }
    if (vm.count("version")) {
        std::cout << "bro-server " << BRO_VERSION << " (protocol version 1)\n";
        return parsed;
    }
    try {
        read_process_settings(vm, parsed.process);
        if (!parsed.process.config_file.empty()) {
            parsed.tools = read_file_tools(vm, tool_options, profile_flags, parsed.process);
        } else {
            read_tool_values(vm, profile_flags, parsed.process, command_line_tool);
            parsed.tools.push_back({{}, std::move(command_line_tool), {}});
        }
        check_log_level(parsed.process);
    } catch (const ConfigError& e) {
        parsed.tools.clear();
        return refuse_to_start(e.what());
    } catch (const std::system_error& e) {  // a user or group database lookup failed
        return refuse_to_start(std::string("looking up users and groups: ") + e.what());
    }
    return parsed;
}

}  // namespace bro::server
