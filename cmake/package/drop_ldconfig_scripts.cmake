# Run by cpack after it has built the packages (CPACK_POST_BUILD_SCRIPTS, cmake/Packaging.cmake):
# rebuilds the loader's package without the postinst and postrm scripts CPack adds to call
# ldconfig, which the package's ldconfig trigger (cmake/package/triggers) makes redundant.
# Its files and their checksums (md5sums) are left as they are.
foreach(deb IN LISTS CPACK_PACKAGE_FILES)
  get_filename_component(name "${deb}" NAME)
  if(NOT name MATCHES "^${CPACK_WFNODE_LOADER_PACKAGE}_.*\\.deb$")
    continue()
  endif()
  set(tree "${deb}.tree")
  file(REMOVE_RECURSE "${tree}")
  execute_process(COMMAND dpkg-deb --raw-extract "${deb}" "${tree}" COMMAND_ERROR_IS_FATAL ANY)
  file(REMOVE "${tree}/DEBIAN/postinst" "${tree}/DEBIAN/postrm")
  execute_process(COMMAND dpkg-deb --root-owner-group --build "${tree}" "${deb}"
                  OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
  file(REMOVE_RECURSE "${tree}")
endforeach()
