include(GoogleTest)
# crowdmesh_add_unit_test(NAME SOURCES src... LIBS lib... [LABEL label])
# One GoogleTest executable; every TEST in it is registered with CTest under one
# label (gtest_discover_tests cannot carry a list of labels):
#   unit        fast, no devices (also run under ASan+UBSan)
#   rt          real-time primitives (also run under ASan+UBSan and TSan)
#   integration audio_node processes, real music, whole-node checks
#   jack        needs a private jackd (run alone: timing-sensitive)
# Aggregate targets tests_<label> build every test executable of a label (the
# sanitizer stages build only what they run).
# Built for another machine and run through CMAKE_CROSSCOMPILING_EMULATOR
# (cmake/aarch64-linux-gnu.cmake: qemu-user), every test gets
# CROWDMESH_EMULATOR=<the emulator's name> (tests/support/emulation.hpp): a test
# whose premise the emulator does not hold skips itself, saying why.
set(CROWDMESH_TEST_ENVIRONMENT "")
if(CMAKE_CROSSCOMPILING AND CMAKE_CROSSCOMPILING_EMULATOR)
  list(GET CMAKE_CROSSCOMPILING_EMULATOR 0 _crowdmesh_emulator)
  get_filename_component(_crowdmesh_emulator "${_crowdmesh_emulator}" NAME)
  set(CROWDMESH_TEST_ENVIRONMENT ENVIRONMENT "CROWDMESH_EMULATOR=${_crowdmesh_emulator}")
endif()

foreach(label unit rt integration jack)
  if(NOT TARGET tests_${label})
    add_custom_target(tests_${label})
  endif()
endforeach()

function(crowdmesh_add_unit_test name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main Threads::Threads)
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS ${ARG_LABEL} ${CROWDMESH_TEST_ENVIRONMENT} DISCOVERY_TIMEOUT 60)
  add_dependencies(tests_${ARG_LABEL} ${name})
endfunction()
