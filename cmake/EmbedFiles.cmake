# embed_text_files(OUT_CPP NAMESPACE ns FILES a.json b.json): generates a C++ file that defines
# `extern const char* const ns::<stem>` for each file, its text verbatim, at build time, so
# the files stay the single source of truth and a change to them rebuilds the consumer.
function(embed_text_files out_cpp)
  cmake_parse_arguments(E "" "NAMESPACE" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT ${out_cpp}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out_cpp} -DNS=${E_NAMESPACE} "-DFILES=${E_FILES}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_files_script.cmake
    DEPENDS ${E_FILES} ${PROJECT_SOURCE_DIR}/cmake/embed_files_script.cmake
    COMMENT "Embedding ${E_NAMESPACE} text files"
    VERBATIM)
endfunction()
