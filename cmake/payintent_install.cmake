# Install rules: headers, libraries, and a package config with a version file,
# so that `find_package(payintent [COMPONENTS sqlite])` works for consumers.
include(CMakePackageConfigHelpers)

set(PAYINTENT_CONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/payintent)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/payintent
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/include/payintent/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/payintent)

# payintent_install_component(<component> <target>... [HEADERS <dir>]): one
# export set per component, so a consumer loads only what it asked for.
function(payintent_install_component component)
  cmake_parse_arguments(ARG "" "HEADERS" "" ${ARGN})
  install(TARGETS ${ARG_UNPARSED_ARGUMENTS} EXPORT payintent-${component}-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(EXPORT payintent-${component}-targets NAMESPACE payintent::
          DESTINATION ${PAYINTENT_CONFIG_DIR})
  if(ARG_HEADERS)
    install(DIRECTORY ${ARG_HEADERS}/payintent DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  endif()
endfunction()

payintent_install_component(core payintent_core payintent_testing)
payintent_install_component(memory payintent_memory
                            HEADERS ${PROJECT_SOURCE_DIR}/adapters/memory/include)
if(TARGET payintent_sqlite)
  payintent_install_component(sqlite payintent_sqlite
                              HEADERS ${PROJECT_SOURCE_DIR}/adapters/sqlite/include)
endif()

if(TARGET payintent_postgres)
  payintent_install_component(postgres payintent_postgres
                              HEADERS ${PROJECT_SOURCE_DIR}/adapters/postgres/include)
endif()

# The operator's command line (docs/operations.md): the program, and the
# library a deployment links with its card_network into a recovery binary.
if(TARGET payintent_admin)
  payintent_install_component(admin payintent_admin
                              HEADERS ${PROJECT_SOURCE_DIR}/tools/admin/include)
  install(TARGETS payintent_admin_tool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/payintent-config.cmake.in
  ${PROJECT_BINARY_DIR}/payintent-config.cmake INSTALL_DESTINATION ${PAYINTENT_CONFIG_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/payintent-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/payintent-config.cmake
              ${PROJECT_BINARY_DIR}/payintent-config-version.cmake
        DESTINATION ${PAYINTENT_CONFIG_DIR})
