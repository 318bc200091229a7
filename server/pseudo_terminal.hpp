#pragma once
// The pseudo-terminal of a terminal session (protocol::kRequestWantsTerminal): the child gets
// the terminal side as fds 0-2 and as its controlling terminal, and the server relays the
// controller side to the client. The caller's own terminal never reaches the child.

#include <sys/types.h>

#include "core/unique_fd.hpp"
#include "core/wire.hpp"

namespace bro::server {

struct PseudoTerminal {
    UniqueFd controller;  // the master side: nonblocking, close-on-exec, kept by the server
    UniqueFd terminal;    // the slave side: close-on-exec, handed to the child
};

// Opens /dev/ptmx and its terminal side (TIOCGPTPEER, Linux 4.13: no path lookup in
// /dev/pts, so no other devpts instance can be substituted), sized `size`. Both are opened
// O_NOCTTY: a server that leads a session must never acquire the terminal itself. Throws
// std::system_error naming the failed call.
PseudoTerminal open_pseudo_terminal(const protocol::WindowSize& size);

// Gives the terminal side the caller's settings (protocol::kRequestCarriesTerminalModes) in
// place of the kernel's defaults; the line discipline and the speeds stay. Throws
// std::system_error naming the failed call.
void set_terminal_modes(int terminal, const protocol::TerminalModes& modes);

// TIOCSWINSZ on the controller; the kernel sends SIGWINCH to the terminal's foreground
// process group when the size changes. False (errno set) on failure.
bool resize_pseudo_terminal(int controller, const protocol::WindowSize& size);

// Makes `uid` the owner of the terminal side, mode 0620 (its group keeps write access, for
// write(1)), as login and sshd do: a child that runs as another user (--user, --as-peer) can
// then reopen and change its own terminal by path (ttyname, then open), which programs such as
// script(1) or a password prompt do. Throws std::system_error naming the failed call.
void give_terminal_to(int terminal, uid_t uid);

// The terminal's foreground process group, or 0 when it has none (its session leader
// exited). It always lies in the session the child created, since a process can only make
// a group of its own session the foreground group.
pid_t foreground_process_group(int controller);

}  // namespace bro::server
