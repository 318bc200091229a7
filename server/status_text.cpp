#include "server/status_text.hpp"

#include <cstring>
#include <type_traits>

namespace bro::server {

std::string status_text(const ExitStatus& status, std::string_view detail) {
    std::string text;
    describe_status(status, detail, [&](const auto& piece) {
        using Piece = std::decay_t<decltype(piece)>;
        if constexpr (std::is_same_v<Piece, ErrorNumber>) {
            text += std::strerror(piece.value);
        } else if constexpr (std::is_same_v<Piece, int>) {
            text += std::to_string(piece);
        } else {
            text += piece;
        }
    });
    return text;
}

}  // namespace bro::server
