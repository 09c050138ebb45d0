# ASan + UBSan build (LINACT_SANITIZE=ON): every C++ target of the build is instrumented, and every
# finding aborts (no recovery), so a test cannot pass with a report printed above its result.
# The nvcc flavour is not built in this mode; the emulator runs blocks one at a time and keeps
# __shared__ arrays in plain statics, which ASan instruments (it does not instrument
# thread_local storage).
if(LINACT_SANITIZE)
  if(LINACT_BUILD_CUDA)
    message(FATAL_ERROR "LINACT_SANITIZE=ON instruments the emulated flavour only; "
                        "configure with -DLINACT_BUILD_CUDA=OFF")
  endif()
  set(LINACT_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:${LINACT_SANITIZE_FLAGS}>")
  add_link_options(${LINACT_SANITIZE_FLAGS})
  add_compile_definitions(LINACT_EMU_SANITIZE=1)
endif()
