#include "server/log_setup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>

namespace bro::server {
namespace {

// sd-daemon(3)'s prefixes: <7> debug, <6> info, <4> warning, <3> error, <2> critical.
class JournalPriority final : public spdlog::custom_flag_formatter {
  public:
    void format(const spdlog::details::log_msg& message, const std::tm&,
                spdlog::memory_buf_t& out) override {
        // Indexed by spdlog's levels: trace, debug, info, warn, err, critical, off.
        static constexpr const char* kPrefixes[] = {"<7>", "<7>", "<6>", "<4>",
                                                    "<3>", "<2>", "<6>"};
        const auto level = static_cast<std::size_t>(message.level);
        const char* prefix = kPrefixes[level < std::size(kPrefixes) ? level : 2];
        out.append(prefix, prefix + 3);
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<JournalPriority>();
    }
};

}  // namespace

bool stderr_is_the_journal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) return false;
    unsigned long long device = 0, inode = 0;
    if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
    struct stat st {};
    return fstat(STDERR_FILENO, &st) == 0 && st.st_dev == device && st.st_ino == inode;
}

void configure_logging(const std::string& level) {
    auto logger = spdlog::stderr_color_mt("bro-server");
    if (stderr_is_the_journal()) {
        auto formatter = std::make_unique<spdlog::pattern_formatter>();
        formatter->add_flag<JournalPriority>('*').set_pattern("%*%v");
        logger->set_formatter(std::move(formatter));
    } else {
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e bro-server[%P] %l: %v");
    }
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
}

}  // namespace bro::server
