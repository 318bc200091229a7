#pragma once
// Where bro-server's log goes and how each line looks: stderr, with its own timestamps, or,
// when stderr is the systemd journal (JOURNAL_STREAM names stderr's device and inode), with
// the journal's "<N>" priority prefixes and no timestamp of its own (the journal keeps one),
// so `journalctl -p warning` finds the warnings.

#include <string>

namespace bro::server {

// True when JOURNAL_STREAM ("DEVICE:INODE") is the file stderr is open on.
bool stderr_is_the_journal();

void configure_logging(const std::string& level);

}  // namespace bro::server
