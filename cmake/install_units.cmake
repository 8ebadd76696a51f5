# Install-time script: copies systemd/*.service (DUBAN_UNITS) into the system unit directory,
# with ExecStart naming the programs under the prefix actually installed to (so that the
# package, installed under /usr, and `cmake --install` to /usr/local both get the right path).
# Under /usr the units go to /lib/systemd/system, as Debian bookworm's packages ship them.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(unit_dir "/lib/systemd/system")
else()
  set(unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
foreach(unit ${DUBAN_UNITS})
  get_filename_component(name "${unit}" NAME)
  file(READ "${unit}" text)
  string(REPLACE "ExecStart=/usr/bin/" "ExecStart=${CMAKE_INSTALL_PREFIX}/${DUBAN_BINDIR}/"
         text "${text}")
  file(MAKE_DIRECTORY "$ENV{DESTDIR}${unit_dir}")
  message(STATUS "Installing: $ENV{DESTDIR}${unit_dir}/${name}")
  file(WRITE "$ENV{DESTDIR}${unit_dir}/${name}" "${text}")
endforeach()
