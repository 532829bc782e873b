# WFNODE_SANITIZE: "" (none), "address" (ASan + UBSan) or "thread" (TSan). Applies to
# every target of the build, so the plugin, hosts and tests are all instrumented; the
# servers the tests talk to are the exception (wfnode_test_server() below).
if(WFNODE_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
elseif(WFNODE_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT WFNODE_SANITIZE STREQUAL "")
  message(FATAL_ERROR "WFNODE_SANITIZE must be '', 'address' or 'thread'")
endif()

# wfnode_test_server(<target>): a server the tests talk to (the emulator, the mock) is built
# without the sanitizers. It stands in for 3CX and shares no code with the plugin, and
# instrumented it took a third (ASan) to half (TSan) of every end-to-end test's time (the
# fault matrix's clean case: 8.9 s against 5.9 s, 18 s against 10 s), time that belongs to
# the client code these passes are for. The default suite tests the servers themselves.
function(wfnode_test_server target)
  if(NOT WFNODE_SANITIZE STREQUAL "")
    foreach(property COMPILE_OPTIONS LINK_OPTIONS)
      get_target_property(options ${target} ${property})
      if(options)
        list(FILTER options EXCLUDE REGEX "^-fsanitize=")
        set_property(TARGET ${target} PROPERTY ${property} "${options}")
      endif()
    endforeach()
  endif()
endfunction()
