# Effects and presets of encoder outputs: loudness normalisation (libebur128), the effect chain
# (EQ → compressor → loudness → limiter) and the PRESET[,KEY=VALUE...] parser.
add_library(crowdmesh_effects STATIC
  ${CMAKE_CURRENT_LIST_DIR}/loudness_normalizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/effect_chain.cpp
  ${CMAKE_CURRENT_LIST_DIR}/preset.cpp)
target_include_directories(crowdmesh_effects PUBLIC ${PROJECT_SOURCE_DIR}/actors)
target_link_libraries(crowdmesh_effects PUBLIC crowdmesh_common crowdmesh_dsp PkgConfig::EBUR128 caf::core)
