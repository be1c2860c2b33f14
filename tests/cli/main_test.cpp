// The built binary itself: what it links decides how long every run takes
// before main(), and the CI gate runs envlock often.
#include <gtest/gtest.h>

#include <string>

#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/native/elf_reader.hpp"
#include "support/paths.hpp"

namespace envlock::cli {
namespace {

// libarchive (with ICU, libxml2 and six compression libraries behind it) and
// libcurl (some 25 libraries) are opened with dlopen by the commands that need
// them (base/shared_library.hpp); linking either again would quietly add
// milliseconds to every scan.
TEST(EnvlockBinary, LinksNeitherLibarchiveNorLibcurl) {
  scanner::DiskFileSystem host("/");
  auto info = scanner::read_elf_file(host, ENVLOCK_BINARY);
  ASSERT_TRUE(info) << info.error().message;
  ASSERT_FALSE(info->needed.empty());
  for (const std::string& soname : info->needed) {
    EXPECT_FALSE(soname.starts_with("libarchive")) << soname;
    EXPECT_FALSE(soname.starts_with("libcurl")) << soname;
  }
}

}  // namespace
}  // namespace envlock::cli
