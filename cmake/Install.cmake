# What `cmake --install` puts where (GNUInstallDirs, relative paths only, so the install can
# be moved): the C headers, the loader library and its CMake package and pkg-config file,
# the 3CX plugin in the plugin folder the loader searches, nodehost, schemas and examples.
include(CMakePackageConfigHelpers)

set(WFNODE_INSTALL_PLUGINDIR ${CMAKE_INSTALL_LIBDIR}/wfnode/plugins)
set(WFNODE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/wfnode)

install(DIRECTORY host_api/include/wfnode DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT runtime)
install(TARGETS wfnode_headers wfnode_loader EXPORT wfnodeTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT runtime COMPONENT runtime)
install(EXPORT wfnodeTargets NAMESPACE wfnode:: DESTINATION ${WFNODE_INSTALL_CMAKEDIR} COMPONENT runtime)

# The package's version is the ABI's: find_package(wfnode 1.0) accepts any 1.x at or above
# 1.0 and no 2.x, the rule WFNODE_VERSION_IS_COMPATIBLE states.
configure_package_config_file(cmake/package/wfnodeConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/wfnodeConfig.cmake
                              INSTALL_DESTINATION ${WFNODE_INSTALL_CMAKEDIR}
                              PATH_VARS WFNODE_INSTALL_PLUGINDIR)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/wfnodeConfigVersion.cmake
                                 VERSION ${WFNODE_ABI_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/wfnodeConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/wfnodeConfigVersion.cmake
        DESTINATION ${WFNODE_INSTALL_CMAKEDIR} COMPONENT runtime)

# pkg-config: the prefix is found from the .pc file's own folder (${pcfiledir}).
set(pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH WFNODE_PC_PREFIX ${CMAKE_INSTALL_PREFIX}/${pc_dir} ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" WFNODE_PC_PREFIX "${WFNODE_PC_PREFIX}")
configure_file(cmake/package/wfnode.pc.in ${CMAKE_CURRENT_BINARY_DIR}/wfnode.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/wfnode.pc DESTINATION ${pc_dir} COMPONENT runtime)

install(TARGETS threecx_wfnode LIBRARY DESTINATION ${WFNODE_INSTALL_PLUGINDIR} COMPONENT runtime)
if(WFNODE_BUILD_NODEHOST)
  # nodehost finds the loader beside it, wherever the install is moved.
  file(RELATIVE_PATH bin_to_lib ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_LIBDIR})
  set_target_properties(nodehost PROPERTIES INSTALL_RPATH "$ORIGIN/${bin_to_lib}")
  install(TARGETS nodehost RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
endif()
install(DIRECTORY schemas/ DESTINATION ${CMAKE_INSTALL_DATADIR}/wfnode/schemas COMPONENT runtime)
install(DIRECTORY examples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/wfnode/examples COMPONENT runtime
        PATTERN "*.sh" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
install(FILES README.md CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
install(FILES host_api/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME ABI.md COMPONENT runtime)
