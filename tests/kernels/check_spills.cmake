# Compiles each kernel file for sm_90 with ptxas's resource report (-Xptxas -v), prints the
# report, and fails when any kernel spills registers to local memory.
# cmake -DNVCC=<nvcc> -DSOURCE_DIR=<repo> -DFILES=<a.cu;b.cu> -P check_spills.cmake
set(spilled "")
foreach(file IN LISTS FILES)
  execute_process(
    COMMAND ${NVCC} -std=c++17 -arch=sm_90 -cubin -o /dev/null -Xptxas=-v -lineinfo
            -I${SOURCE_DIR}/include -I${SOURCE_DIR}/kernels ${file}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("== ${file}\n${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nvcc failed on ${file}")
  endif()
  string(REGEX MATCHALL "[1-9][0-9]* bytes spill (stores|loads)" hits "${err}")
  if(hits)
    list(APPEND spilled "${file}: ${hits}")
  endif()
endforeach()
if(spilled)
  message(FATAL_ERROR "register spills:\n${spilled}")
endif()
message("no kernel spills")
