# `cmake --install` produces a package: find_package(linact) then link linact::linact (nvcc
# flavour) or linact::linact_emu (emulated flavour), whichever the build made.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LINACT_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/linact")
set(linact_export_targets)
foreach(t linact linact_emu linact_emu_runtime)
  if(TARGET ${t})
    list(APPEND linact_export_targets ${t})
  endif()
endforeach()

if(NOT linact_export_targets)
  return()
endif()

install(TARGETS ${linact_export_targets} EXPORT linactTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/linact DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT linactTargets NAMESPACE linact:: DESTINATION ${LINACT_INSTALL_CMAKEDIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/linactConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/linactConfig.cmake
                              INSTALL_DESTINATION ${LINACT_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/linactConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/linactConfig.cmake
              ${PROJECT_BINARY_DIR}/linactConfigVersion.cmake
        DESTINATION ${LINACT_INSTALL_CMAKEDIR})
