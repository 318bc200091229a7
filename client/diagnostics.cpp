#include "client/diagnostics.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace bro::client {

const char* errno_name(int number) {
    // EAGAIN == EWOULDBLOCK and ENOTSUP == EOPNOTSUPP on Linux, so each appears once.
#define BRO_ERRNO_NAME(name) \
    case name:               \
        return #name;
    switch (number) {
        BRO_ERRNO_NAME(EPERM)
        BRO_ERRNO_NAME(ENOENT)
        BRO_ERRNO_NAME(ESRCH)
        BRO_ERRNO_NAME(EINTR)
        BRO_ERRNO_NAME(EIO)
        BRO_ERRNO_NAME(ENXIO)
        BRO_ERRNO_NAME(E2BIG)
        BRO_ERRNO_NAME(ENOEXEC)
        BRO_ERRNO_NAME(EBADF)
        BRO_ERRNO_NAME(ECHILD)
        BRO_ERRNO_NAME(EAGAIN)
        BRO_ERRNO_NAME(ENOMEM)
        BRO_ERRNO_NAME(EACCES)
        BRO_ERRNO_NAME(EFAULT)
        BRO_ERRNO_NAME(EBUSY)
        BRO_ERRNO_NAME(EEXIST)
        BRO_ERRNO_NAME(EXDEV)
        BRO_ERRNO_NAME(ENODEV)
        BRO_ERRNO_NAME(ENOTDIR)
        BRO_ERRNO_NAME(EISDIR)
        BRO_ERRNO_NAME(EINVAL)
        BRO_ERRNO_NAME(ENFILE)
        BRO_ERRNO_NAME(EMFILE)
        BRO_ERRNO_NAME(ENOTTY)
        BRO_ERRNO_NAME(ETXTBSY)
        BRO_ERRNO_NAME(EFBIG)
        BRO_ERRNO_NAME(ENOSPC)
        BRO_ERRNO_NAME(ESPIPE)
        BRO_ERRNO_NAME(EROFS)
        BRO_ERRNO_NAME(EMLINK)
        BRO_ERRNO_NAME(EPIPE)
        BRO_ERRNO_NAME(ERANGE)
        BRO_ERRNO_NAME(EDEADLK)
        BRO_ERRNO_NAME(ENAMETOOLONG)
        BRO_ERRNO_NAME(ENOSYS)
        BRO_ERRNO_NAME(ENOTEMPTY)
        BRO_ERRNO_NAME(ELOOP)
        BRO_ERRNO_NAME(EOVERFLOW)
        BRO_ERRNO_NAME(ENOTSOCK)
        BRO_ERRNO_NAME(EMSGSIZE)
        BRO_ERRNO_NAME(EPROTOTYPE)
        BRO_ERRNO_NAME(EPROTONOSUPPORT)
        BRO_ERRNO_NAME(EOPNOTSUPP)
        BRO_ERRNO_NAME(EAFNOSUPPORT)
        BRO_ERRNO_NAME(EADDRINUSE)
        BRO_ERRNO_NAME(EADDRNOTAVAIL)
        BRO_ERRNO_NAME(ENETDOWN)
        BRO_ERRNO_NAME(ENETUNREACH)
        BRO_ERRNO_NAME(ECONNABORTED)
        BRO_ERRNO_NAME(ECONNRESET)
        BRO_ERRNO_NAME(ENOBUFS)
        BRO_ERRNO_NAME(EISCONN)
        BRO_ERRNO_NAME(ENOTCONN)
        BRO_ERRNO_NAME(ETIMEDOUT)
        BRO_ERRNO_NAME(ECONNREFUSED)
        BRO_ERRNO_NAME(EHOSTUNREACH)
        BRO_ERRNO_NAME(EALREADY)
        BRO_ERRNO_NAME(EINPROGRESS)
        BRO_ERRNO_NAME(EDQUOT)
        BRO_ERRNO_NAME(ECANCELED)
        default:
            return nullptr;
    }
#undef BRO_ERRNO_NAME
}

void LogLine::append(std::string_view text) {
    const std::size_t room = text_.size() - size_;
    const std::size_t count = std::min(room, text.size());
    if (count == 0) return;  // an empty view may carry a null pointer, which memcpy must not get
    std::memcpy(text_.data() + size_, text.data(), count);
    size_ += count;
}

void LogLine::append(SystemError error) {
    append(std::string_view(std::strerror(error.number)));
    append(std::string_view(" ("));
    if (const char* name = errno_name(error.number)) {
        append(std::string_view(name));
    } else {
        append(std::string_view("errno "));
        append_signed(error.number);
    }
    append(std::string_view(")"));
}

void LogLine::append(Octal number) {
    std::array<char, 24> digits;
    std::size_t start = digits.size();
    do {
        digits[--start] = static_cast<char>('0' + number.value % 8);
        number.value /= 8;
    } while (number.value != 0);
    digits[--start] = '0';
    append(std::string_view(digits.data() + start, digits.size() - start));
}

void LogLine::append_signed(long long value) {
    if (value < 0) {
        append(std::string_view("-"));
        append_unsigned(0ULL - static_cast<unsigned long long>(value));
    } else {
        append_unsigned(static_cast<unsigned long long>(value));
    }
}

void LogLine::append_unsigned(unsigned long long value) {
    std::array<char, 20> digits;
    std::size_t start = digits.size();
    do {
        digits[--start] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    append(std::string_view(digits.data() + start, digits.size() - start));
}

void LogLine::append_list(std::span<const std::string_view> items) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i != 0) append(std::string_view(","));
        append(items[i]);
    }
}

void LogLine::write_to(int fd, bool carriage_return) {
    // The line end always fits: the last bytes of the buffer are given up for it if needed.
    const std::size_t end_bytes = carriage_return ? 2 : 1;
    size_ = std::min(size_, text_.size() - end_bytes);
    if (carriage_return) text_[size_++] = '\r';
    text_[size_++] = '\n';
    std::size_t written = 0;
    while (written < size_) {
        const ssize_t n = ::write(fd, text_.data() + written, size_ - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        written += static_cast<std::size_t>(n);
    }
}

}  // namespace bro::client
