# crowdmesh_encoder: the chunk sequencer, encoder outputs, the pipeline and the
# encoder actor, on top of the codec, effect and sink libraries.
add_library(crowdmesh_encoder STATIC
  ${CMAKE_CURRENT_LIST_DIR}/chunk_sequencer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/encoder_output.cpp
  ${CMAKE_CURRENT_LIST_DIR}/encoder_pipeline.cpp
  ${CMAKE_CURRENT_LIST_DIR}/encoder_actor.cpp)
target_include_directories(crowdmesh_encoder PUBLIC ${PROJECT_SOURCE_DIR}/actors)
target_link_libraries(crowdmesh_encoder
  PUBLIC crowdmesh_codecs crowdmesh_effects crowdmesh_sinks crowdmesh_common caf::core spdlog::spdlog
  PRIVATE crowdmesh_mesh)
