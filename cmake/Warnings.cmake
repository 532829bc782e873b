# Our own targets build with every warning as an error; third-party headers come in as SYSTEM.
function(wfnode_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
