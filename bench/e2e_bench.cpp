// bro_e2e_bench: end-to-end comparison of running a command directly with running it through
// bro, in content mode and in fd-passing mode. It starts its own bro-servers on sockets in a
// private temp dir (for /bin/true and /bin/cat, each once content-only and once with
// --fd-passing), then measures, always interleaving the direct baseline and every bro arm in one
// loop so that machine noise hits all of them alike. Every bro-client run pins its mode with
// BRO_TRANSFER_MODE (content or fd), except the one arm that measures the default (auto)
// against a content-only server, which pays for the refused fd attempt and the fallback:
//
//  latency     /bin/true spawned directly (posix_spawn + waitpid) vs bro-client against a server
//              whose executable is /bin/true: content mode (BRO_TRANSFER_MODE=content,
//              content-only server), fd mode (BRO_TRANSFER_MODE=fd, --fd-passing server), and
//              auto against the content-only server (fd attempt, ModeRejected, content retry);
//              plus bro-client alone (socket absent: it starts, fails to connect and exits), the
//              client's own share. stdin and stdout are /dev/null for all. Reports p50/p90/p99,
//              each arm's ratio of medians to direct, and its spread: the min/max of the ratio
//              of medians within each of --blocks consecutive blocks. The fallback cost is the
//              difference of medians auto - content, with the same per-block spread.
//  throughput  --bytes from a producer thread through `cat`: producer -> /bin/cat -> sink vs
//              producer -> bro-client[cat server] -> sink in content mode and in fd mode, where
//              the sink is a pipe read and discarded by a thread (--sink pipe) or /dev/null as
//              the child's stdout (--sink null, DESIGN §5's `head | cat >/dev/null`). --repeats
//              interleaved triples (direct, content, fd; the order rotates) per sink and write
//              size; reports GB/s medians, each mode's ratio of medians to direct, and the
//              min/max of the per-triple ratios.
//
// Usage: bro_e2e_bench --server PATH --client PATH [--rounds N] [--warmup N] [--blocks N]
//                      [--bytes N] [--repeats N] [--sink pipe|null|both] [--chunks N,...]
//                      [--pin CPU] [--skip-latency] [--json FILE]
// --chunks: the producer's write sizes, one throughput measurement per size and sink.
// --pin: runs everything (harness threads, servers, clients, children) on one CPU. On a VM the
//        direct pipeline's speed depends on whether its two ends share a vCPU (a wake-up across
//        vCPUs is an IPI and a VM exit), which varies with whatever else runs; pinned, the
//        ratio is stable and compares CPU cost per byte.
// Plain C++ and POSIX on purpose: no dependency on anything the product links.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

// ---------------------------------------------------------------------------------------------
// Small utilities

[[noreturn]] void fail(const std::string& message) {
    throw std::runtime_error(message);
}

std::string errno_text(const std::string& what, int error = errno) {
    return what + ": " + std::strerror(error);
}

double now_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    // Nearest-rank on a 0-based index, interpolated between neighbours.
    const double rank = p / 100.0 * static_cast<double>(values.size() - 1);
    const auto low = static_cast<std::size_t>(std::floor(rank));
    const auto high = std::min(low + 1, values.size() - 1);
    const double fraction = rank - static_cast<double>(low);
    return values[low] + (values[high] - values[low]) * fraction;
}

double median(const std::vector<double>& values) {
    return percentile(values, 50);
}

std::string fixed(double value, int digits) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", digits, value);
    return text;
}

// An environment block: ours, without BRO_* variables, plus `extra`.
class Environment {
  public:
    explicit Environment(const std::vector<std::string>& extra) {
        for (char** e = environ; *e; ++e) {
            if (std::strncmp(*e, "BRO_", 4) == 0) continue;
            strings_.emplace_back(*e);
        }
        strings_.insert(strings_.end(), extra.begin(), extra.end());
        for (auto& s : strings_) pointers_.push_back(s.data());
        pointers_.push_back(nullptr);
    }
    char* const* get() const { return pointers_.data(); }

  private:
    std::vector<std::string> strings_;
    std::vector<char*> pointers_;
};

class Argv {
  public:
    explicit Argv(std::vector<std::string> args) : strings_(std::move(args)) {
        for (auto& s : strings_) pointers_.push_back(s.data());
        pointers_.push_back(nullptr);
    }
    char* const* get() const { return pointers_.data(); }
    const char* program() const { return strings_.front().c_str(); }

  private:
    std::vector<std::string> strings_;
    std::vector<char*> pointers_;
};

// The child's stdin/stdout; stderr is inherited so failures stay visible, unless quiet.
struct Stdio {
    int in = -1;   // -1: /dev/null
    int out = -1;  // -1: /dev/null
    bool quiet_stderr = false;
};

pid_t spawn(const Argv& argv, const Environment& env, Stdio stdio) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (stdio.in >= 0) {
        posix_spawn_file_actions_adddup2(&actions, stdio.in, 0);
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    if (stdio.out >= 0) {
        posix_spawn_file_actions_adddup2(&actions, stdio.out, 1);
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    }
    if (stdio.quiet_stderr) {
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    }
    pid_t pid = -1;
    const int error = posix_spawn(&pid, argv.program(), &actions, nullptr, argv.get(), env.get());
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) fail(errno_text(std::string("posix_spawn ") + argv.program(), error));
    return pid;
}

int wait_for(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) fail(errno_text("waitpid"));
    }
    return status;
}

void expect_success(int status, const char* what, int expected = 0) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == expected) return;
    if (WIFEXITED(status))
        fail(std::string(what) + " exited with " + std::to_string(WEXITSTATUS(status)));
    fail(std::string(what) + " was killed by signal " + std::to_string(WTERMSIG(status)));
}

// ---------------------------------------------------------------------------------------------
// Servers

class Server {
  public:
    // fd_passing: the server accepts only fd-passing requests (--fd-passing); otherwise only
    // content mode (the server's default).
    Server(const std::string& server_path, const std::string& executable, std::string socket_path,
           bool fd_passing)
        : socket_path_(std::move(socket_path)) {
        std::vector<std::string> args = {server_path,  "--executable", executable, "--socket-path",
                                         socket_path_, "--log-level",  "warn"};
        if (fd_passing) args.emplace_back("--fd-passing");
        const Argv argv(std::move(args));
        const Environment env({});
        pid_ = spawn(argv, env, {});
        try {
            wait_until_listening();
        } catch (...) {
            stop();
            throw;
        }
    }
    ~Server() { stop(); }
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    const std::string& socket_path() const { return socket_path_; }

  private:
    void stop() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status = 0;
            waitpid(pid_, &status, 0);
            pid_ = -1;
        }
        unlink(socket_path_.c_str());
    }

    void wait_until_listening() {
        const double deadline = now_seconds() + 10;
        while (now_seconds() < deadline) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                fail("bro-server for " + socket_path_ + " exited during start-up");
            }
            const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_un address{};
            address.sun_family = AF_UNIX;
            std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path_.c_str());
            const int rc = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
            close(fd);  // the server sees a connection that sends nothing and closes: harmless
            if (rc == 0) return;
            usleep(10'000);
        }
        fail("bro-server did not start listening on " + socket_path_);
    }

    std::string socket_path_;
    pid_t pid_ = -1;
};

class TempDir {
  public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/bro-e2e-XXXXXX";
        if (!mkdtemp(pattern.data())) fail(errno_text("mkdtemp"));
        path_ = pattern;
    }
    ~TempDir() { rmdir(path_.c_str()); }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// ---------------------------------------------------------------------------------------------
// Measurements

// Where the pipeline's output goes: a pipe read (and discarded) by a thread of ours, or
// /dev/null opened as the child's stdout (DESIGN §5's `head | cat >/dev/null`).
enum class Sink { kPipe, kNull };

const char* sink_name(Sink sink) {
    return sink == Sink::kPipe ? "pipe" : "null";
}

struct Options {
    std::string server;
    std::string client;
    std::size_t rounds = 2000;
    std::size_t warmup = 50;
    std::size_t blocks = 10;
    std::uint64_t bytes = 1ull << 30;
    std::size_t repeats = 3;
    // Producer write sizes: 8 KiB is what head(1) writes (DESIGN §5's `head | cat`), 128 KiB
    // a bulk writer. The direct pipeline's speed depends strongly on it (see docs/BENCHMARKS.md).
    std::vector<std::size_t> chunks = {8 << 10, 128 << 10};
    std::vector<Sink> sinks = {Sink::kPipe, Sink::kNull};
    std::string json;
    int pin_cpu = -1;  // --pin: run everything on this one CPU
    bool skip_latency = false;
};

double time_run(const Argv& argv, const Environment& env, int expected_exit = 0) {
    Stdio stdio;
    stdio.quiet_stderr = expected_exit != 0;
    const double start = now_seconds();
    const pid_t pid = spawn(argv, env, stdio);
    const int status = wait_for(pid);
    const double elapsed = now_seconds() - start;
    expect_success(status, argv.program(), expected_exit);
    return elapsed;
}

// bro-client's exit code when it cannot reach the server (client/exit_code.hpp).
constexpr int kClientFailureExit = 125;

struct Distribution {
    double p50, p90, p99, mean, min, max;
    static Distribution of(const std::vector<double>& v) {
        double sum = 0;
        for (double x : v) sum += x;
        return {percentile(v, 50),
                percentile(v, 90),
                percentile(v, 99),
                sum / static_cast<double>(v.size()),
                *std::min_element(v.begin(), v.end()),
                *std::max_element(v.begin(), v.end())};
    }
};

// Latency arms, in the order of the loop's rotation and of the report.
enum class LatencyArm { kDirect, kContent, kFd, kAutoFallback, kClientOnly };
constexpr std::size_t kLatencyArms = 5;
constexpr std::array<LatencyArm, kLatencyArms> kAllLatencyArms = {
    LatencyArm::kDirect, LatencyArm::kContent, LatencyArm::kFd, LatencyArm::kAutoFallback,
    LatencyArm::kClientOnly};

const char* latency_arm_label(LatencyArm arm) {
    switch (arm) {
        case LatencyArm::kDirect:
            return "`/bin/true` direct";
        case LatencyArm::kContent:
            return "bro content mode (`BRO_TRANSFER_MODE=content`)";
        case LatencyArm::kFd:
            return "bro fd mode (`BRO_TRANSFER_MODE=fd`, `--fd-passing` server)";
        case LatencyArm::kAutoFallback:
            return "bro auto against a content-only server (fd attempt + fallback)";
        case LatencyArm::kClientOnly:
            return "bro-client alone (no server, connect fails)";
    }
    return "?";
}

const char* latency_arm_key(LatencyArm arm) {
    switch (arm) {
        case LatencyArm::kDirect:
            return "direct";
        case LatencyArm::kContent:
            return "content";
        case LatencyArm::kFd:
            return "fd";
        case LatencyArm::kAutoFallback:
            return "auto_fallback";
        case LatencyArm::kClientOnly:
            return "client_only";
    }
    return "?";
}

// A statistic over the whole run and its spread over consecutive blocks of rounds.
struct Spread {
    double value = 0, min = 0, max = 0;
    std::vector<double> blocks;
};

struct LatencyResult {
    std::size_t rounds;
    std::array<Distribution, kLatencyArms> arms;  // seconds
    std::array<Spread, kLatencyArms> ratios;      // median(arm) / median(direct)
    Spread fallback_seconds;                      // median(auto fallback) - median(content)
};

LatencyResult measure_latency(const Options& options, const Server& content_server,
                              const Server& fd_server) {
    const Argv direct_argv({"/bin/true"});
    const Argv client_argv({options.client});
    // Pinned modes, so that the content arm does not first try fd passing and fall back.
    const std::array<Environment, kLatencyArms> envs = {
        Environment({}),
        Environment(
            {"BRO_SOCKET_PATH=" + content_server.socket_path(), "BRO_TRANSFER_MODE=content"}),
        Environment({"BRO_SOCKET_PATH=" + fd_server.socket_path(), "BRO_TRANSFER_MODE=fd"}),
        // The default (auto): fd attempt, ModeRejected, then the content-mode retry.
        Environment({"BRO_SOCKET_PATH=" + content_server.socket_path()}),
        // The client's own cost: start, read its configuration, fail to connect, exit.
        Environment({"BRO_SOCKET_PATH=" + content_server.socket_path() + ".absent",
                     "BRO_TRANSFER_MODE=content"}),
    };
    const auto run = [&](LatencyArm arm) {
        const auto index = static_cast<std::size_t>(arm);
        switch (arm) {
            case LatencyArm::kDirect:
                return time_run(direct_argv, envs[index]);
            case LatencyArm::kClientOnly:
                return time_run(client_argv, envs[index], kClientFailureExit);
            default:
                return time_run(client_argv, envs[index]);
        }
    };

    for (std::size_t i = 0; i < options.warmup; ++i) {
        for (LatencyArm arm : kAllLatencyArms) run(arm);
    }
    std::array<std::vector<double>, kLatencyArms> samples;
    for (auto& s : samples) s.reserve(options.rounds);
    for (std::size_t i = 0; i < options.rounds; ++i) {
        // Rotate which goes first so none always runs right after the same other one.
        for (std::size_t k = 0; k < kLatencyArms; ++k) {
            const std::size_t index = (i + k) % kLatencyArms;
            samples[index].push_back(run(kAllLatencyArms[index]));
        }
    }

    LatencyResult result{};
    result.rounds = options.rounds;
    for (std::size_t a = 0; a < kLatencyArms; ++a) result.arms[a] = Distribution::of(samples[a]);
    const auto& direct = samples[static_cast<std::size_t>(LatencyArm::kDirect)];
    const auto& content = samples[static_cast<std::size_t>(LatencyArm::kContent)];
    const auto& fallback = samples[static_cast<std::size_t>(LatencyArm::kAutoFallback)];
    const std::size_t blocks = std::max<std::size_t>(1, std::min(options.blocks, options.rounds));
    const std::size_t per_block = options.rounds / blocks;
    const auto block_median = [&](const std::vector<double>& v, std::size_t b) {
        const auto begin = static_cast<std::ptrdiff_t>(b * per_block);
        const auto end =
            static_cast<std::ptrdiff_t>(b + 1 == blocks ? options.rounds : (b + 1) * per_block);
        return median(std::vector<double>(v.begin() + begin, v.begin() + end));
    };
    const auto finish = [](Spread& s) {
        s.min = *std::min_element(s.blocks.begin(), s.blocks.end());
        s.max = *std::max_element(s.blocks.begin(), s.blocks.end());
    };
    for (std::size_t a = 0; a < kLatencyArms; ++a) {
        Spread& r = result.ratios[a];
        r.value = median(samples[a]) / median(direct);
        for (std::size_t b = 0; b < blocks; ++b) {
            r.blocks.push_back(block_median(samples[a], b) / block_median(direct, b));
        }
        finish(r);
    }
    Spread& f = result.fallback_seconds;
    f.value = median(fallback) - median(content);
    for (std::size_t b = 0; b < blocks; ++b) {
        f.blocks.push_back(block_median(fallback, b) - block_median(content, b));
    }
    finish(f);
    return result;
}

// One pipeline run: producer thread -> child stdin; child stdout -> reader thread (or
// /dev/null). Returns seconds from spawn to the child's exit with all output read.
double time_pipeline(const Argv& argv, const Environment& env, std::uint64_t bytes, Sink sink,
                     std::size_t chunk) {
    int in[2], out[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) != 0) fail(errno_text("pipe2"));
    if (sink == Sink::kPipe && pipe2(out, O_CLOEXEC) != 0) fail(errno_text("pipe2"));
    const double start = now_seconds();
    const pid_t pid = spawn(argv, env, {in[0], out[1]});
    close(in[0]);
    if (out[1] >= 0) close(out[1]);

    std::thread producer([fd = in[1], bytes, chunk] {
        std::vector<char> buffer(chunk, 'x');
        for (std::size_t i = 0; i < buffer.size(); i += 64) buffer[i] = '\n';
        std::uint64_t left = bytes;
        while (left > 0) {
            const std::size_t want =
                static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
            const ssize_t n = write(fd, buffer.data(), want);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            left -= static_cast<std::uint64_t>(n);
        }
        close(fd);
    });
    std::uint64_t received = sink == Sink::kPipe ? 0 : bytes;  // /dev/null cannot be counted
    std::thread reader([fd = out[0], &received] {
        if (fd < 0) return;
        std::vector<char> buffer(128 << 10);
        for (;;) {
            const ssize_t n = read(fd, buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            received += static_cast<std::uint64_t>(n);
        }
        close(fd);
    });
    producer.join();
    reader.join();
    const int status = wait_for(pid);
    const double elapsed = now_seconds() - start;
    expect_success(status, argv.program());
    if (received != bytes) {
        fail(std::string(argv.program()) + " passed " + std::to_string(received) + " of " +
             std::to_string(bytes) + " bytes");
    }
    return elapsed;
}

// Throughput arms; each repeat is one interleaved triple, in a rotating order.
enum class PipeArm { kDirect, kContent, kFd };
constexpr std::size_t kPipeArms = 3;
constexpr std::array<PipeArm, kPipeArms> kAllPipeArms = {PipeArm::kDirect, PipeArm::kContent,
                                                         PipeArm::kFd};

const char* pipe_arm_label(PipeArm arm) {
    switch (arm) {
        case PipeArm::kDirect:
            return "`cat` direct";
        case PipeArm::kContent:
            return "bro content mode";
        case PipeArm::kFd:
            return "bro fd mode";
    }
    return "?";
}

const char* pipe_arm_key(PipeArm arm) {
    switch (arm) {
        case PipeArm::kDirect:
            return "direct";
        case PipeArm::kContent:
            return "content";
        case PipeArm::kFd:
            return "fd";
    }
    return "?";
}

struct ArmThroughput {
    std::vector<double> gbps;
    std::vector<double> ratios;  // per triple: direct's time / this arm's time
    double median = 0;           // GB/s
    double ratio = 0;            // median(arm) / median(direct)
    double ratio_min = 0, ratio_max = 0;
};

struct ThroughputResult {
    Sink sink;
    std::size_t chunk;
    std::uint64_t bytes;
    std::array<ArmThroughput, kPipeArms> arms;
};

ThroughputResult measure_throughput(const Options& options, const Server& content_server,
                                    const Server& fd_server, Sink sink, std::size_t chunk) {
    const Argv direct_argv({"/bin/cat"});
    const Argv client_argv({options.client});
    const std::array<Environment, kPipeArms> envs = {
        Environment({}),
        Environment(
            {"BRO_SOCKET_PATH=" + content_server.socket_path(), "BRO_TRANSFER_MODE=content"}),
        Environment({"BRO_SOCKET_PATH=" + fd_server.socket_path(), "BRO_TRANSFER_MODE=fd"}),
    };
    const auto run = [&](std::size_t index, std::uint64_t bytes) {
        const Argv& argv = kAllPipeArms[index] == PipeArm::kDirect ? direct_argv : client_argv;
        return time_pipeline(argv, envs[index], bytes, sink, chunk);
    };
    const double gb = static_cast<double>(options.bytes) / 1e9;

    // Warm-up with a small transfer each (page cache, first-touch of the server's buffers).
    for (std::size_t a = 0; a < kPipeArms; ++a) run(a, 8 << 20);

    ThroughputResult result{};
    result.sink = sink;
    result.chunk = chunk;
    result.bytes = options.bytes;
    for (std::size_t i = 0; i < options.repeats; ++i) {
        std::array<double, kPipeArms> seconds{};
        for (std::size_t k = 0; k < kPipeArms; ++k) {
            const std::size_t index = (i + k) % kPipeArms;
            seconds[index] = run(index, options.bytes);
        }
        const double direct = seconds[static_cast<std::size_t>(PipeArm::kDirect)];
        for (std::size_t a = 0; a < kPipeArms; ++a) {
            result.arms[a].gbps.push_back(gb / seconds[a]);
            result.arms[a].ratios.push_back(direct / seconds[a]);
        }
        std::fprintf(stderr,
                     "  throughput (%s sink, %zu KiB writes) triple %zu/%zu: direct %.2f GB/s, "
                     "content %.2f GB/s, fd %.2f GB/s\n",
                     sink_name(sink), chunk >> 10, i + 1, options.repeats, gb / seconds[0],
                     gb / seconds[1], gb / seconds[2]);
    }
    const double direct_median =
        median(result.arms[static_cast<std::size_t>(PipeArm::kDirect)].gbps);
    for (auto& arm : result.arms) {
        arm.median = median(arm.gbps);
        arm.ratio = arm.median / direct_median;
        arm.ratio_min = *std::min_element(arm.ratios.begin(), arm.ratios.end());
        arm.ratio_max = *std::max_element(arm.ratios.begin(), arm.ratios.end());
    }
    return result;
}

// ---------------------------------------------------------------------------------------------
// Reporting

std::string machine_description() {
    utsname u{};
    uname(&u);
    std::string cpu = "unknown";
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.rfind("model name", 0) == 0) {
            cpu = line.substr(line.find(':') + 2);
            break;
        }
    }
    return std::to_string(std::thread::hardware_concurrency()) + " CPU(s), " + cpu + ", Linux " +
           u.release;
}

std::string ms(double seconds) {
    return fixed(seconds * 1e3, 3);
}

std::string gbps_row(const char* name, double med, const std::vector<double>& v) {
    return std::string("| ") + name + " | " + fixed(med, 2) + " | " +
           fixed(*std::min_element(v.begin(), v.end()), 2) + " | " +
           fixed(*std::max_element(v.begin(), v.end()), 2) + " |\n";
}

void print_latency(const LatencyResult& l) {
    std::printf("Latency, `true` (%zu interleaved rounds, ms)\n\n", l.rounds);
    std::printf("| run | p50 | p90 | p99 | mean | min |\n|---|---|---|---|---|---|\n");
    for (LatencyArm arm : kAllLatencyArms) {
        const Distribution& d = l.arms[static_cast<std::size_t>(arm)];
        std::printf("| %s | %s | %s | %s | %s | %s |\n", latency_arm_label(arm), ms(d.p50).c_str(),
                    ms(d.p90).c_str(), ms(d.p99).c_str(), ms(d.mean).c_str(), ms(d.min).c_str());
    }
    const Distribution& direct = l.arms[static_cast<std::size_t>(LatencyArm::kDirect)];
    for (LatencyArm arm : {LatencyArm::kContent, LatencyArm::kFd, LatencyArm::kAutoFallback}) {
        const Distribution& d = l.arms[static_cast<std::size_t>(arm)];
        const Spread& r = l.ratios[static_cast<std::size_t>(arm)];
        std::printf("| **ratio %s/direct** | **%sx** (blocks %sx-%sx) | %sx | %sx | %sx | %sx |\n",
                    latency_arm_key(arm), fixed(r.value, 2).c_str(), fixed(r.min, 2).c_str(),
                    fixed(r.max, 2).c_str(), fixed(d.p90 / direct.p90, 2).c_str(),
                    fixed(d.p99 / direct.p99, 2).c_str(), fixed(d.mean / direct.mean, 2).c_str(),
                    fixed(d.min / direct.min, 2).c_str());
    }
    const Spread& f = l.fallback_seconds;
    std::printf(
        "\nFallback cost (auto against a content-only server minus pinned content, p50): "
        "%s ms (blocks %s-%s ms)\n",
        ms(f.value).c_str(), ms(f.min).c_str(), ms(f.max).c_str());
}

void print_throughput(const ThroughputResult& t) {
    std::printf(
        "\nThroughput, %s MiB producer (%zu KiB writes) -> cat -> %s (%zu interleaved triples, "
        "GB/s)\n\n",
        fixed(static_cast<double>(t.bytes) / (1 << 20), 0).c_str(), t.chunk >> 10,
        t.sink == Sink::kPipe ? "pipe read by a thread" : "/dev/null", t.arms.front().gbps.size());
    std::printf("| run | median | min | max |\n|---|---|---|---|\n");
    for (PipeArm arm : kAllPipeArms) {
        const ArmThroughput& a = t.arms[static_cast<std::size_t>(arm)];
        std::printf("%s", gbps_row(pipe_arm_label(arm), a.median, a.gbps).c_str());
    }
    for (PipeArm arm : {PipeArm::kContent, PipeArm::kFd}) {
        const ArmThroughput& a = t.arms[static_cast<std::size_t>(arm)];
        std::printf("| **ratio %s/direct** | **%sx** (triples %sx-%sx) | | |\n", pipe_arm_key(arm),
                    fixed(a.ratio, 2).c_str(), fixed(a.ratio_min, 2).c_str(),
                    fixed(a.ratio_max, 2).c_str());
    }
}

void print_report(const std::optional<LatencyResult>& latency,
                  const std::vector<ThroughputResult>& throughputs, int pinned_cpu) {
    std::printf("\nMachine: %s\n", machine_description().c_str());
    if (pinned_cpu >= 0) {
        std::printf("Everything (harness, servers, clients, children) pinned to CPU %d.\n",
                    pinned_cpu);
    }
    std::printf("\n");
    if (latency) print_latency(*latency);
    for (const auto& t : throughputs) print_throughput(t);
    std::fflush(stdout);
}

std::string json_array(const std::vector<double>& values, int digits) {
    std::string s = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) s += ", ";
        s += fixed(values[i], digits);
    }
    return s + "]";
}

std::string json_distribution(const Distribution& d) {
    return "{\"p50_ms\": " + ms(d.p50) + ", \"p90_ms\": " + ms(d.p90) +
           ", \"p99_ms\": " + ms(d.p99) + ", \"mean_ms\": " + ms(d.mean) +
           ", \"min_ms\": " + ms(d.min) + ", \"max_ms\": " + ms(d.max) + "}";
}

std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
    return out;
}

void write_json(const std::string& path, const std::optional<LatencyResult>& latency,
                const std::vector<ThroughputResult>& throughputs, int pinned_cpu) {
    std::ostringstream j;
    j << "{\n  \"machine\": \"" << json_escape(machine_description()) << "\",\n";
    j << "  \"pinned_cpu\": " << pinned_cpu << ",\n";
    if (latency) {
        const LatencyResult& l = *latency;
        j << "  \"latency\": {\n    \"rounds\": " << l.rounds << ",\n";
        for (LatencyArm arm : kAllLatencyArms) {
            const auto a = static_cast<std::size_t>(arm);
            j << "    \"" << latency_arm_key(arm)
              << "\": {\"distribution\": " << json_distribution(l.arms[a])
              << ", \"ratio_p50\": " << fixed(l.ratios[a].value, 3)
              << ", \"ratio_block_min\": " << fixed(l.ratios[a].min, 3)
              << ", \"ratio_block_max\": " << fixed(l.ratios[a].max, 3)
              << ", \"block_ratios\": " << json_array(l.ratios[a].blocks, 3) << "},\n";
        }
        const Spread& f = l.fallback_seconds;
        j << "    \"fallback_cost_p50_ms\": " << ms(f.value) << ",\n";
        j << "    \"fallback_cost_block_min_ms\": " << ms(f.min) << ",\n";
        j << "    \"fallback_cost_block_max_ms\": " << ms(f.max) << "\n  },\n";
    }
    j << "  \"throughput\": [";
    for (std::size_t i = 0; i < throughputs.size(); ++i) {
        const auto& t = throughputs[i];
        j << (i ? ",\n" : "\n");
        j << "    {\n      \"sink\": \"" << sink_name(t.sink) << "\",\n";
        j << "      \"bytes\": " << t.bytes << ",\n";
        j << "      \"producer_write_bytes\": " << t.chunk;
        for (PipeArm arm : kAllPipeArms) {
            const ArmThroughput& a = t.arms[static_cast<std::size_t>(arm)];
            j << ",\n      \"" << pipe_arm_key(arm) << "\": {\"gbps\": " << json_array(a.gbps, 3)
              << ", \"median_gbps\": " << fixed(a.median, 3) << ", \"ratio\": " << fixed(a.ratio, 3)
              << ", \"ratio_triple_min\": " << fixed(a.ratio_min, 3)
              << ", \"ratio_triple_max\": " << fixed(a.ratio_max, 3)
              << ", \"triple_ratios\": " << json_array(a.ratios, 3) << "}";
        }
        j << "\n    }";
    }
    j << "\n  ]\n}\n";
    std::ofstream file(path);
    file << j.str();
    if (!file) fail("cannot write " + path);
}

// ---------------------------------------------------------------------------------------------

void usage() {
    std::fprintf(stderr,
                 "usage: bro_e2e_bench --server PATH --client PATH [--rounds N] [--warmup N]\n"
                 "                     [--blocks N] [--bytes N] [--repeats N]\n"
                 "                     [--sink pipe|null|both] [--chunks N,N,...] [--pin CPU]\n"
                 "                     [--skip-latency] [--json FILE]\n");
}

std::uint64_t parse_number(const std::string& flag, const char* text, bool zero_ok = false) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || (value == 0 && !zero_ok)) {
        fail(flag + " wants a positive integer, got '" + text + "'");
    }
    return value;
}

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "-h" || flag == "--help") {
            usage();
            std::exit(0);
        }
        if (flag != "--skip-latency" && i + 1 >= argc) {
            usage();
            fail(flag + " needs a value");
        }
        if (flag == "--skip-latency") {
            o.skip_latency = true;
            continue;
        }
        const char* value = argv[++i];
        if (flag == "--server")
            o.server = value;
        else if (flag == "--client")
            o.client = value;
        else if (flag == "--rounds")
            o.rounds = parse_number(flag, value);
        else if (flag == "--warmup")
            o.warmup = parse_number(flag, value);
        else if (flag == "--blocks")
            o.blocks = parse_number(flag, value);
        else if (flag == "--bytes")
            o.bytes = parse_number(flag, value);
        else if (flag == "--repeats")
            o.repeats = parse_number(flag, value);
        else if (flag == "--json")
            o.json = value;
        else if (flag == "--pin")
            o.pin_cpu = static_cast<int>(parse_number(flag, value, true));
        else if (flag == "--chunks") {
            o.chunks.clear();
            std::stringstream list(value);
            for (std::string item; std::getline(list, item, ',');) {
                o.chunks.push_back(parse_number(flag, item.c_str()));
            }
        } else if (flag == "--sink") {
            const std::string sink = value;
            if (sink == "pipe")
                o.sinks = {Sink::kPipe};
            else if (sink == "null")
                o.sinks = {Sink::kNull};
            else if (sink == "both")
                o.sinks = {Sink::kPipe, Sink::kNull};
            else
                fail("--sink wants pipe, null or both");
        } else {
            usage();
            fail("unknown option " + flag);
        }
    }
    if (o.server.empty() || o.client.empty()) {
        usage();
        fail("--server and --client are required");
    }
    for (const auto* path : {&o.server, &o.client}) {
        if (access(path->c_str(), X_OK) != 0) fail(errno_text(*path));
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);  // a child that dies early must show up as an error, not kill us
    try {
        const Options options = parse_options(argc, argv);
        if (options.pin_cpu >= 0) {
            // Before any thread or child exists: all of them inherit the mask.
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(options.pin_cpu, &set);
            if (sched_setaffinity(0, sizeof set, &set) != 0) fail(errno_text("sched_setaffinity"));
        }
        const TempDir dir;
        const Server true_server(options.server, "/bin/true", dir.path() + "/true.sock", false);
        const Server true_fd_server(options.server, "/bin/true", dir.path() + "/true-fd.sock",
                                    true);
        const Server cat_server(options.server, "/bin/cat", dir.path() + "/cat.sock", false);
        const Server cat_fd_server(options.server, "/bin/cat", dir.path() + "/cat-fd.sock", true);

        std::optional<LatencyResult> latency;
        if (!options.skip_latency) {
            std::fprintf(stderr, "latency: %zu warm-up + %zu interleaved rounds...\n",
                         options.warmup, options.rounds);
            latency = measure_latency(options, true_server, true_fd_server);
        }
        std::fprintf(
            stderr, "throughput: %llu bytes x %zu interleaved triples per sink and write size...\n",
            static_cast<unsigned long long>(options.bytes), options.repeats);
        std::vector<ThroughputResult> throughputs;
        for (Sink sink : options.sinks) {
            for (std::size_t chunk : options.chunks) {
                throughputs.push_back(
                    measure_throughput(options, cat_server, cat_fd_server, sink, chunk));
            }
        }

        print_report(latency, throughputs, options.pin_cpu);
        if (!options.json.empty()) write_json(options.json, latency, throughputs, options.pin_cpu);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bro_e2e_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
