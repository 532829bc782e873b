# wfplugin_add_module(<target> SOURCES <files>... SCHEMAS <files>... [LIBRARIES <targets>...])
#
# A wfnode plugin module (a .so) built on the plugin layer: the given sources (its nodes and
# their plugin_catalog()), every schema file embedded at build time (so the files stay the
# single source of truth and a change to one rebuilds the module), the entry point, and a
# dynamic symbol table holding wfnode_entry and nothing else.
set(WFPLUGIN_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})

# wfplugin_embed_schemas(<out_var> <name> <schema files>...): generates the schema table
# source of <name> and sets <out_var> to its path, for a module or any test that links nodes.
function(wfplugin_embed_schemas out_var name)
  set(table ${CMAKE_CURRENT_BINARY_DIR}/${name}_schemas.cpp)
  add_custom_command(
    OUTPUT ${table}
    COMMAND ${CMAKE_COMMAND} -DOUT=${table} "-DFILES=${ARGN}" -P ${WFPLUGIN_CMAKE_DIR}/embed_schemas_script.cmake
    DEPENDS ${ARGN} ${WFPLUGIN_CMAKE_DIR}/embed_schemas_script.cmake
    COMMENT "Embedding the schemas of ${name}"
    VERBATIM)
  set(${out_var} ${table} PARENT_SCOPE)
endfunction()

function(wfplugin_add_module target)
  cmake_parse_arguments(M "" "" "SOURCES;SCHEMAS;LIBRARIES" ${ARGN})
  wfplugin_embed_schemas(table ${target} ${M_SCHEMAS})
  add_library(${target} MODULE ${M_SOURCES} ${table})
  target_link_libraries(${target} PRIVATE wfplugin ${M_LIBRARIES})
  set_target_properties(${target} PROPERTIES PREFIX "lib" CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  # The entry point lives in the wfplugin archive: pull it in, then export it alone, so
  # libstdc++'s and fmt's symbols cannot leak either.
  set(exports ${WFPLUGIN_CMAKE_DIR}/plugin_exports.map)
  target_link_options(${target} PRIVATE
      "LINKER:--undefined=wfnode_entry" "LINKER:--version-script=${exports}" "LINKER:--no-undefined")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${exports})
  wfnode_warnings(${target})
endfunction()
