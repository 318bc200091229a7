#pragma once
// A client connection to a UNIX stream socket, as the servers' callers make one.

#include <string>

namespace bro::e2e {

// A connected socket (close-on-exec), or -1 with errno set; the caller closes it.
int connect_unix_socket(const std::string& socket_path);

}  // namespace bro::e2e
