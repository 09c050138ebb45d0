# Test registration helpers.
include(GoogleTest)

# linact_add_test(<target>): one CTest test running the whole GoogleTest executable.
function(linact_add_test target)
  add_test(NAME ${target} COMMAND ${target})
endfunction()

# linact_add_emu_test(<target>): the executable runs kernels on the emulator, so it is registered
# once per scheduling policy (LINACT_EMU_POLICY): lockstep and warp-reverse interleave the
# threads of a block differently, and a missing barrier shows under at least one of them.
function(linact_add_emu_test target)
  if(COMMAND linact_emu_kernel_code)
    linact_emu_kernel_code(${target})
  endif()
  foreach(policy lockstep warp-reverse)
    add_test(NAME ${target}.${policy} COMMAND ${target})
    set_tests_properties(${target}.${policy} PROPERTIES ENVIRONMENT "LINACT_EMU_POLICY=${policy}"
                         LABELS "emu")
  endforeach()
endfunction()
