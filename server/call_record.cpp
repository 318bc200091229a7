#include "server/call_record.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "server/peer_cgroup.hpp"

namespace bro::server {
namespace {

bool plain(char c) {
    static constexpr std::string_view kPlainMarks = "-_./:,+@=";
    return std::isalnum(static_cast<unsigned char>(c)) ||
           kPlainMarks.find(c) != std::string_view::npos;
}

std::string escaped(char c) {
    if (c == '"' || c == '\\') return std::string{'\\', c};
    if (c == '\n') return "\\n";
    if (c == '\t') return "\\t";
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) return std::string(1, c);
    char hex[5];
    std::snprintf(hex, sizeof hex, "\\x%02x", byte);
    return hex;
}

std::string milliseconds(std::chrono::nanoseconds duration) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f",
                  std::chrono::duration<double, std::milli>(duration).count());
    return text;
}

}  // namespace

std::string record_value(const std::string& text) {
    if (!text.empty() && std::all_of(text.begin(), text.end(), plain)) return text;
    std::string quoted = "\"";
    for (const char c : text) quoted += escaped(c);
    return quoted + "\"";
}

std::string format_call_record(const CallRecord& record) {
    std::string line = "call";
    const auto add = [&](const char* key, const std::string& value) {
        line.append(" ").append(key).append("=").append(record_value(value));
    };
    if (!record.tool.empty()) add("tool", record.tool);
    add("uid", std::to_string(record.uid));
    add("gid", std::to_string(record.gid));
    add("pid", std::to_string(record.pid));
    if (const auto unit = unit_of_cgroup(record.cgroup); !unit.empty())
        add("unit", std::string(unit));
    if (!record.cgroup.empty()) add("cgroup", record.cgroup);
    add("mode", record.mode);
    add("argc", std::to_string(record.argument_count));
    if (record.arguments) {
        line.append(" args=[");
        for (std::size_t i = 0; i < record.arguments->size(); ++i) {
            if (i > 0) line.append(" ");
            line.append(record_value((*record.arguments)[i]));
        }
        line.append("]");
    }
    add("cwd", record.cwd);
    add("outcome", record.outcome);
    add("ms", milliseconds(record.duration));
    add("in", std::to_string(record.bytes_in));
    add("out", std::to_string(record.bytes_out));
    return line;
}

}  // namespace bro::server
