# A Debian package from the install rules (CPack DEB): `cpack -G DEB` in the build folder
# writes threecx-wfnode_<version>_<arch>.deb. Its Depends come from dpkg-shlibdeps, which
# reads what the installed binaries link against.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME threecx-wfnode)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "threecx-wfnode maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "3CX chat data nodes for workflow engines (wfnode plugin, loader, nodehost)")
set(CPACK_PACKAGE_DESCRIPTION "A wfnode plugin with the Download Chat History and Purge Chats nodes for the 3CX XAPI,
the wfnode C ABI headers, the C++ plugin loader with its CMake package and pkg-config file,
and nodehost, a command-line host that runs nodes and pipelines.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "threecx-wfnode maintainers <maintainers@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The loader ships in this very package: dpkg-shlibdeps must find it here, not on the system.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_BINARY_DIR}/host_api)
# Date and time-zone names come from tzdata at run time.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "tzdata")
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_COMPONENTS_ALL runtime)
set(CPACK_DEB_COMPONENT_INSTALL OFF)
include(CPack)
