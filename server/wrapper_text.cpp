#include "server/wrapper_text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "core/unique_fd.hpp"

namespace bro::server {
namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
    return out;
}

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::system_category(), what);
}

void write_file(const std::string& path, const std::string& text) {
    const std::string temporary = path + ".new";
    {
        const UniqueFd file(
            ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0755));
        if (!file) fail("open " + temporary);
        // The mode is exact, whatever the umask.
        if (fchmod(file.get(), 0755) != 0) fail("fchmod " + temporary);
        for (std::size_t written = 0; written < text.size();) {
            const ssize_t n = ::write(file.get(), text.data() + written, text.size() - written);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail("write " + temporary);
            written += static_cast<std::size_t>(n);
        }
    }
    if (rename(temporary.c_str(), path.c_str()) != 0) fail("rename " + temporary + " to " + path);
}

}  // namespace

std::string wrapper_file_text(const ToolConfig& tool) {
    const WrapperSettings& wrapper = tool.wrapper;
    std::string text = "#!" + wrapper.client + "\n";
    text += "# The " + tool.name + " tool, run outside the sandbox by bro-server (" +
            tool.config.executable + ").\n";
    text += "BRO_SOCKET_PATH=" + wrapper.socket_path + "\n";
    if (!wrapper.forward_env.empty())
        text += "BRO_FORWARD_ENV=" + joined(wrapper.forward_env) + "\n";
    if (!wrapper.file_flags.empty()) text += "BRO_FILE_FLAGS=" + joined(wrapper.file_flags) + "\n";
    if (wrapper.file_args) text += "BRO_FILE_ARGS=1\n";
    if (!wrapper.transfer_mode.empty()) text += "BRO_TRANSFER_MODE=" + wrapper.transfer_mode + "\n";
    return text;
}

std::vector<std::string> install_wrapper_files(const std::vector<ToolConfig>& tools,
                                               const std::string& directory) {
    std::vector<std::string> written;
    for (const auto& tool : tools) {
        const std::string path = directory + "/" + tool.name;
        write_file(path, wrapper_file_text(tool));
        written.push_back(path);
    }
    return written;
}

}  // namespace bro::server
