#pragma once
// The two kinds of wrapper the latency arms execute instead of bro-client itself.

#include <string>
#include <vector>

namespace bro::e2e {

// The seed's wrapper script, as the original bro documents it: `#!/bin/bash`, an `export`
// line per setting, `exec CLIENT "$@"`.
std::string wrapper_script(const std::vector<std::string>& settings, const std::string& client);

// A wrapper file (client/wrapper_file.hpp): `#!CLIENT` and a line per setting; the kernel runs
// `client FILE`, no shell.
std::string wrapper_file(const std::vector<std::string>& settings, const std::string& client);

// bro-client's absolute path: a #! line is not resolved against PATH, and a relative one would
// depend on the cwd. Linux reads at most 256 bytes of the #! line.
std::string absolute_client(const std::string& client);

}  // namespace bro::e2e
