#include "sandbox_fixture.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

namespace bro::test {

void SandboxTest::SetUp() {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, mounts); CI runs as root";
    // A program run as another user (--user nobody) falls back to its session directory when
    // the caller's directory (the test's own, 0700) is closed to it: it must reach it.
    chmod(dir.path().c_str(), 0711);
    mkdir((dir.path() + "/sessions").c_str(), 0711);
}

const BroServer& SandboxTest::start(const std::vector<std::string>& profile,
                                    const std::string& executable) {
    std::vector<std::string> flags = {"--transfer-modes", "content,fd", "--tmpdir",
                                      dir.path() + "/sessions"};
    flags.insert(flags.end(), profile.begin(), profile.end());
    server = std::make_unique<BroServer>(dir, executable, flags);
    return *server;
}

ProcessResult SandboxTest::call(const std::string& mode, const std::string& script,
                                const std::vector<std::string>& arguments,
                                const std::string& cwd) const {
    ProcessOptions options;
    options.argv = {"/bin/sh", "-c", R"(cd "$CWD" && exec "$BRO" -c "$SCRIPT" sh "$@")", "sh"};
    options.argv.insert(options.argv.end(), arguments.begin(), arguments.end());
    options.environment = {"BRO=" + client_binary(),    "BRO_SOCKET_PATH=" + server->socket_path(),
                           "BRO_TRANSFER_MODE=" + mode, "BRO_FILE_ARGS=1",
                           "PATH=/usr/bin:/bin",        "CWD=" + (cwd.empty() ? dir.path() : cwd),
                           "SCRIPT=" + script};
    options.timeout = std::chrono::seconds(30);
    return run_process(options);
}

std::string SandboxTest::in_both_modes(const std::string& script) const {
    const ProcessResult content = call("content", script);
    const ProcessResult fd = call("fd", script);
    EXPECT_EQ(content.exit_code(), 0) << "content mode: " << content.err << server->log();
    EXPECT_EQ(fd.exit_code(), 0) << "fd mode: " << fd.err;
    EXPECT_EQ(content.out, fd.out) << "the two modes saw different things";
    return content.out;
}

pid_t SandboxTest::holder_pid() const {
    // The socket listens a moment before the server has built its sandbox and said so.
    const std::string marker = "its holder is pid ";
    std::string log;
    eventually([&] { return (log = server->log()).find(marker) != std::string::npos; },
               std::chrono::seconds(10));
    const auto at = log.find(marker);
    return at == std::string::npos ? 0 : std::stoi(log.substr(at + marker.size()));
}

std::string lines_with(const std::string& text, const std::string& part) {
    std::istringstream lines(text);
    std::string found;
    for (std::string line; std::getline(lines, line);) {
        if (line.find(part) != std::string::npos) found += line + "\n";
    }
    return found;
}

std::string namespace_of(pid_t pid, const std::string& name) {
    const std::string path =
        "/proc/" + (pid == 0 ? std::string("self") : std::to_string(pid)) + "/ns/" + name;
    char target[128] = {};
    const ssize_t length = readlink(path.c_str(), target, sizeof target - 1);
    return length > 0 ? std::string(target, static_cast<std::size_t>(length)) : "";
}

std::size_t host_mount_count() {
    std::istringstream lines(read_file("/proc/self/mountinfo"));
    std::size_t count = 0;
    for (std::string line; std::getline(lines, line);) ++count;
    return count;
}

}  // namespace bro::test
