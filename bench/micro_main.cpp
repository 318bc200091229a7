// main() of bro_micro_bench: Google Benchmark's, plus SIGPIPE ignored so a relay benchmark that
// fails half-way reports an error instead of killing the whole run.

#include <benchmark/benchmark.h>
#include <signal.h>

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
