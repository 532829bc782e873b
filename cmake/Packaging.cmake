# Debian packages from the install rules (CPack DEB, one package per install component;
# cmake/Install.cmake says which files go where): `cpack -G DEB` in the build folder writes
#   libwfnode-loader<N>_<version>_<arch>.deb  libwfnode-dev_...  threecx-wfnode_...  wfnode-nodehost_...
# Their Depends on other packages come from dpkg-shlibdeps, which reads what the installed
# binaries link against; those between them are exact (= version): they are built together.
# tests/install/check_deb.sh builds them and runs lintian on each.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME threecx-wfnode)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the threecx-wfnode authors")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ${WFNODE_COMPONENTS})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SOURCE threecx-wfnode)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${WFNODE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
# The loader is built here, not installed on the system: dpkg-shlibdeps finds it in the build,
# and the Depends on its package is the component dependency below.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_BINARY_DIR}/host_api)

foreach(component IN LISTS WFNODE_COMPONENTS)
  string(TOUPPER ${component} C)
  set(CPACK_DEBIAN_${C}_PACKAGE_NAME ${WFNODE_PACKAGE_${component}})
endforeach()

set(CPACK_COMPONENT_LOADER_DESCRIPTION "wfnode plugin loader (shared library)
The C++ loader of wfnode plugins, the shared objects that offer workflow-engine
nodes through the wfnode C ABI: it opens a plugin, checks its ABI version and
executes its nodes, and discovers the plugins installed on the system.")
set(CPACK_DEBIAN_LOADER_PACKAGE_SECTION libs)
# Debian's own libraries activate libc's ldconfig trigger instead of calling ldconfig.
configure_file(${PROJECT_SOURCE_DIR}/cmake/package/triggers ${CMAKE_BINARY_DIR}/package-control/loader/triggers COPYONLY)
set(CPACK_DEBIAN_LOADER_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/package-control/loader/triggers)
# Its shlibs file: a program built against this version runs with any later one of the same
# SONAME. The setting is CPack's for every package: the plugin, a module without a SONAME,
# gets none (and CPack says so in a developer warning).
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")

set(CPACK_COMPONENT_DEV_DESCRIPTION "wfnode plugin ABI: headers, CMake and pkg-config files
Everything to build a host of wfnode plugins: the C99 ABI headers, the C++
loader's headers, the CMake package (find_package(wfnode)) and the pkg-config
file wfnode.pc, and two example hosts, in C and in C++.")
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DEPENDS loader)

set(CPACK_COMPONENT_PLUGIN_DESCRIPTION "3CX chat data nodes for workflow engines (wfnode plugin)
A wfnode plugin with two nodes for the 3CX XAPI: Download Chat History and
Purge Chats, over OAuth2 client credentials and OData, with their JSON Schemas
and an example pipeline that exports and purges chats every night.")
set(CPACK_DEBIAN_PLUGIN_PACKAGE_SECTION net)
# Date and time-zone names come from tzdata at run time; a host runs the plugin.
set(CPACK_DEBIAN_PLUGIN_PACKAGE_DEPENDS tzdata)
set(CPACK_DEBIAN_PLUGIN_PACKAGE_RECOMMENDS ${WFNODE_PACKAGE_nodehost})

set(CPACK_COMPONENT_NODEHOST_DESCRIPTION "command-line host for wfnode plugins
nodehost loads wfnode plugins, describes their nodes, executes a node over
JSON Lines items, runs pipeline files, and serves editors such as n8n.")
set(CPACK_DEBIAN_NODEHOST_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_NODEHOST_DEPENDS loader)
set(CPACK_DEBIAN_NODEHOST_PACKAGE_RECOMMENDS ${WFNODE_PACKAGE_plugin})

# CPack writes postinst and postrm scripts that call ldconfig for any package holding a
# shared library; with the trigger above they are redundant (lintian: maintscript-calls-ldconfig).
# This rebuilds the loader's package without them, its files untouched.
set(CPACK_POST_BUILD_SCRIPTS ${PROJECT_SOURCE_DIR}/cmake/package/drop_ldconfig_scripts.cmake)
set(CPACK_WFNODE_LOADER_PACKAGE ${WFNODE_PACKAGE_loader})
include(CPack)
