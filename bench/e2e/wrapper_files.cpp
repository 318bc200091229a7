#include "bench/e2e/wrapper_files.hpp"

#include <cstdlib>

#include "bench/e2e/failure.hpp"

namespace bro::e2e {

std::string wrapper_script(const std::vector<std::string>& settings, const std::string& client) {
    std::string text = "#!/bin/bash\n";
    for (const auto& setting : settings) text += "export " + setting + "\n";
    return text + "exec " + client + " \"$@\"\n";
}

std::string wrapper_file(const std::vector<std::string>& settings, const std::string& client) {
    std::string text = "#!" + client + "\n";
    for (const auto& setting : settings) text += setting + "\n";
    return text;
}

std::string absolute_client(const std::string& client) {
    char* resolved = realpath(client.c_str(), nullptr);
    if (!resolved) fail(errno_text("realpath " + client));
    std::string path = resolved;
    std::free(resolved);
    if (path.size() > 200) fail("bro-client's path is too long for a #! line: " + path);
    return path;
}

}  // namespace bro::e2e
