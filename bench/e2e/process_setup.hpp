#pragma once
// What the bench sets on itself before it starts anything: every thread, server, client and
// child it starts inherits it.

namespace bro::e2e {

// Runs this process on one CPU (--pin). Call it before any thread or child exists: all of
// them inherit the mask.
void pin_to_cpu(int cpu);

// bro-server keeps a few descriptors per session (socket, pidfd, and in fd mode the caller's
// three). At a few hundred concurrent callers a soft limit of 1024 would make its accepts fail
// with EMFILE, measuring the limit instead of bro; the servers inherit ours, raised to the
// hard limit here. Best effort: the bench still runs without it.
void raise_descriptor_limit();

}  // namespace bro::e2e
