#pragma once
// Force-included (-include) in the musl build of bro-client. Debian's libstdc++ headers were
// configured for glibc: their os_defines.h tests glibc's version macro, which musl lacks.
// Answering "no" selects the portable code paths.
#define __GLIBC_PREREQ(major, minor) 0
