#include "bench/e2e/pipeline.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "bench/e2e/clock.hpp"
#include "bench/e2e/failure.hpp"
#include "bench/e2e/process_usage.hpp"

namespace bro::e2e {

PipelineRun time_pipeline(const Argv& argv, const Environment& env, std::uint64_t bytes, Sink sink,
                          std::size_t chunk) {
    int in[2], out[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) != 0) fail(errno_text("pipe2"));
    if (sink == Sink::kPipe && pipe2(out, O_CLOEXEC) != 0) fail(errno_text("pipe2"));
    const double start = now_seconds();
    const pid_t pid = spawn(argv, env, {in[0], out[1]});
    close(in[0]);
    if (out[1] >= 0) close(out[1]);

    double producer_cpu = 0, reader_cpu = 0;
    std::thread producer([fd = in[1], bytes, chunk, &producer_cpu] {
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
        producer_cpu = thread_cpu_seconds();
    });
    std::uint64_t received = sink == Sink::kPipe ? 0 : bytes;  // /dev/null cannot be counted
    std::thread reader([fd = out[0], &received, &reader_cpu] {
        if (fd < 0) return;
        std::vector<char> buffer(128 << 10);
        for (;;) {
            const ssize_t n = read(fd, buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            received += static_cast<std::uint64_t>(n);
        }
        close(fd);
        reader_cpu = thread_cpu_seconds();
    });
    producer.join();
    reader.join();
    PipelineRun run;
    const int status = wait_for(pid, &run.cpu_seconds);
    run.seconds = now_seconds() - start;
    run.cpu_seconds += producer_cpu + reader_cpu;
    expect_success(status, argv.program());
    if (received != bytes) {
        fail(std::string(argv.program()) + " passed " + std::to_string(received) + " of " +
             std::to_string(bytes) + " bytes");
    }
    return run;
}

}  // namespace bro::e2e
