#include "client/client_config.hpp"

#include "core/name_list.hpp"

namespace bro::client {

ClientConfig read_client_config(const Environment& environment) {
    ClientConfig config;
    config.socket_path = environment.value_or_empty("BRO_SOCKET_PATH");
    config.forward_environment = split_name_list(environment.value_or_empty("BRO_FORWARD_ENV"));
    config.file_arguments.flags = split_name_list(environment.value_or_empty("BRO_FILE_FLAGS"));
    config.file_arguments.positional_paths = !environment.value_or_empty("BRO_FILE_ARGS").empty();
    config.capture_tty_stdin = !environment.value_or_empty("BRO_CAPTURE_TTY_STDIN").empty();
    config.debug_log = environment.value_or_empty("BRO_LOG") == "debug";
    return config;
}

}  // namespace bro::client
