# The Debian package (SPEC §1): `cmake --build build --target package` makes
# duban_VERSION_ARCH.deb with CPack: programs, migrations, units, the config as a conffile, a
# sysusers.d entry for the duban user, man pages, bash completion; Depends computed by
# dpkg-shlibdeps. Included from CMakeLists.txt after every install() rule.

# Man pages, compressed as Debian wants them (gzip -n: no time stamp, reproducible).
set(DUBAN_MAN_PAGES duband.8 dubanctl.1 dubanweb.8 duband.conf.5)
set(man_outputs "")
foreach(page ${DUBAN_MAN_PAGES})
  set(out ${CMAKE_BINARY_DIR}/man/${page}.gz)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND gzip -9nc ${CMAKE_SOURCE_DIR}/man/${page} > ${out}
    DEPENDS ${CMAKE_SOURCE_DIR}/man/${page}
    COMMENT "Compressing man page ${page}" VERBATIM)
  list(APPEND man_outputs ${out})
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(man ALL DEPENDS ${man_outputs})

install(FILES etc/bash-completion/dubanctl
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES packaging/sysusers.d/duban.conf DESTINATION lib/sysusers.d)
set(DUBAN_PACKAGE_MAINTAINER "duban developers <duban@duban.invalid>" CACHE STRING
    "Maintainer field of the Debian package (set it to whoever distributes the package)")
configure_file(${CMAKE_SOURCE_DIR}/packaging/deb/changelog.in ${CMAKE_BINARY_DIR}/deb/changelog @ONLY)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/deb/changelog.gz
  COMMAND gzip -9nc ${CMAKE_BINARY_DIR}/deb/changelog > ${CMAKE_BINARY_DIR}/deb/changelog.gz
  DEPENDS ${CMAKE_BINARY_DIR}/deb/changelog VERBATIM)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/deb/README.md.gz
  COMMAND gzip -9nc ${CMAKE_SOURCE_DIR}/README.md > ${CMAKE_BINARY_DIR}/deb/README.md.gz
  DEPENDS ${CMAKE_SOURCE_DIR}/README.md VERBATIM)
add_custom_target(debdoc ALL DEPENDS ${CMAKE_BINARY_DIR}/deb/changelog.gz
                  ${CMAKE_BINARY_DIR}/deb/README.md.gz)
install(FILES ${CMAKE_BINARY_DIR}/deb/changelog.gz ${CMAKE_BINARY_DIR}/deb/README.md.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME duban)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${DUBAN_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postgresql-client")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "ledger of environmental problems under rectification, with chat-group reminders")
set(CPACK_PACKAGE_DESCRIPTION
"duban keeps the ledger of ecological-environment problems under
rectification in PostgreSQL. Its daemon, duband, escalates late
rectification, runs the acceptance and publicity clocks, reminds units of
their reporting duties and pushes every notice into the units' WeCom,
DingTalk, Feishu or Slack groups through webhooks. dubanctl is the command
line of the office; dubanweb serves its console and the public pages.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_SOURCE_DIR}/packaging/deb/conffiles;${CMAKE_SOURCE_DIR}/packaging/deb/postinst;${CMAKE_SOURCE_DIR}/packaging/deb/prerm;${CMAKE_SOURCE_DIR}/packaging/deb/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
