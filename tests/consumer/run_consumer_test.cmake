# ctest driver: installs payintent into a temporary prefix, then builds and
# runs the consumer both against the installed package and as a subdirectory.
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P run_consumer_test.cmake
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

set(launcher_args "")
if(DEFINED LAUNCHER AND NOT LAUNCHER STREQUAL "")
  set(launcher_args -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
set(generator_args -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE} ${launcher_args})

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/package ${generator_args}
    -DPAYINTENT_CONSUME=package -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
    -DWITH_POSTGRES=${WITH_POSTGRES})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/package)
run(${WORK_DIR}/package/consumer ${WORK_DIR}/package.db)

# The subdirectory build compiles the library again, as an integrator's unity
# build: each library target is one translation unit, unoptimised and without
# debug information (an empty build type). That checks the sources build inside
# someone else's project and with each other (no clashing internal names), in
# a quarter of the time of a file-by-file build.
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/subdir -G Ninja
    -DCMAKE_BUILD_TYPE= -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=0 ${launcher_args}
    -DPAYINTENT_CONSUME=subdir -DPAYINTENT_SOURCE_DIR=${SOURCE_DIR})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/subdir --target consumer)
run(${WORK_DIR}/subdir/consumer ${WORK_DIR}/subdir.db)
