// The few symbols of libstdc++'s library that the client's headers reach, for the musl build,
// which links no libstdc++ (it is built for glibc): allocation on malloc, and the hooks that
// would throw abort instead, since the client is built with -fno-exceptions. Each says why on
// stderr first, so a failure is never silent.

#include <unistd.h>

#include <bits/allocator.h>
#include <bits/functexcept.h>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

namespace {

[[noreturn]] void die(const char* what) {
    constexpr char kPrefix[] = "bro-client: internal error: ";
    (void)!::write(2, kPrefix, sizeof kPrefix - 1);
    (void)!::write(2, what, std::strlen(what));
    (void)!::write(2, "\n", 1);
    std::abort();
}

}  // namespace

void* operator new(std::size_t size) {
    if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
    die("out of memory");
}
void* operator new[](std::size_t size) {
    return ::operator new(size);
}
void operator delete(void* memory) noexcept {
    std::free(memory);
}
void operator delete(void* memory, std::size_t) noexcept {
    std::free(memory);
}
void operator delete[](void* memory) noexcept {
    std::free(memory);
}
void operator delete[](void* memory, std::size_t) noexcept {
    std::free(memory);
}

namespace std {

void __throw_bad_alloc() {
    die("out of memory");
}
void __throw_bad_array_new_length() {
    die("bad array length");
}
void __throw_length_error(const char* what) {
    die(what);
}
void __throw_logic_error(const char* what) {
    die(what);
}
void __throw_out_of_range(const char* what) {
    die(what);
}
void __throw_out_of_range_fmt(const char* format, ...) {
    die(format);
}
void __throw_invalid_argument(const char* what) {
    die(what);
}

}  // namespace std

// libstdc++'s headers leave std::allocator<char>'s members to its library (extern template)
// and inline them only when optimising: an unoptimised (Debug) client's std::vector<char>
// (wrapper_file.cpp) needs them from here. Release builds do not carry them.
#ifndef __OPTIMIZE__
template class std::allocator<char>;
#endif
