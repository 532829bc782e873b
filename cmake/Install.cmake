# What `cmake --install` puts where (GNUInstallDirs, relative paths only, so the install can
# be moved): the C headers, the loader library and its CMake package and pkg-config file,
# the 3CX plugin in the plugin folder the loader searches, nodehost, schemas and examples.
#
# Each file belongs to one component, and each component is one Debian package
# (cmake/Packaging.cmake), split the way Debian splits its own libraries:
#   loader    libwfnode-loader<N>  the shared library alone (N: its SOVERSION)
#   dev       libwfnode-dev        headers, CMake package, pkg-config file, the loader's
#                                  namelink (libwfnode_loader.so), the host examples
#   plugin    threecx-wfnode       the 3CX plugin, its schemas, the pipeline examples
#   nodehost  wfnode-nodehost      the reference host and its manual page
# Every package has its own doc folder named after it, with the copyright file and changelog.
include(CMakePackageConfigHelpers)

get_target_property(loader_soversion wfnode_loader SOVERSION)
set(WFNODE_PACKAGE_loader libwfnode-loader${loader_soversion})
set(WFNODE_PACKAGE_dev libwfnode-dev)
set(WFNODE_PACKAGE_plugin threecx-wfnode)
set(WFNODE_PACKAGE_nodehost wfnode-nodehost)
set(WFNODE_COMPONENTS loader dev plugin)
if(WFNODE_BUILD_NODEHOST)
  list(APPEND WFNODE_COMPONENTS nodehost)
endif()
# A role address on the project's own domain: the packages' Maintainer, the changelog's trailer.
set(WFNODE_MAINTAINER "threecx-wfnode maintainers <maintainers@threecx-wfnode.org>")

set(WFNODE_INSTALL_PLUGINDIR ${CMAKE_INSTALL_LIBDIR}/wfnode/plugins)
set(WFNODE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/wfnode)
set(WFNODE_INSTALL_EXAMPLEDIR ${CMAKE_INSTALL_DATADIR}/wfnode/examples)

install(DIRECTORY host_api/include/wfnode DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(TARGETS wfnode_headers wfnode_loader EXPORT wfnodeTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT loader NAMELINK_COMPONENT dev)
install(EXPORT wfnodeTargets NAMESPACE wfnode:: DESTINATION ${WFNODE_INSTALL_CMAKEDIR} COMPONENT dev)

# The package's version is the ABI's: find_package(wfnode 1.0) accepts any 1.x at or above
# 1.0 and no 2.x, the rule WFNODE_VERSION_IS_COMPATIBLE states.
configure_package_config_file(cmake/package/wfnodeConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/wfnodeConfig.cmake
                              INSTALL_DESTINATION ${WFNODE_INSTALL_CMAKEDIR}
                              PATH_VARS WFNODE_INSTALL_PLUGINDIR)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/wfnodeConfigVersion.cmake
                                 VERSION ${WFNODE_ABI_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/wfnodeConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/wfnodeConfigVersion.cmake
        DESTINATION ${WFNODE_INSTALL_CMAKEDIR} COMPONENT dev)

# pkg-config: the prefix is found from the .pc file's own folder (${pcfiledir}).
set(pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH WFNODE_PC_PREFIX ${CMAKE_INSTALL_PREFIX}/${pc_dir} ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" WFNODE_PC_PREFIX "${WFNODE_PC_PREFIX}")
configure_file(cmake/package/wfnode.pc.in ${CMAKE_CURRENT_BINARY_DIR}/wfnode.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/wfnode.pc DESTINATION ${pc_dir} COMPONENT dev)

install(TARGETS threecx_wfnode LIBRARY DESTINATION ${WFNODE_INSTALL_PLUGINDIR} COMPONENT plugin)
install(DIRECTORY schemas/ DESTINATION ${CMAKE_INSTALL_DATADIR}/wfnode/schemas COMPONENT plugin)
set(script_permissions OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
install(DIRECTORY examples/ DESTINATION ${WFNODE_INSTALL_EXAMPLEDIR} COMPONENT plugin
        PATTERN "host-c" EXCLUDE PATTERN "host-cpp" EXCLUDE PATTERN "*.sh" PERMISSIONS ${script_permissions})
install(DIRECTORY examples/host-c examples/host-cpp DESTINATION ${WFNODE_INSTALL_EXAMPLEDIR} COMPONENT dev)

# Compressed as Debian wants its documentation (gzip -9, no name or time stamp inside, so
# two builds give the same bytes).
function(wfnode_gzip input output)
  add_custom_command(OUTPUT ${output} COMMAND gzip -9nc ${input} > ${output} DEPENDS ${input}
                     COMMENT "Compressing ${output}")
endfunction()
set(docs ${CMAKE_CURRENT_BINARY_DIR}/package-docs)
set(compressed_docs ${docs}/changelog.gz)

if(WFNODE_BUILD_NODEHOST)
  # nodehost finds the loader beside it, wherever a relocatable install is moved. Under /usr
  # (the .deb, a distribution's build) it needs no run path: the loader is in the system's
  # library folder, and Debian policy (10.2) wants none there, so it is removed at install
  # time (CPack configures once and installs into /usr).
  file(RELATIVE_PATH bin_to_lib ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_LIBDIR})
  set_target_properties(nodehost PROPERTIES INSTALL_RPATH "$ORIGIN/${bin_to_lib}")
  install(TARGETS nodehost RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT nodehost)
  string(CONFIGURE [[
    if(CMAKE_INSTALL_PREFIX MATCHES "^/usr/?$")
      file(RPATH_REMOVE FILE "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/@CMAKE_INSTALL_BINDIR@/nodehost")
    endif()]] remove_system_rpath @ONLY)
  install(CODE "${remove_system_rpath}" COMPONENT nodehost)
  wfnode_gzip(${PROJECT_SOURCE_DIR}/cmake/package/nodehost.1 ${docs}/nodehost.1.gz)
  list(APPEND compressed_docs ${docs}/nodehost.1.gz)
  install(FILES ${docs}/nodehost.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT nodehost)
endif()

# Each package's doc folder: the copyright file (DEP-5, the licence text taken from LICENSE)
# and the changelog in Debian's format (cmake/package/changelog.in; CHANGELOG.md has the
# whole story, installed with the plugin; a release adds an entry to both).
file(STRINGS LICENSE license_lines)
list(FILTER license_lines EXCLUDE REGEX "^(MIT License|Copyright .*)$")
set(WFNODE_LICENSE_TEXT "")
foreach(line IN LISTS license_lines)
  if(line STREQUAL "")
    string(APPEND WFNODE_LICENSE_TEXT " .\n")
  else()
    string(APPEND WFNODE_LICENSE_TEXT " ${line}\n")
  endif()
endforeach()
string(REGEX REPLACE "^ \\.\n" "" WFNODE_LICENSE_TEXT "${WFNODE_LICENSE_TEXT}")
string(REGEX REPLACE "\n$" "" WFNODE_LICENSE_TEXT "${WFNODE_LICENSE_TEXT}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/LICENSE)
configure_file(cmake/package/copyright.in ${docs}/copyright @ONLY)
configure_file(cmake/package/changelog.in ${docs}/changelog @ONLY)
wfnode_gzip(${docs}/changelog ${docs}/changelog.gz)
add_custom_target(package_docs ALL DEPENDS ${compressed_docs})
foreach(component IN LISTS WFNODE_COMPONENTS)
  install(FILES ${docs}/copyright ${docs}/changelog.gz DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${WFNODE_PACKAGE_${component}}
          COMPONENT ${component})
endforeach()
install(FILES README.md CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${WFNODE_PACKAGE_plugin} COMPONENT plugin)
install(FILES host_api/README.md DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${WFNODE_PACKAGE_dev} RENAME ABI.md COMPONENT dev)
