#include "client/request_builder.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>

#include "core/limits.hpp"

namespace bro::client {
namespace {

// A NUL-terminated copy of `path` for open(2); false when it does not fit or contains NUL
// (such a path cannot name a file, so it stays a plain argument).
bool copy_path(std::string_view path, std::array<char, PATH_MAX>& out) {
    if (path.size() >= out.size() || path.find('\0') != std::string_view::npos) return false;
    path.copy(out.data(), path.size());
    out[path.size()] = '\0';
    return true;
}

UniqueFd open_retrying(const char* path, int access_flags) {
    UniqueFd fd;
    do {
        fd.reset(::open(path, access_flags | O_CLOEXEC | O_NOCTTY));
    } while (!fd.valid() && errno == EINTR);
    return fd;
}

// Errors that say "not for writing" rather than "not at all": no write permission, a
// read-only file system, a running executable, an immutable or append-only file (EPERM). The
// program can still read such a file, as it could locally.
bool may_read_instead(int error) {
    return error == EACCES || error == EROFS || error == ETXTBSY || error == EPERM;
}

// Opens `path` when it is a regular file. stat() comes first so a FIFO is never opened (that
// would block until a writer appears); fstat() then confirms what was actually opened.
UniqueFd open_regular_file(std::string_view path, FileAccess access,
                           const Diagnostics& diagnostics) {
    std::array<char, PATH_MAX> c_path;
    if (!copy_path(path, c_path)) return {};
    struct stat status;
    if (::stat(c_path.data(), &status) != 0) {
        diagnostics.debug("not a file argument: ", path, ": ", SystemError{errno});
        return {};
    }
    if (!S_ISREG(status.st_mode)) {
        diagnostics.debug("not a file argument: ", path, " is not a regular file");
        return {};
    }
    UniqueFd fd =
        open_retrying(c_path.data(), access == FileAccess::kReadWrite ? O_RDWR : O_RDONLY);
    if (!fd.valid() && access == FileAccess::kReadWrite && may_read_instead(errno)) {
        diagnostics.debug("file argument ", path, " is not writable here (", SystemError{errno},
                          "); passing it read-only");
        fd = open_retrying(c_path.data(), O_RDONLY);
    }
    if (!fd.valid()) {
        diagnostics.debug("not a file argument: cannot open ", path, ": ", SystemError{errno});
        return {};
    }
    if (::fstat(fd.get(), &status) != 0 || !S_ISREG(status.st_mode)) {
        diagnostics.debug("not a file argument: ", path, " changed while it was opened");
        return {};
    }
    return fd;
}

std::uint16_t read_umask() {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return static_cast<std::uint16_t>(mask & 0777);
}

const char* stdin_mode_name(protocol::TransferMode transfer, protocol::StdinMode mode) {
    if (mode != protocol::StdinMode::kStreamed) return "none (/dev/null)";
    return transfer == protocol::TransferMode::kFdPassing ? "passed (fd 0)" : "streamed";
}

const char* mode_name(protocol::TransferMode mode) {
    return mode == protocol::TransferMode::kFdPassing ? "fd-passing" : "content";
}

// The same file named twice (even by different paths) is sent once: both arguments then see
// one copy or descriptor, as they would see one file locally.
void mark_if_named_before(OpenedFileArgument& file, std::span<const OpenedFileArgument> earlier) {
    struct stat st {};
    if (::fstat(file.fd.get(), &st) != 0) return;  // treated as a file of its own
    file.device = st.st_dev;
    file.inode = st.st_ino;
    for (std::size_t i = 0; i < earlier.size(); ++i) {
        if (earlier[i].own_file() && earlier[i].device == file.device &&
            earlier[i].inode == file.inode) {
            file.same_as = static_cast<std::uint32_t>(i);
            file.fd.reset();
            return;
        }
    }
}

bool is_dev_null(const struct stat& st) {
    return S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

// Content mode, stdin streamed: what kind of file stdin is decides how it travels. A regular
// file records its offset (so it can be put back where the program stopped reading); a pipe
// is spliced; /dev/null is not streamed at all (the server gives the program its own
// /dev/null, so no pipe and no StdinEnd frame are needed for it).
void classify_stdin(int fd, const struct stat& st, ClientRequest& request) {
    if (S_ISFIFO(st.st_mode)) {
        request.stdin_is_pipe = true;
    } else if (is_dev_null(st)) {
        request.stdin_mode = protocol::StdinMode::kNone;
    } else if (S_ISREG(st.st_mode)) {
        const off_t offset = ::lseek(fd, 0, SEEK_CUR);
        if (offset >= 0) request.stdin_start = offset;
    }
}

}  // namespace

protocol::StdinMode choose_stdin_mode(int stdin_fd, bool stdin_was_closed,
                                      const ClientConfig& config, const struct stat* known) {
    if (config.stdin_none || stdin_was_closed) return protocol::StdinMode::kNone;
    // Only a character device can be a terminal: a known pipe or file needs no ioctl().
    const bool maybe_terminal =
        known == nullptr || (S_ISCHR(known->st_mode) && !is_dev_null(*known));
    if (maybe_terminal && ::isatty(stdin_fd) && !config.capture_tty_stdin) {
        return protocol::StdinMode::kNone;
    }
    return protocol::StdinMode::kStreamed;
}

std::vector<OpenedFileArgument> open_file_arguments(std::span<const std::string_view> arguments,
                                                    const FileArgumentRules& rules,
                                                    FileAccess access,
                                                    const Diagnostics& diagnostics) {
    std::vector<OpenedFileArgument> files;
    if (rules.flags.empty() && !rules.positional_paths) return files;
    for (const auto& candidate : find_file_argument_candidates(arguments, rules)) {
        const std::string_view basename = path_basename(candidate.path);
        if (basename.empty()) {
            diagnostics.debug("not a file argument: ", candidate.path, " has no file name");
            continue;
        }
        UniqueFd fd = open_regular_file(candidate.path, access, diagnostics);
        if (!fd.valid()) continue;
        OpenedFileArgument file{std::move(fd), candidate.path, candidate.argument_index,
                                candidate.path_offset, basename};
        mark_if_named_before(file, files);
        if (file.own_file()) {
            diagnostics.debug("file argument ", file.argument_index, ": ", file.path, " (sent as ",
                              basename, ")");
        } else {
            diagnostics.debug("file argument ", file.argument_index, ": ", file.path,
                              " is file argument ", file.same_as, " again; sent once");
        }
        files.push_back(std::move(file));
    }
    return files;
}

std::vector<protocol::EnvironmentEntryView> collect_forwarded_environment(
    std::span<const std::string_view> names, const Environment& environment) {
    std::vector<protocol::EnvironmentEntryView> entries;
    for (std::size_t i = 0; i < names.size(); ++i) {
        bool duplicate = false;
        for (std::size_t j = 0; j < i && !duplicate; ++j) duplicate = names[j] == names[i];
        if (duplicate) continue;
        if (const auto value = environment.find(names[i])) entries.push_back({names[i], *value});
    }
    return entries;
}

ClientRequest build_request(const ClientConfig& config, std::span<const std::string_view> arguments,
                            const Environment& environment, bool stdin_was_closed,
                            const RequestOptions& options, const Diagnostics& diagnostics) {
    ClientRequest request;
    const FileAccess access = options.mode == protocol::TransferMode::kFdPassing
                                  ? FileAccess::kReadWrite
                                  : FileAccess::kRead;
    request.files = open_file_arguments(arguments, config.file_arguments, access, diagnostics);
    // Content mode looks at what stdin is anyway (classify_stdin): one fstat() serves both.
    struct stat stdin_status {};
    const bool known = options.mode == protocol::TransferMode::kContent && !options.terminal &&
                       ::fstat(STDIN_FILENO, &stdin_status) == 0;
    request.stdin_mode = options.terminal
                             ? protocol::StdinMode::kStreamed
                             : choose_stdin_mode(STDIN_FILENO, stdin_was_closed, config,
                                                 known ? &stdin_status : nullptr);
    if (known && request.stdin_mode == protocol::StdinMode::kStreamed) {
        classify_stdin(STDIN_FILENO, stdin_status, request);
    }
    diagnostics.debug("stdin: ", stdin_mode_name(options.mode, request.stdin_mode));

    const auto environment_entries =
        collect_forwarded_environment(config.forward_environment, environment);
    for (const auto& entry : environment_entries) diagnostics.debug("forwarding ", entry.name);

    std::vector<protocol::FileArgumentView> file_views;
    file_views.reserve(request.files.size());
    for (const auto& file : request.files) {
        file_views.push_back({file.argument_index, file.path_offset, file.basename, file.same_as});
    }

    std::array<char, PATH_MAX> cwd;
    const bool have_cwd = ::getcwd(cwd.data(), cwd.size()) != nullptr;
    if (!have_cwd) diagnostics.debug("no working directory sent: getcwd: ", SystemError{errno});

    protocol::RequestView view;
    view.mode = options.mode;
    view.stdin_mode = request.stdin_mode;
    view.umask = read_umask();
    view.cwd = have_cwd ? std::string_view(cwd.data()) : std::string_view{};
    view.arguments = arguments;
    view.environment = environment_entries;
    view.files = file_views;
    view.forwarded_fds = options.forwarded_fds;
    view.terminal = options.terminal;
    view.terminal_modes = options.terminal_modes;
    // Started: until the program runs, SIGINT and SIGTERM end the call here instead.
    view.flags =
        static_cast<std::uint8_t>((options.carries_cwd ? protocol::kRequestCarriesCwd : 0) |
                                  (request.stdin_start ? protocol::kRequestReportsStdin : 0) |
                                  protocol::kRequestWantsStarted);
    request.frame.reserve(protocol::encoded_request_size(view));
    protocol::encode_request(view, request.frame);
    diagnostics.debug("request: ", mode_name(options.mode), " mode, ", arguments.size(),
                      " arguments, ", environment_entries.size(), " variables, ",
                      request.files.size(), " files, ", options.forwarded_fds.size(),
                      " forwarded fds, cwd ", view.cwd, ", umask ", Octal{view.umask},
                      options.terminal ? ", on a terminal, " : ", ", request.frame.size(),
                      " bytes");
    return request;
}

}  // namespace bro::client
