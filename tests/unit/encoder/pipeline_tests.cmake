crowdmesh_add_unit_test(encoder_pipeline_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/chunk_sequencer_test.cpp
  LIBS crowdmesh_encoder crowdmesh_test_support
  LABEL unit)
