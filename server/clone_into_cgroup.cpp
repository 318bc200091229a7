#include "server/clone_into_cgroup.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>

#include <cstdint>

#include <cerrno>

// The child starts on the new stack with every register as the parent had it (but the return
// value): the function and its argument travel in registers the syscall instruction preserves,
// and nothing of the parent's stack frame is touched in the child.
#if defined(__x86_64__)
extern "C" long bro_clone3_entry(clone_args* args, unsigned long size, int (*function)(void*),
                                 void* argument);
asm(R"(
    .text
    .globl bro_clone3_entry
    .type bro_clone3_entry, @function
bro_clone3_entry:
    push %r12               # callee-saved: kept for the caller, restored below
    push %r13
    mov %rdx, %r12          # the function and its argument, in registers the syscall keeps
    mov %rcx, %r13
    mov $435, %eax          # __NR_clone3
    syscall
    test %rax, %rax
    jnz 1f
    xor %ebp, %ebp          # the child: no frame above this one
    mov %r13, %rdi
    call *%r12
    mov %eax, %edi
    mov $60, %eax           # __NR_exit
    syscall
    hlt
1:  pop %r13
    pop %r12
    ret
    .size bro_clone3_entry, .-bro_clone3_entry
)");
#elif defined(__aarch64__)
extern "C" long bro_clone3_entry(clone_args* args, unsigned long size, int (*function)(void*),
                                 void* argument);
asm(R"(
    .text
    .globl bro_clone3_entry
    .type bro_clone3_entry, %function
bro_clone3_entry:
    mov x9, x2              // the function and its argument, in registers svc preserves
    mov x10, x3
    mov x8, #435            // __NR_clone3
    svc #0
    cbnz x0, 1f
    mov x29, #0             // the child: no frame above this one
    mov x0, x10
    blr x9
    mov x8, #93             // __NR_exit
    svc #0
    brk #0
1:  ret
    .size bro_clone3_entry, .-bro_clone3_entry
)");
#endif

namespace bro::server {

bool clone3_available() {
#if defined(__x86_64__) || defined(__aarch64__)
    return true;
#else
    return false;
#endif
}

pid_t clone3_run(clone_args* args, int (*function)(void*), void* argument) {
#if defined(__x86_64__) || defined(__aarch64__)
    return static_cast<pid_t>(bro_clone3_entry(args, sizeof *args, function, argument));
#else
    (void)args;
    (void)function;
    (void)argument;
    return -ENOSYS;
#endif
}

pid_t clone_vfork_child(std::span<unsigned char> stack, int cgroup_fd, int (*function)(void*),
                        void* argument, int& pidfd) {
    constexpr unsigned long kFlags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD;
    const std::size_t usable = stack.size() & ~std::size_t{15};
    if (cgroup_fd >= 0) {
        clone_args args{};
        args.flags = kFlags | CLONE_INTO_CGROUP;
        args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
        args.exit_signal = SIGCHLD;
        args.stack = reinterpret_cast<std::uint64_t>(stack.data());
        args.stack_size = usable;
        args.cgroup = static_cast<std::uint64_t>(cgroup_fd);
        return clone3_run(&args, function, argument);
    }
    // The stack grows down on every architecture we build for: pass its top, 16-byte aligned.
    const pid_t pid = clone(function, stack.data() + usable, kFlags | SIGCHLD, argument, &pidfd);
    return pid < 0 ? -errno : pid;
}

}  // namespace bro::server
