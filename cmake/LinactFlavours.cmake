# Two flavours from one set of sources:
#   nvcc flavour      .cu files compiled by nvcc for CMAKE_CUDA_ARCHITECTURES, linked to cudart
#   emulated flavour  the same .cu files compiled by g++ as C++ against emu/ (LINACT_EMU=1)
#
# CMake keys a source file's LANGUAGE per directory, not per target, so one .cu file cannot be
# CUDA in one target and CXX in the other. The emulated flavour therefore compiles a generated
# one-line .cpp per .cu file that #includes it.

# linact_emu_sources(<out_var> <sources>...): <sources> with each .cu replaced by its wrapper.
function(linact_emu_sources out_var)
  set(result)
  foreach(src IN LISTS ARGN)
    get_filename_component(abs "${src}" ABSOLUTE)
    if(abs MATCHES "\\.cu$")
      file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${abs}")
      string(REPLACE "/" "__" flat "${rel}")
      set(wrapper "${PROJECT_BINARY_DIR}/emu_wrappers/${flat}.cpp")
      file(CONFIGURE OUTPUT "${wrapper}"
           CONTENT "// Generated: compiles ${rel} for the emulator.\n#include \"${abs}\"\n")
      set_source_files_properties("${wrapper}" PROPERTIES OBJECT_DEPENDS "${abs}")
      list(APPEND result "${wrapper}")
    else()
      list(APPEND result "${abs}")
    endif()
  endforeach()
  set(${out_var} "${result}" PARENT_SCOPE)
endfunction()
