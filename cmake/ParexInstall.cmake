# Install rules and the parex CMake package, for the install tree and for the build tree.
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PAREX_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/parex")
set(PAREX_INSTALL_DATADIR "${CMAKE_INSTALL_DATADIR}/parex")

set_target_properties(parex PROPERTIES EXPORT_NAME runner)
set_target_properties(parex_support PROPERTIES EXPORT_NAME support)
install(TARGETS parex EXPORT parexTargets RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(TARGETS parex_support EXPORT parexTargets)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/cases/support/parex" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
# The runner finds these next to itself: <prefix>/share/parex/python.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/cases/support/python/" DESTINATION "${PAREX_INSTALL_DATADIR}/python"
        FILES_MATCHING PATTERN "*.py")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/reports/" DESTINATION "${PAREX_INSTALL_DATADIR}/reports"
        PATTERN "__pycache__" EXCLUDE)
# parex's source release, which learner editions carry (parex export --learner): no catalog, no tests.
install(FILES "${PROJECT_SOURCE_DIR}/CMakeLists.txt" DESTINATION "${PAREX_INSTALL_DATADIR}/source")
foreach(part cmake runner reports)
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/${part}" DESTINATION "${PAREX_INSTALL_DATADIR}/source"
          PATTERN "__pycache__" EXCLUDE)
endforeach()
install(DIRECTORY "${PROJECT_SOURCE_DIR}/cases/support" DESTINATION "${PAREX_INSTALL_DATADIR}/source/cases"
        PATTERN "__pycache__" EXCLUDE)
# One config template for both trees; only where the report renderer and ParexCatalog.cmake live differs.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/parexConfigVersion.cmake" COMPATIBILITY SameMajorVersion)
set(PAREX_CONFIG_REPORT_DIR "${PAREX_INSTALL_DATADIR}/reports")
set(PAREX_CONFIG_MODULE_DIR "${PAREX_INSTALL_CMAKEDIR}")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/parexConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/install-config/parexConfig.cmake"
  INSTALL_DESTINATION "${PAREX_INSTALL_CMAKEDIR}" PATH_VARS PAREX_CONFIG_REPORT_DIR PAREX_CONFIG_MODULE_DIR)
install(FILES "${PROJECT_BINARY_DIR}/install-config/parexConfig.cmake" "${PROJECT_BINARY_DIR}/parexConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/ParexCatalog.cmake" "${PROJECT_SOURCE_DIR}/cmake/parex_build_settings.py"
        DESTINATION "${PAREX_INSTALL_CMAKEDIR}")
install(EXPORT parexTargets NAMESPACE parex:: DESTINATION "${PAREX_INSTALL_CMAKEDIR}")

# The build tree is a package too: -Dparex_DIR=<build> uses it without installing.
set(PAREX_CONFIG_REPORT_DIR "${PROJECT_SOURCE_DIR}/reports")
set(PAREX_CONFIG_MODULE_DIR "${PROJECT_SOURCE_DIR}/cmake")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/parexConfig.cmake.in" "${PROJECT_BINARY_DIR}/parexConfig.cmake"
  INSTALL_DESTINATION "${PROJECT_BINARY_DIR}" INSTALL_PREFIX "${PROJECT_BINARY_DIR}"
  PATH_VARS PAREX_CONFIG_REPORT_DIR PAREX_CONFIG_MODULE_DIR)
export(EXPORT parexTargets NAMESPACE parex:: FILE "${PROJECT_BINARY_DIR}/parexTargets.cmake")
