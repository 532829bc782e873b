# WFNODE_SANITIZE: "" (none), "address" (ASan + UBSan) or "thread" (TSan). Applies to
# every target of the build, so the plugin, hosts, emulator and tests are all instrumented.
if(WFNODE_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
elseif(WFNODE_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT WFNODE_SANITIZE STREQUAL "")
  message(FATAL_ERROR "WFNODE_SANITIZE must be '', 'address' or 'thread'")
endif()
