// The program the session fuzzer's server runs. It looks only at how many arguments it got,
// never at what they say, so no fuzz input can make it open a file, and it ends as soon as its
// stdin does. The count picks one of the ways a program ends, so the session's paths for each
// are reached:
//   0, 4, 8 ... arguments: copies stdin to stdout, exits 0
//   1, 5, ...            : exits 3 at once, without reading stdin (the server's writes fail)
//   2, 6, ...            : copies stdin to stderr, exits 0
//   3, 7, ...            : kills itself with SIGTERM (a status by signal)
// Built static and without sanitizers so each run costs little more than exec.

#include <signal.h>
#include <unistd.h>

namespace {

int copy_stdin_to(int fd) {
    char buffer[16384];
    for (;;) {
        const ssize_t got = read(0, buffer, sizeof buffer);
        if (got <= 0) return 0;
        for (ssize_t sent = 0; sent < got;) {
            const ssize_t n = write(fd, buffer + sent, static_cast<size_t>(got - sent));
            if (n <= 0) return 1;
            sent += n;
        }
    }
}

}  // namespace

int main(int argc, char**) {
    switch ((argc - 1) % 4) {
        case 0:
            return copy_stdin_to(1);
        case 1:
            return 3;
        case 2:
            return copy_stdin_to(2);
        default:
            kill(getpid(), SIGTERM);
            return 1;
    }
}
