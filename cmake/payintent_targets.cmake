# Helpers shared by every payintent library target.

# payintent_add_library(<name> ALIAS <alias> SOURCES ...): a library with the
# project's warnings, C++20, and an export name matching its alias.
function(payintent_add_library name)
  cmake_parse_arguments(ARG "" "ALIAS" "SOURCES" ${ARGN})
  add_library(${name} ${ARG_SOURCES})
  add_library(payintent::${ARG_ALIAS} ALIAS ${name})
  set_target_properties(${name} PROPERTIES EXPORT_NAME ${ARG_ALIAS} OUTPUT_NAME ${name})
  # Batches of 8: Boost and the standard library are parsed once per batch,
  # not once per file (PAYINTENT_UNITY in CMakeLists.txt). In a batch GCC
  # takes every source but the first for a header and warns that a class
  # with a member of an anonymous-namespace type could break the one
  # definition rule across files; a source is in one batch only.
  set_target_properties(${name} PROPERTIES UNITY_BUILD ${PAYINTENT_UNITY} UNITY_BUILD_BATCH_SIZE 8)
  if(PAYINTENT_UNITY AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${name} PRIVATE -Wno-subobject-linkage)
  endif()
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
