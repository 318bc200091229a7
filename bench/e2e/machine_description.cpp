#include "bench/e2e/machine_description.hpp"

#include <sys/utsname.h>

#include <fstream>
#include <thread>

namespace bro::e2e {

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

}  // namespace bro::e2e
