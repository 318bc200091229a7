#include "server/descriptor_budget.hpp"

namespace bro::server {

bool DescriptorBudget::fits(std::size_t count) const {
    if (limit_ == static_cast<std::size_t>(-1)) return true;
    return limit_ >= reserved_ && in_use_ + count <= limit_ - reserved_;
}

std::string DescriptorBudget::busy_reason() const {
    return "the server is busy: it is short of descriptors (" + std::to_string(in_use_) +
           " of the " + std::to_string(limit_) +
           " its RLIMIT_NOFILE allows are taken by other calls); try again later, or raise its "
           "limit (LimitNOFILE= in a systemd unit)";
}

}  // namespace bro::server
