// bro_soak: many calls through one bro-server, mixed across transfer modes, stdin sizes, file
// arguments and exit codes, to show that nothing accumulates: after every epoch of calls the
// server's descriptors, resident memory, children and --tmpdir entries are sampled with no call
// in flight, and must stay where the first epoch left them.
//
//   build/bin/bro_soak [--calls 200000] [--epoch 10000] [--callers 4]
//
// Not part of CI (it runs for minutes); tools/bench does not run it either. Prints one line per
// epoch and a verdict; exits 1 if a count grew or a call ended otherwise than expected.

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/e2e/clock.hpp"
#include "bench/e2e/failure.hpp"
#include "bench/e2e/process_usage.hpp"
#include "bench/e2e/server_process.hpp"
#include "bench/e2e/spawn.hpp"
#include "bench/e2e/temp_dir.hpp"

namespace bro::soak {
namespace {

using e2e::fail;

struct Options {
    long calls = 200000;
    long epoch = 10000;
    int callers = 4;
};

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const long value = std::strtol(argv[i + 1], nullptr, 10);
        if (value <= 0) fail("bro_soak: " + flag + " needs a positive number");
        if (flag == "--calls") {
            options.calls = value;
        } else if (flag == "--epoch") {
            options.epoch = value;
        } else if (flag == "--callers") {
            options.callers = static_cast<int>(value);
        } else {
            fail("bro_soak: unknown flag " + flag + " (--calls, --epoch, --callers)");
        }
    }
    return options;
}

// The directory this program was started from (bro-server and bro-client live beside it).
std::string own_directory() {
    char path[4096];
    const ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
    if (length <= 0) fail(e2e::errno_text("readlink /proc/self/exe"));
    std::string self(path, static_cast<std::size_t>(length));
    return self.substr(0, self.rfind('/'));
}

// What one call is: its transfer mode, stdin size, whether it passes a file, its exit code.
struct Call {
    const char* mode;
    int stdin_index;  // into the stdin files
    bool file_argument;
    int exit_code;
};

constexpr std::size_t kStdinSizes[] = {0, 100, 64 << 10, 1 << 20};

Call call_number(long n) {
    return {n % 2 == 0 ? "content" : "fd", static_cast<int>((n / 2) % 4), n % 5 == 0,
            static_cast<int>(n % 7)};
}

// Entries below `directory`, recursively (the session directories a server left).
long entries_below(const std::string& directory) {
    long count = 0;
    if (DIR* dir = opendir(directory.c_str())) {
        while (const dirent* entry = readdir(dir)) {
            const std::string name = entry->d_name;
            if (name == "." || name == "..") continue;
            ++count;
            if (entry->d_type == DT_DIR) count += entries_below(directory + "/" + name);
        }
        closedir(dir);
    }
    return count;
}

long child_count(pid_t pid) {
    std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) +
                           "/children");
    long count = 0;
    for (long child = 0; children >> child;) ++count;
    return count;
}

struct Sample {
    long calls = 0;
    int fds = 0;
    long rss_kib = 0;
    long children = 0;
    long temp_entries = 0;
    double calls_per_second = 0;
};

// With no call in flight: waits (bounded) for the server's last children and descriptors to
// go, then reads the counts.
Sample sample(pid_t server, const std::string& tmpdir, long calls) {
    const double deadline = e2e::now_seconds() + 10;
    int fds = e2e::open_fd_count(server);
    double still_since = e2e::now_seconds();
    while (e2e::now_seconds() < deadline &&
           (child_count(server) > 0 || e2e::now_seconds() - still_since < 0.2)) {
        usleep(10'000);
        const int now = e2e::open_fd_count(server);
        if (now != fds) {
            fds = now;
            still_since = e2e::now_seconds();
        }
    }
    return {
        calls, fds, e2e::status_kib(server, "VmRSS"), child_count(server), entries_below(tmpdir),
        0};
}

class Soak {
  public:
    Soak(const Options& options, const e2e::TempDir& dir, const std::string& client)
        : options_(options), client_(client) {
        for (std::size_t i = 0; i < std::size(kStdinSizes); ++i) {
            const std::string path = dir.path() + "/stdin" + std::to_string(i);
            std::ofstream(path) << std::string(kStdinSizes[i], 'x');
            stdin_paths_.push_back(path);
        }
        file_ = dir.path() + "/argument.txt";
        std::ofstream(file_) << "a file argument\n";
    }

    // Runs calls [first, first + count) on options.callers threads.
    void run(const std::string& socket, long first, long count) {
        std::atomic<long> next{first};
        std::vector<std::thread> callers;
        for (int i = 0; i < options_.callers; ++i) {
            callers.emplace_back([&] {
                for (long n = next++; n < first + count; n = next++) call(socket, n);
            });
        }
        for (auto& caller : callers) caller.join();
    }

    long failures() const { return failures_; }

  private:
    void call(const std::string& socket, long n) {
        const Call call = call_number(n);
        std::vector<std::string> args = {client_, std::to_string(call.exit_code)};
        if (call.file_argument) args.push_back(file_);
        const e2e::Argv argv(std::move(args));
        const e2e::Environment env(
            {"BRO_SOCKET_PATH=" + socket, std::string("BRO_TRANSFER_MODE=") + call.mode,
             "BRO_FILE_ARGS=1"},
            e2e::Inherit::kNothing);
        const int in = open(stdin_paths_[call.stdin_index].c_str(), O_RDONLY | O_CLOEXEC);
        const pid_t pid = e2e::spawn(argv, env, {in, -1, true});
        close(in);
        const int status = e2e::wait_for(pid);
        if (WIFEXITED(status) && WEXITSTATUS(status) == call.exit_code) return;
        const std::lock_guard lock(mutex_);
        if (++failures_ <= 5) {
            std::fprintf(stderr,
                         "call %ld (%s, stdin %zu, file %d) ended with status %d, not exit %d\n", n,
                         call.mode, kStdinSizes[call.stdin_index], call.file_argument, status,
                         call.exit_code);
        }
    }

    const Options& options_;
    std::string client_;
    std::vector<std::string> stdin_paths_;
    std::string file_;
    std::mutex mutex_;
    long failures_ = 0;
};

constexpr const char* kProgram =
    "#!/bin/sh\n"
    "cat >/dev/null\n"
    "if [ -n \"$2\" ]; then cat \"$2\" >/dev/null; fi\n"
    "echo out; echo err >&2\n"
    "exit \"$1\"\n";

int soak(const Options& options) {
    const std::string bin = own_directory();
    e2e::TempDir dir;
    std::string tmpdir = dir.path() + "-tmp";
    if (mkdir(tmpdir.c_str(), 0700) != 0) fail(e2e::errno_text("mkdir " + tmpdir));
    const std::string socket = dir.path() + "/soak.sock";
    const std::string program = dir.add_executable("soak-program", kProgram);
    if (chdir(dir.path().c_str()) != 0) fail(e2e::errno_text("chdir " + dir.path()));
    std::vector<Sample> samples;
    long failures = 0;
    {
        e2e::ServerProcess server(
            {bin + "/bro-server", "--executable", program, "--socket-path", socket,
             "--transfer-modes", "content,fd", "--tmpdir", tmpdir, "--log-level", "warn"},
            socket);
        Soak soak(options, dir, bin + "/bro-client");
        std::printf("%10s %8s %10s %9s %13s %8s\n", "calls", "fds", "RSS KiB", "children",
                    "temp entries", "calls/s");
        for (long done = 0; done < options.calls;) {
            const long count = std::min(options.epoch, options.calls - done);
            const double started = e2e::now_seconds();
            soak.run(socket, done, count);
            done += count;
            Sample s = sample(server.pid(), tmpdir, done);
            s.calls_per_second = static_cast<double>(count) / (e2e::now_seconds() - started);
            std::printf("%10ld %8d %10ld %9ld %13ld %8.0f\n", s.calls, s.fds, s.rss_kib, s.children,
                        s.temp_entries, s.calls_per_second);
            std::fflush(stdout);
            samples.push_back(s);
        }
        failures = soak.failures();
    }
    rmdir(tmpdir.c_str());
    const Sample& first = samples.front();
    const Sample& last = samples.back();
    const bool flat = last.fds <= first.fds && last.children == 0 && last.temp_entries == 0 &&
                      last.rss_kib <= first.rss_kib + first.rss_kib / 10;
    std::printf(
        "first epoch -> last: fds %d -> %d, RSS %ld -> %ld KiB (%+.1f%%), children %ld -> %ld, "
        "temp entries %ld -> %ld; %ld of %ld calls ended otherwise than expected\n",
        first.fds, last.fds, first.rss_kib, last.rss_kib,
        100.0 * static_cast<double>(last.rss_kib - first.rss_kib) /
            static_cast<double>(first.rss_kib),
        first.children, last.children, first.temp_entries, last.temp_entries, failures,
        options.calls);
    std::printf("%s\n",
                flat && failures == 0 ? "flat: nothing accumulated" : "NOT FLAT or calls failed");
    return flat && failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace bro::soak

int main(int argc, char** argv) {
    try {
        return bro::soak::soak(bro::soak::parse(argc, argv));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
