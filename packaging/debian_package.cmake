# The .deb: `cpack -G DEB` in a configured build directory (tools/package runs it and lintian).
set(CPACK_PACKAGE_NAME bro)
set(CPACK_PACKAGE_VENDOR "the bro authors")
set(CPACK_PACKAGE_CONTACT "bro maintainers <maintainers@bro-tool.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "run one command outside a sandbox through a UNIX socket")
set(CPACK_PACKAGE_DESCRIPTION "bro lets a program inside a sandbox (a hardened systemd service,
bubblewrap, flatpak, a container) run one specific command outside it. The
static bro-client sends the arguments, environment, working directory, stdin
and file arguments to bro-server, which runs the one executable it was
configured with, under its own policy, and streams back stdout, stderr and the
exact exit status.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# A Debian revision: the packaging is versioned apart from the program.
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.invalid/bro")
# Computed from the binaries by dpkg-shlibdeps: bro-server's libraries; the static client
# needs none.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# Debian wants its own copyright and changelog files in the doc directory, and lintian's
# overrides where lintian looks for them.
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/changelog.Debian.gz
              ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/debian/lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME bro)
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/changelog.Debian.gz
                   COMMAND gzip -9nc ${CMAKE_CURRENT_SOURCE_DIR}/debian/changelog >
                           ${CMAKE_CURRENT_BINARY_DIR}/changelog.Debian.gz
                   DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/debian/changelog VERBATIM)
# The upstream changelog, under the name Debian gives it.
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz
                   COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/CHANGELOG.md >
                           ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz
                   DEPENDS ${PROJECT_SOURCE_DIR}/CHANGELOG.md VERBATIM)
add_custom_target(debian_changelog ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/changelog.Debian.gz
                                               ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz)
include(CPack)
