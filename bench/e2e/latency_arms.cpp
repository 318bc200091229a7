#include "bench/e2e/latency_arms.hpp"

#include "bench/e2e/failure.hpp"
#include "bench/e2e/server_process.hpp"
#include "bench/e2e/wrapper_files.hpp"

namespace bro::e2e {
namespace {

Invocation make_invocation(const LatencyArm& arm, const Endpoints& e, TempDir& dir) {
    const auto settings = route_settings(arm.route, e);
    switch (arm.via) {
        case Via::kExec:
            return {Argv({"/bin/true"}), Environment({}), arm.expected_exit};
        case Via::kEnv:
            return {Argv({e.client}), Environment(settings), arm.expected_exit};
        case Via::kScript:
            return {Argv({dir.add_executable(arm.key, wrapper_script(settings, e.client))}),
                    Environment({}), arm.expected_exit};
        case Via::kWrapperFile:
            // The file's settings override the environment anyway: start from nothing.
            return {Argv({dir.add_executable(arm.key, wrapper_file(settings, e.client))}),
                    Environment({}, Inherit::kNothing), arm.expected_exit};
        case Via::kS6Sudo:
            return {Argv({kS6Sudo, e.s6_socket}), Environment({}), arm.expected_exit};
    }
    fail("unknown way to invoke");
}

}  // namespace

std::vector<Invocation> make_latency_invocations(const Endpoints& e, TempDir& dir) {
    std::vector<Invocation> invocations;
    for (const LatencyArm& arm : kLatencyArms) invocations.push_back(make_invocation(arm, e, dir));
    return invocations;
}

}  // namespace bro::e2e
