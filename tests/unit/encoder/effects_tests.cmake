crowdmesh_add_unit_test(effects_unit_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/loudness_normalizer_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/effect_chain_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/preset_test.cpp
  LIBS crowdmesh_effects crowdmesh_test_support
  LABEL unit)
