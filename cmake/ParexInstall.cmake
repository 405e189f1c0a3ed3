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
install(EXPORT parexTargets NAMESPACE parex:: DESTINATION "${PAREX_INSTALL_CMAKEDIR}")

set(PAREX_REPORT_SCRIPT_DIR "${PAREX_INSTALL_DATADIR}/reports")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/parexConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/install-config/parexConfig.cmake"
  INSTALL_DESTINATION "${PAREX_INSTALL_CMAKEDIR}" PATH_VARS PAREX_REPORT_SCRIPT_DIR)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/parexConfigVersion.cmake" COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/install-config/parexConfig.cmake" "${PROJECT_BINARY_DIR}/parexConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/ParexCatalog.cmake"
        DESTINATION "${PAREX_INSTALL_CMAKEDIR}")

# The build tree is a package too: -Dparex_DIR=<build> uses it without installing.
export(EXPORT parexTargets NAMESPACE parex:: FILE "${PROJECT_BINARY_DIR}/parexTargets.cmake")
file(WRITE "${PROJECT_BINARY_DIR}/parexConfig.cmake"
  "# parex from its build tree (generated)\n"
  "include(CMakeFindDependencyMacro)\n"
  "find_dependency(fmt CONFIG)\n"
  "find_dependency(Threads)\n"
  "include(\"\${CMAKE_CURRENT_LIST_DIR}/parexTargets.cmake\")\n"
  "set(PAREX_REPORT_SCRIPT \"${PROJECT_SOURCE_DIR}/reports/render.py\" CACHE FILEPATH \"parex's report renderer\")\n"
  "include(\"${PROJECT_SOURCE_DIR}/cmake/ParexCatalog.cmake\")\n")
