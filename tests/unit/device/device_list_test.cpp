#include "device/device_list.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace crowdmesh::device {
namespace {

std::vector<DeviceInfo> devices() {
  return {
      {0, "HDA Intel PCH: ALC892 Analog (hw:0,0)", "ALSA", 2, 2, 44100, false},
      {1, "USB Audio CODEC: - (hw:1,0)", "ALSA", 2, 0, 48000, false},
      {2, "Mic Only USB", "ALSA", 0, 1, 48000, false},
      {3, "usb", "ALSA", 8, 0, 48000, false},
      {4, "default", "ALSA", 32, 32, 48000, true},
      {5, "system", "JACK Audio Connection Kit", 2, 2, 48000, false},
  };
}

TEST(DeviceListTest, EmptySpecPicksDefaultOutput) {
  auto d = find_device(devices(), "", 2, 0);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->index, 4);
}

TEST(DeviceListTest, FindsByIndex) {
  auto d = find_device(devices(), "5", 2, 2);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->name, "system");
}

TEST(DeviceListTest, FindsByCaseInsensitiveSubstring) {
  auto d = find_device(devices(), "codec", 2, 0);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->index, 1);
}

TEST(DeviceListTest, ExactNameBeatsSubstring) {
  auto d = find_device(devices(), "USB", 2, 0);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->index, 3);
}

TEST(DeviceListTest, SubstringSkipsDevicesWithoutEnoughChannels) {
  auto d = find_device(devices(), "usb a", 2, 0);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->index, 1);
  auto mic = find_device(devices(), "mic only", 2, 0);
  ASSERT_FALSE(mic);
  EXPECT_EQ(error_code(mic.error()), errc::unsupported_channels);
  EXPECT_NE(error_sentence(mic.error()).find("Mic Only USB"), std::string::npos);
}

TEST(DeviceListTest, UnknownNameSaysHowToListDevices) {
  auto d = find_device(devices(), "Foo", 2, 0);
  ASSERT_FALSE(d);
  EXPECT_EQ(error_code(d.error()), errc::device_not_found);
  EXPECT_EQ(error_sentence(d.error()), "no audio device named 'Foo' (6 devices; run audio_node --list-devices)");
}

TEST(DeviceListTest, UnknownIndexIsNotFound) {
  auto d = find_device(devices(), "42", 2, 0);
  ASSERT_FALSE(d);
  EXPECT_EQ(error_code(d.error()), errc::device_not_found);
  EXPECT_NE(error_sentence(d.error()).find("index 42"), std::string::npos);
}

TEST(DeviceListTest, NoDefaultOutputIsNotFound) {
  auto d = find_device({}, "", 2, 0);
  ASSERT_FALSE(d);
  EXPECT_EQ(error_code(d.error()), errc::device_not_found);
}

TEST(DeviceListTest, IndexWithTooFewInputChannelsIsRejected) {
  auto d = find_device(devices(), "1", 2, 2);
  ASSERT_FALSE(d);
  EXPECT_EQ(error_code(d.error()), errc::unsupported_channels);
}

TEST(DeviceListTest, FormatListsEveryDeviceAndMarksDefault) {
  const auto text = format_device_list(devices());
  for (const auto& d : devices()) EXPECT_NE(text.find(d.name), std::string::npos) << d.name;
  EXPECT_NE(text.find("*     4"), std::string::npos) << text;
  EXPECT_NE(text.find("JACK Audio Connection Kit"), std::string::npos);
  EXPECT_NE(format_device_list({}).find("no audio devices"), std::string::npos);
}

TEST(DeviceListTest, ListDevicesWorksWithoutSoundHardware) {
  // No sound card here (CI, a headless box): listing still succeeds, and
  // whatever PortAudio reports (ALSA's null or pulse plugins, a JACK server)
  // is listed coherently: increasing indices, named, at most one default output.
  auto list = list_devices();
  ASSERT_TRUE(list) << error_sentence(list.error());
  int previous = -1, defaults = 0;
  for (const auto& d : *list) {
    EXPECT_GT(d.index, previous) << d.name;
    previous = d.index;
    EXPECT_FALSE(d.name.empty()) << "device " << d.index;
    EXPECT_FALSE(d.host_api.empty()) << d.name;
    if (d.is_default_output) ++defaults;
  }
  EXPECT_LE(defaults, 1);
}

}  // namespace
}  // namespace crowdmesh::device
