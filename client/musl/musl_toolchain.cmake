# Finds what the musl build of bro-client needs: Debian's musl-dev (headers, start files,
# libc.a) and, from the C++ compiler in use, libstdc++'s header directories, its
# crtbeginT.o/crtend.o and libgcc.a. Fails the configure step with the package to install.
function(bro_find_musl prefix)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "the musl bro-client is built with g++ (found ${CMAKE_CXX_COMPILER_ID}); "
                        "configure with -DBRO_MUSL_CLIENT=OFF to build the glibc one")
  endif()
  # x86_64-linux-gnu -> x86_64-linux-musl: Debian's multiarch directory of musl-dev.
  string(REGEX REPLACE "-gnu.*$" "-musl" triple "${CMAKE_LIBRARY_ARCHITECTURE}")
  set(lib_dir /usr/lib/${triple})
  set(include_dir /usr/include/${triple})
  foreach(file crt1.o crti.o crtn.o libc.a)
    if(NOT EXISTS ${lib_dir}/${file})
      message(FATAL_ERROR "${lib_dir}/${file} not found: install musl-dev (tools/setup does), "
                          "or configure with -DBRO_MUSL_CLIENT=OFF")
    endif()
  endforeach()
  if(NOT EXISTS ${include_dir}/stdlib.h)
    message(FATAL_ERROR "${include_dir}/stdlib.h not found: install musl-dev")
  endif()

  # libstdc++'s directories are the implicit ones that belong to the compiler (c++/N and
  # gcc/<triple>/N/include); the rest (/usr/include, ...) are glibc's and must stay out.
  set(cxx_dirs "")
  foreach(dir IN LISTS CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
    if(dir MATCHES "/c\\+\\+/" OR dir MATCHES "/gcc/")
      list(APPEND cxx_dirs ${dir})
    endif()
  endforeach()

  # crtbeginT.o is the static-executable variant of crtbegin.o.
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=crtbeginT.o
                  OUTPUT_VARIABLE crtbegin OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=crtend.o
                  OUTPUT_VARIABLE crtend OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-libgcc-file-name
                  OUTPUT_VARIABLE libgcc OUTPUT_STRIP_TRAILING_WHITESPACE)

  set(${prefix}_CXX_INCLUDE_DIRS ${cxx_dirs} PARENT_SCOPE)
  set(${prefix}_INCLUDE_DIR ${include_dir} PARENT_SCOPE)
  set(${prefix}_CRT1 ${lib_dir}/crt1.o PARENT_SCOPE)
  set(${prefix}_CRTI ${lib_dir}/crti.o PARENT_SCOPE)
  set(${prefix}_CRTN ${lib_dir}/crtn.o PARENT_SCOPE)
  set(${prefix}_LIBC ${lib_dir}/libc.a PARENT_SCOPE)
  set(${prefix}_LIBGCC ${libgcc} PARENT_SCOPE)
  set(${prefix}_CRTBEGIN ${crtbegin} PARENT_SCOPE)
  set(${prefix}_CRTEND ${crtend} PARENT_SCOPE)
endfunction()
