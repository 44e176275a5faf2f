crowdmesh_add_unit_test(codec_unit_tests
  SOURCES opus_stream_encoder_test.cpp flac_stream_encoder_test.cpp mp3_stream_encoder_test.cpp
          stream_encoder_factory_test.cpp
  LIBS crowdmesh_codecs crowdmesh_test_support
  LABEL unit)
