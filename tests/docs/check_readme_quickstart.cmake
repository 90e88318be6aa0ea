# The README's quickstart must be examples/00_quickstart.cpp verbatim, so the
# snippet a newcomer copies is the one CI compiles and runs.
#   cmake -DREADME=... -DEXAMPLE=... -P check_readme_quickstart.cmake
file(READ ${README} readme)
file(READ ${EXAMPLE} example)
string(FIND "${readme}" "${example}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md's quickstart differs from ${EXAMPLE}: paste the file into it")
endif()
message(STATUS "README quickstart matches ${EXAMPLE}")
