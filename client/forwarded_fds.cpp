#include "client/forwarded_fds.hpp"

#include <fcntl.h>

#include <algorithm>

#include "client/client_config.hpp"
#include "core/limits.hpp"
#include "core/name_list.hpp"

namespace bro::client {

std::optional<std::vector<std::uint32_t>> read_forwarded_fds(std::string_view list,
                                                             const Diagnostics& diagnostics) {
    const ProtocolLimits limits;
    const auto items = split_name_list(list);
    if (items.size() > limits.max_forwarded_fds) {
        diagnostics.error("BRO_FORWARD_FDS names ", items.size(), " fds, but at most ",
                          limits.max_forwarded_fds, " can be forwarded");
        return std::nullopt;
    }
    std::vector<std::uint32_t> fds;
    fds.reserve(items.size());
    for (const auto item : items) {
        const auto fd = parse_setting_number(item, limits.max_forwarded_fd_number);
        if (!fd || *fd < 3) {
            diagnostics.error("BRO_FORWARD_FDS: \"", item, "\" is not an fd number from 3 to ",
                              limits.max_forwarded_fd_number,
                              " (stdin, stdout and stderr are always passed; list only extra "
                              "fds, separated by commas)");
            return std::nullopt;
        }
        if (std::find(fds.begin(), fds.end(), *fd) != fds.end()) {
            diagnostics.error("BRO_FORWARD_FDS names fd ", *fd, " twice");
            return std::nullopt;
        }
        if (::fcntl(static_cast<int>(*fd), F_GETFD) < 0) {
            diagnostics.error("BRO_FORWARD_FDS names fd ", *fd, ", which is not open");
            return std::nullopt;
        }
        fds.push_back(*fd);
    }
    return fds;
}

}  // namespace bro::client
