// The program the session fuzzer's server runs: copies stdin to stdout and exits 0. It ignores
// its arguments, so no fuzz input can make it open a file, and it ends as soon as its stdin
// does. Built static and without sanitizers so each run costs little more than exec.

#include <unistd.h>

int main() {
    char buffer[16384];
    for (;;) {
        const ssize_t got = read(0, buffer, sizeof buffer);
        if (got <= 0) return 0;
        for (ssize_t sent = 0; sent < got;) {
            const ssize_t n = write(1, buffer + sent, static_cast<size_t>(got - sent));
            if (n <= 0) return 1;
            sent += n;
        }
    }
}
