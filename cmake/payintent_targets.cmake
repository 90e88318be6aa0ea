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
