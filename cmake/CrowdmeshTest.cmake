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
  gtest_discover_tests(${name} PROPERTIES LABELS ${ARG_LABEL} DISCOVERY_TIMEOUT 60)
  add_dependencies(tests_${ARG_LABEL} ${name})
endfunction()
