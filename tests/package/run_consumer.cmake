# Installs the build into a fresh prefix, then configures, builds and runs the consumer project
# against it. Invoked by CTest with -DBUILD_DIR, -DSOURCE_DIR, -DWORK_DIR, -DGENERATOR.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}")
  endif()
  message(STATUS "${out}")
endfunction()

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix" -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")

set(ran 0)
foreach(exe consumer_cuda consumer_emu)
  if(EXISTS "${WORK_DIR}/build/${exe}")
    # The nvcc flavour's consumer only calls entry points that need no GPU.
    run("${WORK_DIR}/build/${exe}")
    math(EXPR ran "${ran} + 1")
  endif()
endforeach()
if(ran EQUAL 0)
  message(FATAL_ERROR "the consumer project built no executable: the package exports no flavour")
endif()
