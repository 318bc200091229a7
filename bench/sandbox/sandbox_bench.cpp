// bro_sandbox_bench: what an execution profile costs a call. `true` runs, one call at a time,
// in every arm of one round, the arms' order rotating from round to round so machine noise
// hits them alike:
//   direct         /bin/true
//   bro            bro-client -> bro-server without a profile
//   prepared       the same server with --unshare-all --ro-bind / / --proc /proc --dev /dev,
//                  built once (each call joins the holder's namespaces)
//   no-user        the same without the user namespace (a root server needs none)
//   no-user-pid    the same without the pid namespace either: no-user minus this is what the
//                  pid namespace costs a call
//   fresh          the same profile with --fresh-sandbox (built for every call)
//   bwrap          bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev /bin/true
// each bro arm in the transfer mode --mode names (fd or content). The report gives each arm's
// median and p10-p90 and the ratios of medians, over the whole run and within each of
// --blocks consecutive blocks of rounds (their min-max is the spread), and the load average
// before and after: on a shared machine, read the spread before the ratio.
//
// Usage: bro_sandbox_bench --server PATH --client PATH [--rounds N] [--warmup N] [--blocks N]
//                          [--mode fd|content] [--bwrap PATH]
// Plain C++ and posix_spawn, like bro_e2e_bench, whose process helpers it shares.

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench/e2e/clock.hpp"
#include "bench/e2e/failure.hpp"
#include "bench/e2e/machine_description.hpp"
#include "bench/e2e/server_process.hpp"
#include "bench/e2e/spawn.hpp"
#include "bench/e2e/statistics.hpp"
#include "bench/e2e/temp_dir.hpp"

namespace bro::e2e {
namespace {

struct Options {
    std::string server;
    std::string client;
    std::string bwrap = "/usr/bin/bwrap";
    std::string mode = "fd";
    std::size_t rounds = 500;
    std::size_t warmup = 20;
    std::size_t blocks = 5;
};

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const std::string value = argv[i + 1];
        if (flag == "--server") {
            options.server = value;
        } else if (flag == "--client") {
            options.client = value;
        } else if (flag == "--bwrap") {
            options.bwrap = value;
        } else if (flag == "--mode") {
            options.mode = value;
        } else if (flag == "--rounds") {
            options.rounds = std::stoul(value);
        } else if (flag == "--warmup") {
            options.warmup = std::stoul(value);
        } else if (flag == "--blocks") {
            options.blocks = std::stoul(value);
        } else {
            fail("unknown option " + flag);
        }
    }
    if (options.server.empty() || options.client.empty()) {
        fail(
            "usage: bro_sandbox_bench --server PATH --client PATH [--rounds N] [--warmup N] "
            "[--blocks N] [--mode fd|content] [--bwrap PATH]");
    }
    if (options.mode != "fd" && options.mode != "content") fail("--mode: fd or content");
    return options;
}

// The bwrap options every sandboxed arm has, as bro-server profile flags and bwrap flags alike,
// and the namespaces of the arms that leave the user (and pid) namespace out.
const std::vector<std::string> kSandbox = {"--unshare-all", "--ro-bind", "/",     "/",
                                           "--proc",        "/proc",     "--dev", "/dev"};
const std::vector<std::string> kNamespacesButUser = {
    "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup"};

// kSandbox with `namespaces` in place of --unshare-all, leaving out `left_out`.
std::vector<std::string> sandbox_with(const std::vector<std::string>& namespaces,
                                      const std::string& left_out = "") {
    std::vector<std::string> flags;
    for (const auto& flag : namespaces) {
        if (flag != left_out) flags.push_back(flag);
    }
    flags.insert(flags.end(), kSandbox.begin() + 1, kSandbox.end());
    return flags;
}

enum class Arm { kDirect, kBro, kPrepared, kWithoutUser, kWithoutUserOrPid, kFresh, kBwrap };
constexpr std::array<const char*, 7> kArmNames = {"direct",      "bro",   "prepared", "no-user",
                                                  "no-user-pid", "fresh", "bwrap"};
constexpr std::size_t kArms = kArmNames.size();

struct Setup {
    std::vector<std::unique_ptr<ServerProcess>> servers;  // by arm; null for direct and bwrap
    std::vector<std::unique_ptr<Argv>> argv;
    std::vector<std::unique_ptr<Environment>> environment;
};

std::unique_ptr<ServerProcess> sandboxed_server(const Options& options, const TempDir& dir,
                                                const std::string& name,
                                                const std::vector<std::string>& profile,
                                                bool fresh) {
    const std::string socket = dir.path() + "/" + name + ".sock";
    std::vector<std::string> args = {
        options.server, "--executable", "/bin/true", "--socket-path", socket, "--transfer-modes",
        options.mode,   "--tmpdir",     dir.path(),  "--log-level",   "warn"};
    args.insert(args.end(), profile.begin(), profile.end());
    if (fresh) args.push_back("--fresh-sandbox");
    return std::make_unique<ServerProcess>(args, socket);
}

Setup set_up(const Options& options, const TempDir& dir) {
    Setup setup;
    setup.servers.resize(kArms);
    setup.servers[static_cast<std::size_t>(Arm::kBro)] =
        sandboxed_server(options, dir, "plain", {}, false);
    setup.servers[static_cast<std::size_t>(Arm::kPrepared)] =
        sandboxed_server(options, dir, "prepared", kSandbox, false);
    setup.servers[static_cast<std::size_t>(Arm::kWithoutUser)] =
        sandboxed_server(options, dir, "no-user", sandbox_with(kNamespacesButUser), false);
    setup.servers[static_cast<std::size_t>(Arm::kWithoutUserOrPid)] = sandboxed_server(
        options, dir, "no-user-pid", sandbox_with(kNamespacesButUser, "--unshare-pid"), false);
    setup.servers[static_cast<std::size_t>(Arm::kFresh)] =
        sandboxed_server(options, dir, "fresh", kSandbox, true);
    for (std::size_t arm = 0; arm < kArms; ++arm) {
        std::vector<std::string> args = {"/bin/true"};
        std::vector<std::string> extra;
        if (arm == static_cast<std::size_t>(Arm::kBwrap)) {
            args = {options.bwrap};
            args.insert(args.end(), kSandbox.begin(), kSandbox.end());
            args.push_back("/bin/true");
        } else if (setup.servers[arm]) {
            args = {options.client};
            extra = {"BRO_SOCKET_PATH=" + setup.servers[arm]->socket_path(),
                     "BRO_TRANSFER_MODE=" + options.mode};
        }
        setup.argv.push_back(std::make_unique<Argv>(args));
        setup.environment.push_back(std::make_unique<Environment>(extra, Inherit::kNothing));
    }
    return setup;
}

double run_once(const Setup& setup, std::size_t arm) {
    const double start = now_seconds();
    const pid_t pid = spawn(*setup.argv[arm], *setup.environment[arm], {});
    expect_success(wait_for(pid), kArmNames[arm]);
    return (now_seconds() - start) * 1e3;
}

std::string load_average() {
    std::ifstream file("/proc/loadavg");
    std::string one, five, fifteen;
    file >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

void print_ratio(const char* label, const std::vector<double>& a, const std::vector<double>& b,
                 std::size_t blocks, const char* target) {
    const Spread spread = block_spread(a, b, blocks, ratio_of);
    std::printf("| %s | %.2fx | %.2f-%.2fx | %s |\n", label, spread.value, spread.min, spread.max,
                target);
}

}  // namespace
}  // namespace bro::e2e

int main(int argc, char** argv) {
    using namespace bro::e2e;
    try {
        const Options options = parse_options(argc, argv);
        const TempDir dir;
        const Setup setup = set_up(options, dir);
        const std::string load_before = load_average();
        std::vector<std::vector<double>> times(kArms);
        for (std::size_t round = 0; round < options.warmup + options.rounds; ++round) {
            for (std::size_t step = 0; step < kArms; ++step) {
                const std::size_t arm = (round + step) % kArms;
                const double ms = run_once(setup, arm);
                if (round >= options.warmup) times[arm].push_back(ms);
            }
        }
        std::printf(
            "# bro_sandbox_bench: `true` under an execution profile\n\n%s; %zu rounds "
            "(+%zu warm-up), bro in %s mode; load average %s before, %s after\n\n",
            machine_description().c_str(), options.rounds, options.warmup, options.mode.c_str(),
            load_before.c_str(), load_average().c_str());
        std::printf("| arm | median ms | p10-p90 ms |\n|---|---|---|\n");
        for (std::size_t arm = 0; arm < kArms; ++arm) {
            std::printf("| %s | %.3f | %.3f-%.3f |\n", kArmNames[arm], median(times[arm]),
                        percentile(times[arm], 10), percentile(times[arm], 90));
        }
        const auto& t = times;
        const auto at = [](Arm arm) { return static_cast<std::size_t>(arm); };
        std::printf(
            "\n| ratio of medians | whole run | spread over %zu blocks | target |\n"
            "|---|---|---|---|\n",
            options.blocks);
        print_ratio("prepared / bro", t[at(Arm::kPrepared)], t[at(Arm::kBro)], options.blocks,
                    "<= 1.3x");
        print_ratio("prepared / bwrap", t[at(Arm::kPrepared)], t[at(Arm::kBwrap)], options.blocks,
                    "< 0.5x");
        print_ratio("fresh / bwrap", t[at(Arm::kFresh)], t[at(Arm::kBwrap)], options.blocks,
                    "<= 1.0x");
        print_ratio("bro / direct", t[at(Arm::kBro)], t[at(Arm::kDirect)], options.blocks, "-");
        print_ratio("bwrap / direct", t[at(Arm::kBwrap)], t[at(Arm::kDirect)], options.blocks, "-");
        const Spread pid = block_spread(t[at(Arm::kWithoutUser)], t[at(Arm::kWithoutUserOrPid)],
                                        options.blocks, difference_of);
        std::printf(
            "\nthe pid namespace's cost per call: no-user - no-user-pid = %.3f ms "
            "(%.3f to %.3f over the blocks)\n",
            pid.value, pid.min, pid.max);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bro_sandbox_bench: %s\n", e.what());
        return 1;
    }
}
