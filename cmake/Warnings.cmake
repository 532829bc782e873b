# Our own targets build with -Wall -Wextra; WFNODE_WERROR (off by default, on in our presets
# and CI) makes them errors. Third-party headers come in as SYSTEM, so they never trip it.
function(wfnode_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra $<$<BOOL:${WFNODE_WERROR}>:-Werror>)
  # g++ 12 reports -Wrestrict false positives inside libstdc++'s std::string at -O2/-O3
  # (GCC bug 105329); the warning says nothing about our code there.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>)
  endif()
endfunction()

# g++ 12 at -O2 and above reports a seconds field inside date::parse (date/date.h) as
# maybe-uninitialized once it is inlined into a caller; date sets it on every path that
# yields a time. For the files that call date::parse only.
function(wfnode_date_parse_sources)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    set_source_files_properties(${ARGN} DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
                                PROPERTIES COMPILE_OPTIONS -Wno-maybe-uninitialized)
  endif()
endfunction()
