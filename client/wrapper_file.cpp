#include "client/wrapper_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <span>

#include "client/client_config.hpp"
#include "core/unique_fd.hpp"

namespace bro::client {
namespace {

bool is_name_character(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::string_view trim_leading_blanks(std::string_view line) {
    const std::size_t first = line.find_first_not_of(" \t");
    return first == std::string_view::npos ? std::string_view{} : line.substr(first);
}

// Checks one setting line; on failure says why (a static text).
const char* problem_with_setting(std::string_view line, std::span<const std::string_view> seen) {
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) return "expected NAME=value";
    const std::string_view name = line.substr(0, equals);
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_character)) {
        return "expected NAME=value with NAME in capitals, digits and _";
    }
    if (!is_client_setting(name))
        return "unknown setting; the README lists the BRO_* settings bro-client reads";
    for (std::string_view earlier : seen) {
        if (earlier.substr(0, earlier.find('=')) == name) return "setting given twice";
    }
    return nullptr;
}

}  // namespace

bool is_wrapper_file_run(std::span<const std::string_view> argv, const char* executed_path) {
    if (argv.size() < 2 || executed_path == nullptr) return false;
    const std::string_view executed(executed_path);
    return argv[1] == executed && argv[0] != executed;
}

std::optional<WrapperFile> parse_wrapper_file(std::vector<char> text, std::string_view path,
                                              const Diagnostics& diagnostics) {
    WrapperFile file;
    file.text = std::move(text);
    const std::string_view all(file.text.data(), file.text.size());
    if (all.find('\0') != std::string_view::npos) {
        diagnostics.error(path, ": a wrapper file is text; this one holds a NUL byte");
        return std::nullopt;
    }
    if (!all.starts_with("#!")) {
        diagnostics.error(path, ":1: a wrapper file starts with #!/path/to/bro-client");
        return std::nullopt;
    }
    std::size_t line_start = all.find('\n');
    for (std::size_t number = 2; line_start != std::string_view::npos; ++number) {
        const std::size_t begin = line_start + 1;
        line_start = all.find('\n', begin);
        std::string_view line =
            all.substr(begin, line_start == std::string_view::npos ? std::string_view::npos
                                                                   : line_start - begin);
        if (line.ends_with('\r')) line.remove_suffix(1);
        const std::string_view content = trim_leading_blanks(line);
        if (content.empty() || content.starts_with('#')) continue;
        if (const char* problem = problem_with_setting(content, file.settings)) {
            diagnostics.error(path, ":", number, ": ", problem, ": ", content);
            return std::nullopt;
        }
        file.settings.push_back(content);
    }
    return file;
}

std::optional<WrapperFile> load_wrapper_file(const char* path, const Diagnostics& diagnostics) {
    // openat, not open: musl's open() follows O_CLOEXEC with an fcntl() for old kernels. (The
    // descriptor is closed before anything could exec, but a start-up syscall is a syscall.)
    const UniqueFd fd(::openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
        diagnostics.error("cannot open the wrapper file ", path, ": ", SystemError{errno});
        return std::nullopt;
    }
    // A wrapper file is a few lines: read it on the stack, and only a large one (up to the
    // limit, plus one byte to tell "exactly at the limit" from "too big") into the heap, so
    // the usual call maps no 64 KiB buffer.
    std::array<char, 4096> small;
    std::vector<char> large;
    std::span<char> room(small);
    std::size_t size = 0;
    for (;;) {
        if (size == room.size()) {
            if (room.size() > kMaxWrapperFileBytes) break;
            large.resize(kMaxWrapperFileBytes + 1);
            std::copy(small.begin(), small.end(), large.begin());
            room = large;
        }
        const ssize_t n = ::read(fd.get(), room.data() + size, room.size() - size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            diagnostics.error("cannot read the wrapper file ", path, ": ", SystemError{errno});
            return std::nullopt;
        }
        if (n == 0) break;
        size += static_cast<std::size_t>(n);
    }
    if (size > kMaxWrapperFileBytes) {
        diagnostics.error(path, ": a wrapper file may hold at most ", kMaxWrapperFileBytes,
                          " bytes");
        return std::nullopt;
    }
    return parse_wrapper_file(std::vector<char>(room.begin(), room.begin() + size), path,
                              diagnostics);
}

}  // namespace bro::client
