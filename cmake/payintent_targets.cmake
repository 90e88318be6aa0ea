# Helpers shared by every payintent library target.

# payintent_add_library(<name> ALIAS <alias> SOURCES ...): a library with the
# project's warnings, C++20, and an export name matching its alias.
function(payintent_add_library name)
  cmake_parse_arguments(ARG "" "ALIAS" "SOURCES" ${ARGN})
  add_library(${name} ${ARG_SOURCES})
  add_library(payintent::${ARG_ALIAS} ALIAS ${name})
  set_target_properties(${name} PROPERTIES EXPORT_NAME ${ARG_ALIAS} OUTPUT_NAME ${name})
  target_compile_features(${name} PUBLIC cxx_std_20)
  payintent_warnings(${name})
endfunction()

# payintent_add_store(<name> ALIAS <alias> [LINK <private dependency>...]): a
# store adapter built from the .cpp files under src/ of the calling folder,
# its public headers in include/ there, on the core library, with the code
# the adapters share (adapters/common, header-only, not installed).
function(payintent_add_store name)
  cmake_parse_arguments(ARG "" "ALIAS" "LINK" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  payintent_add_library(${name} ALIAS ${ARG_ALIAS} SOURCES ${sources})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/adapters/common)
  target_link_libraries(${name} PUBLIC payintent::payintent PRIVATE ${ARG_LINK})
endfunction()

function(payintent_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    # -Wno-missing-field-initializers: designated initializers that leave
    # fields at their default member initializers are how options are meant
    # to be written ({.path = ...}); GCC 12 warns about them.
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                           -Wnon-virtual-dtor -Wconversion -Wno-sign-conversion
                           -Wno-missing-field-initializers)
  endif()
endfunction()
