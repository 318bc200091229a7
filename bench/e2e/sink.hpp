#pragma once
// Where a throughput pipeline's output goes.

namespace bro::e2e {

// A pipe read (and discarded) by a thread of ours, or /dev/null opened as the child's stdout
// (DESIGN §5's `head | cat >/dev/null`).
enum class Sink { kPipe, kNull };

inline const char* sink_name(Sink sink) {
    return sink == Sink::kPipe ? "pipe" : "null";
}

}  // namespace bro::e2e
