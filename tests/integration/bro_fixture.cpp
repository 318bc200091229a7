#include "bro_fixture.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "raw_connection.hpp"

namespace bro::test {

std::string server_binary() {
    const char* chosen = std::getenv("BRO_TEST_SERVER_BINARY");
    return chosen != nullptr && *chosen != '\0' ? chosen : BRO_SERVER_BINARY;
}
std::string client_binary() {
    const char* chosen = std::getenv("BRO_TEST_CLIENT_BINARY");
    return chosen != nullptr && *chosen != '\0' ? chosen : BRO_CLIENT_BINARY;
}

TempDir::TempDir() {
    char pattern[] = "/tmp/bro-test-XXXXXX";
    if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    const std::string command = "rm -rf '" + path_ + "'";
    if (std::system(command.c_str()) != 0)
        std::fprintf(stderr, "could not remove %s\n", path_.c_str());
}

std::string TempDir::write_file(const std::string& name, const std::string& content,
                                unsigned mode) const {
    const std::string full = path_ + "/" + name;
    std::ofstream(full, std::ios::binary) << content;
    chmod(full.c_str(), mode);
    return full;
}

std::string TempDir::write_script(const std::string& name, const std::string& body) const {
    return write_file(name, "#!/bin/sh\n" + body + "\n", 0755);
}

bool connect_succeeds(const std::string& socket_path) {
    const int fd = connect_unix_socket(socket_path);
    if (fd >= 0) close(fd);
    return fd >= 0;
}

BroServer::BroServer(const TempDir& dir, const std::string& executable,
                     std::vector<std::string> flags, std::vector<std::string> environment,
                     std::vector<std::string> prefix) {
    static int counter = 0;
    const std::string name = "server" + std::to_string(counter++);
    socket_path_ = dir.path() + "/" + name + ".sock";
    log_path_ = dir.path() + "/" + name + ".log";
    std::vector<std::string> argv = std::move(prefix);
    for (const std::string& part :
         {server_binary(), std::string("--executable"), executable, std::string("--socket-path"),
          socket_path_, std::string("--log-level"), std::string("debug")}) {
        argv.push_back(part);
    }
    argv.insert(argv.end(), flags.begin(), flags.end());
    environment.push_back("PATH=/usr/bin:/bin");
    pid_ = start_background(argv, environment, log_path_);
    for (int attempt = 0; attempt < 500; ++attempt) {
        if (connect_succeeds(socket_path_)) return;
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("bro-server exited at start; log:\n" + log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop();
    throw std::runtime_error("bro-server did not start; log:\n" + log());
}

BroServer::~BroServer() {
    if (pid_ > 0) stop();
}

int BroServer::stop() {
    if (pid_ <= 0) return 0;
    kill(pid_, SIGTERM);
    const auto status = wait_with_deadline(pid_, std::chrono::seconds(10));
    pid_ = -1;
    return status.value_or(-1);
}

std::string BroServer::log() const {
    return read_file(log_path_);
}

ProcessResult run_client(const std::string& socket_path, const ClientRun& run) {
    ProcessOptions options;
    options.argv = run.prefix;
    options.argv.push_back(client_binary());
    options.argv.insert(options.argv.end(), run.args.begin(), run.args.end());
    options.environment = {"BRO_SOCKET_PATH=" + socket_path, "PATH=/usr/bin:/bin"};
    options.environment.insert(options.environment.end(), run.environment.begin(),
                               run.environment.end());
    options.stdin_data = run.stdin_data;
    options.stdin_file = run.stdin_file;
    options.timeout = run.timeout;
    return run_process(options);
}

ProcessResult run_server(const std::vector<std::string>& args,
                         const std::vector<std::string>& environment,
                         const std::vector<std::string>& prefix) {
    ProcessOptions options;
    options.argv = prefix;
    options.argv.push_back(server_binary());
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.environment = {"PATH=/usr/bin:/bin"};
    options.environment.insert(options.environment.end(), environment.begin(), environment.end());
    options.timeout = std::chrono::seconds(10);
    return run_process(options);
}

ProcessResult run_client(const BroServer& server, const ClientRun& run) {
    return run_client(server.socket_path(), run);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::string random_bytes(std::size_t count, unsigned seed) {
    std::mt19937_64 generator(seed);
    std::string bytes(count, '\0');
    for (std::size_t i = 0; i < count; i += 8) {
        const auto value = generator();
        std::memcpy(bytes.data() + i, &value, std::min<std::size_t>(8, count - i));
    }
    return bytes;
}

std::string without_peer_variables(const std::string& env_output) {
    std::istringstream lines(env_output);
    std::string kept;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("BRO_PEER_", 0) != 0) kept += line + "\n";
    }
    return kept;
}

::testing::AssertionResult fd_count_returns_to(pid_t pid, int expected) {
    if (eventually([&] { return open_fd_count(pid) == expected; }, std::chrono::seconds(10))) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << open_fd_count(pid) << " descriptors open, expected " << expected;
}

int child_count(pid_t pid) {
    const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    DIR* dir = opendir(tasks.c_str());
    if (dir == nullptr) return -1;
    int count = 0;
    while (const dirent* task = readdir(dir)) {
        if (task->d_name[0] == '.') continue;
        std::ifstream children(tasks + "/" + task->d_name + "/children");
        for (int child = 0; children >> child;) ++count;
    }
    closedir(dir);
    return count;
}

bool process_running(pid_t pid) {
    const char state = process_state(pid);
    return state != '?' && state != 'Z' && state != 'X';
}

StoppedProcess::StoppedProcess(pid_t pid) : pid_(pid) {
    kill(pid_, SIGSTOP);
    stopped_ = eventually([&] { return process_state(pid_) == 'T'; }, std::chrono::seconds(10));
}

StoppedProcess::~StoppedProcess() {
    kill(pid_, SIGCONT);
}

bool wait_for_log(const BroServer& server, const std::string& text, int count) {
    const auto enough = [&] {
        const std::string log = server.log();
        int found = 0;
        for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) {
            ++found;
        }
        return found >= count;
    };
    return eventually(enough, std::chrono::seconds(10));
}

int settled_fd_count(pid_t pid) {
    using namespace std::chrono;
    const auto deadline = steady_clock::now() + seconds(5);
    int count = open_fd_count(pid);
    auto stable_since = steady_clock::now();
    while (steady_clock::now() < deadline &&
           steady_clock::now() - stable_since < milliseconds(100)) {
        std::this_thread::sleep_for(milliseconds(10));
        const int now = open_fd_count(pid);
        if (now != count) {
            count = now;
            stable_since = steady_clock::now();
        }
    }
    return count;
}

char process_state(pid_t pid) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto close = stat.rfind(')');  // the command name before it may hold anything
    return close == std::string::npos || close + 2 >= stat.size() ? '?' : stat[close + 2];
}

int open_fd_count(pid_t pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/fd";
    DIR* dir = opendir(path.c_str());
    if (!dir) return -1;
    int count = 0;
    while (dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
    return count;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

}  // namespace bro::test
