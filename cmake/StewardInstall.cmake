# Install the libraries, headers and a CMake package so that another project can
# find_package(steward) and link steward::compiler / steward::runtime.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS steward_compiler steward_runtime EXPORT stewardTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# The generated parser is private to the compiler but, as a static library, must ship with it.
install(TARGETS steward_grammar EXPORT stewardTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY compiler/include/steward runtime/include/steward
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT stewardTargets NAMESPACE steward:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/steward)
configure_package_config_file(cmake/stewardConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/stewardConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/steward)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/stewardConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/stewardConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/stewardConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/steward)
