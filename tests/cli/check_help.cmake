# cmake -DPROGRAM=<path> -P check_help.cmake: `PROGRAM --help` prints a usage
# on stdout and exits 0; `PROGRAM --bogus` prints it on stderr and exits 2.
# Run in a scratch directory, so a program that ignored its arguments and
# did its work leaves nothing in the build tree.
get_filename_component(name ${PROGRAM} NAME)
set(scratch ${CMAKE_CURRENT_BINARY_DIR}/check_help_${name})
file(MAKE_DIRECTORY ${scratch})

# Runs PROGRAM <arg>: wants exit code <want> and "usage" in <stream>.
function(expect arg want stream)
  execute_process(COMMAND ${PROGRAM} ${arg} WORKING_DIRECTORY ${scratch} TIMEOUT 20
                  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
  if(NOT rc STREQUAL want OR NOT "${${stream}}" MATCHES "usage")
    message(FATAL_ERROR "${PROGRAM} ${arg}: exit ${rc}, want ${want} and a usage on ${stream}\n"
                        "stdout: ${stdout}\nstderr: ${stderr}")
  endif()
endfunction()

expect(--help 0 stdout)
expect(--bogus 2 stderr)
file(REMOVE_RECURSE ${scratch})
