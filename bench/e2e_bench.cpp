// bro_e2e_bench: end-to-end comparison of running a command directly with running it through
// bro (content mode). It starts its own bro-servers (for /bin/true and /bin/cat) on sockets in a
// private temp dir, then measures, always interleaving the direct baseline and the bro run in one
// loop so that machine noise hits both alike:
//
//  latency     /bin/true spawned directly (posix_spawn + waitpid) vs bro-client against a server
//              whose executable is /bin/true, plus bro-client alone (socket absent: it starts,
//              fails to connect and exits), the client's own share. stdin and stdout are
//              /dev/null for all. Reports p50/p90/p99, the ratio of medians, and its spread: the
//              min/max of the ratio of medians within each of --blocks consecutive blocks.
//  throughput  --bytes from a producer thread through `cat`: producer -> /bin/cat -> sink vs
//              producer -> bro-client[cat server] -> sink, where the sink is a pipe read and
//              discarded by a thread (--sink pipe) or /dev/null as the child's stdout (--sink
//              null, DESIGN §5's `head | cat >/dev/null`). --repeats pairs per sink; reports GB/s
//              medians, the ratio of medians, and the min/max of the per-pair ratios.
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
    Server(const std::string& server_path, const std::string& executable, std::string socket_path)
        : socket_path_(std::move(socket_path)) {
        const Argv argv({server_path, "--executable", executable, "--socket-path", socket_path_,
                         "--log-level", "warn"});
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

struct LatencyResult {
    std::size_t rounds;
    Distribution direct, bro;  // seconds
    Distribution client_only;  // bro-client alone: no server, connect() fails
    double ratio;              // median(bro) / median(direct)
    double ratio_min, ratio_max;
    std::vector<double> block_ratios;
};

LatencyResult measure_latency(const Options& options, const Server& server) {
    const Argv direct_argv({"/bin/true"});
    const Environment direct_env({});
    const Argv client_argv({options.client});
    const Environment client_env({"BRO_SOCKET_PATH=" + server.socket_path()});
    // The client's own cost: start, read its configuration, fail to connect, exit.
    const Environment no_server_env({"BRO_SOCKET_PATH=" + server.socket_path() + ".absent"});

    for (std::size_t i = 0; i < options.warmup; ++i) {
        time_run(direct_argv, direct_env);
        time_run(client_argv, client_env);
        time_run(client_argv, no_server_env, kClientFailureExit);
    }
    std::vector<double> direct, bro, client_only;
    direct.reserve(options.rounds);
    bro.reserve(options.rounds);
    client_only.reserve(options.rounds);
    for (std::size_t i = 0; i < options.rounds; ++i) {
        // Rotate which goes first so none always runs right after the same other one.
        for (std::size_t k = 0; k < 3; ++k) {
            switch ((i + k) % 3) {
                case 0:
                    direct.push_back(time_run(direct_argv, direct_env));
                    break;
                case 1:
                    bro.push_back(time_run(client_argv, client_env));
                    break;
                default:
                    client_only.push_back(time_run(client_argv, no_server_env, kClientFailureExit));
                    break;
            }
        }
    }
    LatencyResult result{};
    result.rounds = options.rounds;
    result.direct = Distribution::of(direct);
    result.bro = Distribution::of(bro);
    result.client_only = Distribution::of(client_only);
    result.ratio = result.bro.p50 / result.direct.p50;
    const std::size_t blocks = std::max<std::size_t>(1, std::min(options.blocks, options.rounds));
    const std::size_t per_block = options.rounds / blocks;
    for (std::size_t b = 0; b < blocks; ++b) {
        const auto begin = static_cast<std::ptrdiff_t>(b * per_block);
        const auto end =
            static_cast<std::ptrdiff_t>(b + 1 == blocks ? options.rounds : (b + 1) * per_block);
        const std::vector<double> d(direct.begin() + begin, direct.begin() + end);
        const std::vector<double> r(bro.begin() + begin, bro.begin() + end);
        result.block_ratios.push_back(median(r) / median(d));
    }
    result.ratio_min = *std::min_element(result.block_ratios.begin(), result.block_ratios.end());
    result.ratio_max = *std::max_element(result.block_ratios.begin(), result.block_ratios.end());
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

struct ThroughputResult {
    Sink sink;
    std::size_t chunk;
    std::uint64_t bytes;
    std::vector<double> direct_gbps, bro_gbps, pair_ratios;
    double direct_median, bro_median, ratio, ratio_min, ratio_max;
};

ThroughputResult measure_throughput(const Options& options, const Server& server, Sink sink,
                                    std::size_t chunk) {
    const Argv direct_argv({"/bin/cat"});
    const Environment direct_env({});
    const Argv client_argv({options.client});
    const Environment client_env({"BRO_SOCKET_PATH=" + server.socket_path()});
    const double gb = static_cast<double>(options.bytes) / 1e9;

    // Warm-up with a small transfer each (page cache, first-touch of the server's buffers).
    time_pipeline(direct_argv, direct_env, 8 << 20, sink, chunk);
    time_pipeline(client_argv, client_env, 8 << 20, sink, chunk);

    ThroughputResult result{};
    result.sink = sink;
    result.chunk = chunk;
    result.bytes = options.bytes;
    for (std::size_t i = 0; i < options.repeats; ++i) {
        double direct = 0, bro = 0;
        if (i % 2 == 0) {
            direct = time_pipeline(direct_argv, direct_env, options.bytes, sink, chunk);
            bro = time_pipeline(client_argv, client_env, options.bytes, sink, chunk);
        } else {
            bro = time_pipeline(client_argv, client_env, options.bytes, sink, chunk);
            direct = time_pipeline(direct_argv, direct_env, options.bytes, sink, chunk);
        }
        result.direct_gbps.push_back(gb / direct);
        result.bro_gbps.push_back(gb / bro);
        result.pair_ratios.push_back(direct / bro);
        std::fprintf(stderr,
                     "  throughput (%s sink, %zu KiB writes) pair %zu/%zu: direct %.2f GB/s, bro "
                     "%.2f GB/s\n",
                     sink_name(sink), chunk >> 10, i + 1, options.repeats, gb / direct, gb / bro);
    }
    result.direct_median = median(result.direct_gbps);
    result.bro_median = median(result.bro_gbps);
    result.ratio = result.bro_median / result.direct_median;
    result.ratio_min = *std::min_element(result.pair_ratios.begin(), result.pair_ratios.end());
    result.ratio_max = *std::max_element(result.pair_ratios.begin(), result.pair_ratios.end());
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
    auto row = [](const char* name, const Distribution& d) {
        std::printf("| %s | %s | %s | %s | %s | %s |\n", name, ms(d.p50).c_str(), ms(d.p90).c_str(),
                    ms(d.p99).c_str(), ms(d.mean).c_str(), ms(d.min).c_str());
    };
    row("`/bin/true` direct", l.direct);
    row("bro content mode", l.bro);
    row("bro-client alone (no server, connect fails)", l.client_only);
    std::printf(
        "| **ratio bro/direct** | **%sx** (blocks %sx-%sx) | %sx | %sx | %sx | %sx |\n",
        fixed(l.ratio, 2).c_str(), fixed(l.ratio_min, 2).c_str(), fixed(l.ratio_max, 2).c_str(),
        fixed(l.bro.p90 / l.direct.p90, 2).c_str(), fixed(l.bro.p99 / l.direct.p99, 2).c_str(),
        fixed(l.bro.mean / l.direct.mean, 2).c_str(), fixed(l.bro.min / l.direct.min, 2).c_str());
}

void print_throughput(const ThroughputResult& t) {
    std::printf(
        "\nThroughput, %s MiB producer (%zu KiB writes) -> cat -> %s (%zu interleaved pairs, "
        "GB/s)\n\n",
        fixed(static_cast<double>(t.bytes) / (1 << 20), 0).c_str(), t.chunk >> 10,
        t.sink == Sink::kPipe ? "pipe read by a thread" : "/dev/null", t.direct_gbps.size());
    std::printf("| run | median | min | max |\n|---|---|---|---|\n");
    std::printf("%s", gbps_row("`cat` direct", t.direct_median, t.direct_gbps).c_str());
    std::printf("%s", gbps_row("bro content mode", t.bro_median, t.bro_gbps).c_str());
    std::printf("| **ratio bro/direct** | **%sx** (pairs %sx-%sx) | | |\n",
                fixed(t.ratio, 2).c_str(), fixed(t.ratio_min, 2).c_str(),
                fixed(t.ratio_max, 2).c_str());
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
    j << "  \"mode\": \"content\",\n";
    j << "  \"pinned_cpu\": " << pinned_cpu << ",\n";
    if (latency) {
        const LatencyResult& l = *latency;
        j << "  \"latency\": {\n    \"rounds\": " << l.rounds << ",\n";
        j << "    \"direct\": " << json_distribution(l.direct) << ",\n";
        j << "    \"bro\": " << json_distribution(l.bro) << ",\n";
        j << "    \"client_only\": " << json_distribution(l.client_only) << ",\n";
        j << "    \"ratio_p50\": " << fixed(l.ratio, 3) << ",\n";
        j << "    \"ratio_block_min\": " << fixed(l.ratio_min, 3) << ",\n";
        j << "    \"ratio_block_max\": " << fixed(l.ratio_max, 3) << ",\n";
        j << "    \"block_ratios\": " << json_array(l.block_ratios, 3) << "\n  },\n";
    }
    j << "  \"throughput\": [";
    for (std::size_t i = 0; i < throughputs.size(); ++i) {
        const auto& t = throughputs[i];
        j << (i ? ",\n" : "\n");
        j << "    {\n      \"sink\": \"" << sink_name(t.sink) << "\",\n";
        j << "      \"bytes\": " << t.bytes << ",\n";
        j << "      \"producer_write_bytes\": " << t.chunk << ",\n";
        j << "      \"direct_gbps\": " << json_array(t.direct_gbps, 3) << ",\n";
        j << "      \"bro_gbps\": " << json_array(t.bro_gbps, 3) << ",\n";
        j << "      \"direct_median_gbps\": " << fixed(t.direct_median, 3) << ",\n";
        j << "      \"bro_median_gbps\": " << fixed(t.bro_median, 3) << ",\n";
        j << "      \"ratio\": " << fixed(t.ratio, 3) << ",\n";
        j << "      \"ratio_pair_min\": " << fixed(t.ratio_min, 3) << ",\n";
        j << "      \"ratio_pair_max\": " << fixed(t.ratio_max, 3) << ",\n";
        j << "      \"pair_ratios\": " << json_array(t.pair_ratios, 3) << "\n    }";
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
        const Server true_server(options.server, "/bin/true", dir.path() + "/true.sock");
        const Server cat_server(options.server, "/bin/cat", dir.path() + "/cat.sock");

        std::optional<LatencyResult> latency;
        if (!options.skip_latency) {
            std::fprintf(stderr, "latency: %zu warm-up + %zu interleaved rounds...\n",
                         options.warmup, options.rounds);
            latency = measure_latency(options, true_server);
        }
        std::fprintf(stderr, "throughput: %llu bytes x %zu interleaved pairs per sink...\n",
                     static_cast<unsigned long long>(options.bytes), options.repeats);
        std::vector<ThroughputResult> throughputs;
        for (Sink sink : options.sinks) {
            for (std::size_t chunk : options.chunks) {
                throughputs.push_back(measure_throughput(options, cat_server, sink, chunk));
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
