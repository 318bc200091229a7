// Writes the fuzzers' seed corpora (tests/fuzz/corpus/<target>/) from the real encoders, so
// each seed is a valid exchange the fuzzer then mutates. The generated files are checked in;
// rerun after a wire change:
//
//   build-fuzz/bin/fuzz_seed_generator tests/fuzz/corpus

#include <sys/stat.h>
#include <termios.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/frame_encoding.hpp"
#include "core/reply_encoding.hpp"
#include "core/request_encoding.hpp"

namespace {

using namespace bro;
using namespace bro::protocol;
using Bytes = std::vector<std::uint8_t>;

// Session fuzzer's first byte (see session_fuzzer.cpp).
constexpr std::uint8_t kContentServer = 0;
constexpr std::uint8_t kFdServer = 1;
constexpr std::uint8_t kBothServer = 2;
std::uint8_t with_fds(std::uint8_t modes, unsigned fds) {
    return static_cast<std::uint8_t>(modes | (fds << 2));
}

bool write_seed(const std::string& directory, const std::string& name, const Bytes& bytes) {
    mkdir(directory.c_str(), 0755);
    const std::string path = directory + "/" + name;
    FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) {
        std::fprintf(stderr, "fuzz_seed_generator: fopen %s: %s\n", path.c_str(),
                     std::strerror(errno));
        return false;
    }
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
    return std::fclose(file) == 0 && ok;
}

Bytes request(const RequestView& view) {
    Bytes out;
    encode_request(view, out);
    return out;
}

void data_frame(FrameType type, std::string_view content, Bytes& out) {
    encode_frame(type, out, [&](ByteWriter& w) { w.bytes(content); });
}

struct Requests {
    std::vector<std::string_view> no_arguments;
    std::vector<std::string_view> arguments = {"-n", "--file=notes.txt", "input.c", "input.c"};
    std::vector<EnvironmentEntryView> environment = {{"FUZZ_FORWARDED", "1"}, {"LANG", "C"}};
    std::vector<FileArgumentView> files = {
        {1, 7, "notes.txt", kOwnFile}, {2, 0, "input.c", kOwnFile}, {3, 0, "input.c", 1}};
    std::vector<std::uint32_t> forwarded = {5, 9};
    TerminalModes caller_settings = [] {
        TerminalModes modes{ICRNL | IXON | IUTF8,
                            OPOST | ONLCR,
                            CS8 | CREAD | B38400,
                            ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
                            {}};
        modes.control_characters[VINTR] = 003;
        modes.control_characters[VERASE] = 010;
        modes.control_characters[VEOF] = 004;
        modes.control_characters[VSUSP] = 032;
        modes.control_characters[VMIN] = 1;
        return modes;
    }();

    RequestView minimal() const {
        RequestView view;
        view.cwd = "/";
        view.arguments = no_arguments;
        return view;
    }
    RequestView full_content(bool stdin_streamed) const {
        RequestView view;
        view.cwd = "/tmp";
        view.umask = 027;
        view.arguments = arguments;
        view.environment = environment;
        view.files = files;
        view.stdin_mode = stdin_streamed ? StdinMode::kStreamed : StdinMode::kNone;
        return view;
    }
    // A terminal session (BRO_TTY): streamed stdin, kRequestWantsTerminal and a window size.
    RequestView terminal() const {
        RequestView view = minimal();
        view.stdin_mode = StdinMode::kStreamed;
        view.terminal = WindowSize{24, 80, 0, 0};
        return view;
    }
    // A terminal session with the caller's settings: a UTF-8 terminal whose erase key is ^H.
    RequestView terminal_with_settings() const {
        RequestView view = terminal();
        view.terminal_modes = caller_settings;
        return view;
    }

    RequestView full_fd() const {
        RequestView view = full_content(true);
        view.mode = TransferMode::kFdPassing;
        view.forwarded_fds = forwarded;
        view.flags = kRequestCarriesCwd;
        return view;
    }
};

bool write_request_seeds(const std::string& root) {
    const std::string dir = root + "/request_decoder_fuzzer";
    const Requests r;
    RequestView reports = r.full_content(true);
    reports.flags = kRequestReportsStdin;
    Bytes bad_version = request(r.minimal());
    bad_version[kFrameHeaderBytes + 3] = 2;
    return write_seed(dir, "minimal", request(r.minimal())) &&
           write_seed(dir, "content_terminal", request(r.terminal())) &&
           write_seed(dir, "content_terminal_settings", request(r.terminal_with_settings())) &&
           write_seed(dir, "content_files_env", request(r.full_content(false))) &&
           write_seed(dir, "content_reports_stdin", request(reports)) &&
           write_seed(dir, "fd_forwarded_cwd", request(r.full_fd())) &&
           write_seed(dir, "version_2", bad_version);
}

bool write_reply_seeds(const std::string& root) {
    const std::string dir = root + "/reply_decoder_fuzzer";
    Bytes exited, signaled, not_started, timed_out, error, rejected;
    encode_exit(ExitStatus::exited(3), {}, exited, 42);
    encode_exit(ExitStatus::signaled(9, true), {}, signaled);
    encode_exit(ExitStatus::not_started(SpawnStep::kExecute, ENOENT), "execve /usr/bin/tool",
                not_started);
    ExitStatus stopped = ExitStatus::signaled(15, false);
    stopped.timed_out = true;
    encode_exit(stopped, {}, timed_out);
    encode_error("too many arguments: 5000, limit 4096", error);
    encode_mode_rejected(kAcceptsContent, rejected);
    return write_seed(dir, "exit_code", exited) && write_seed(dir, "exit_signal", signaled) &&
           write_seed(dir, "exit_not_started", not_started) &&
           write_seed(dir, "exit_timed_out", timed_out) && write_seed(dir, "error", error) &&
           write_seed(dir, "mode_rejected", rejected);
}

Bytes session(std::uint8_t config, const Bytes& exchange) {
    Bytes out{config};
    out.insert(out.end(), exchange.begin(), exchange.end());
    return out;
}

bool write_session_seeds(const std::string& root) {
    const std::string dir = root + "/session_fuzzer";
    const Requests r;
    Bytes content = request(r.full_content(true));
    data_frame(FrameType::kFileData, "line one\n", content);
    data_frame(FrameType::kFileEnd, {}, content);
    data_frame(FrameType::kFileData, "int main() {}\n", content);
    data_frame(FrameType::kFileEnd, {}, content);
    data_frame(FrameType::kStdinData, "hello\n", content);
    data_frame(FrameType::kSignal, "\x1c", content);  // SIGWINCH
    data_frame(FrameType::kStdinEnd, {}, content);

    RequestView reports_view = r.minimal();
    reports_view.stdin_mode = StdinMode::kStreamed;
    reports_view.flags = kRequestReportsStdin;
    Bytes reports = request(reports_view);
    data_frame(FrameType::kStdinData, "abc", reports);
    data_frame(FrameType::kStdinEnd, {}, reports);

    // Regression: an empty Signal frame made the server read a stale byte as the signal.
    RequestView streamed_view = r.minimal();
    streamed_view.stdin_mode = StdinMode::kStreamed;
    Bytes empty_signal = request(streamed_view);
    data_frame(FrameType::kStdinData, "x", empty_signal);
    data_frame(FrameType::kSignal, {}, empty_signal);
    data_frame(FrameType::kStdinEnd, {}, empty_signal);

    // A terminal session: keystrokes, a resize, Ctrl-C as a forwarded signal.
    Bytes terminal = request(r.terminal());
    data_frame(FrameType::kStdinData, "echo hi\r", terminal);
    const auto resized = encode_window_size(WindowSize{40, 120, 0, 0});
    data_frame(FrameType::kWindowSize,
               std::string_view(reinterpret_cast<const char*>(resized.data()), resized.size()),
               terminal);
    data_frame(FrameType::kSignal, "\x02", terminal);  // SIGINT
    data_frame(FrameType::kStdinEnd, {}, terminal);

    // fd mode: stdin, stdout, stderr, two distinct files, two forwarded, the cwd: 8 > 7 fds
    // attachable, so the seed drops the forwarded ones.
    RequestView fd_view = r.full_fd();
    fd_view.forwarded_fds = {};
    return write_seed(dir, "content_minimal", session(kContentServer, request(r.minimal()))) &&
           write_seed(dir, "content_files_stdin_signal", session(kContentServer, content)) &&
           write_seed(dir, "content_reports_stdin", session(kBothServer, reports)) &&
           write_seed(dir, "content_terminal", session(kContentServer, terminal)) &&
           write_seed(dir, "content_terminal_settings",
                      session(kContentServer, request(r.terminal_with_settings()))) &&
           write_seed(dir, "regression_empty_signal_frame",
                      session(kContentServer, empty_signal)) &&
           write_seed(dir, "fd_minimal",
                      session(with_fds(kFdServer, 3),
                              [&] {
                                  RequestView view = r.minimal();
                                  view.mode = TransferMode::kFdPassing;
                                  return request(view);
                              }())) &&
           write_seed(dir, "fd_files_cwd", session(with_fds(kBothServer, 6), request(fd_view))) &&
           write_seed(dir, "fd_request_to_content_server",
                      session(with_fds(kContentServer, 6), request(fd_view)));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_seed_generator CORPUS_ROOT (tests/fuzz/corpus)\n");
        return 2;
    }
    const std::string root = argv[1];
    mkdir(root.c_str(), 0755);
    if (!write_request_seeds(root) || !write_reply_seeds(root) || !write_session_seeds(root)) {
        std::fprintf(stderr, "fuzz_seed_generator: could not write every seed under %s\n",
                     root.c_str());
        return 1;
    }
    return 0;
}
