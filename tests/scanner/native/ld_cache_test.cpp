#include "scanner/native/ld_cache.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "scanner/support/native_build.hpp"

namespace envlock::scanner {
namespace {

using native_test::compile;
using native_test::read_file;
using native_test::run;
using native_test::TempDir;
using native_test::write_file;

/// A root with two libraries in /opt/lib and /usr/local/lib and an
/// ld.so.conf naming both; ldconfig writes caches of every layout into it.
class LdCacheGenerated : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(compile("int f(void) { return 1; }\n", root / "opt/lib/libf.so.1.2",
                      "-shared -Wl,-soname,libf.so.1"),
              "");
    ASSERT_EQ(compile("int g(void) { return 1; }\n", root / "usr/local/lib/libg.so.3",
                      "-shared -Wl,-soname,libg.so.3"),
              "");
    write_file(root / "etc/ld.so.conf", "/opt/lib\n/usr/local/lib\n");
  }
  /// Writes /etc/<format>.cache with ldconfig; "" when ldconfig cannot (not root).
  std::string generate(const std::string& format) {
    int status = 0;
    std::string log = run("ldconfig -X -c " + format + " -C /etc/" + format + ".cache -f /etc/ld.so.conf -r '" +
                              root.path() + "' 2>&1",
                          &status);
    if (status != 0) return "";
    return read_file(root / ("etc/" + format + ".cache"));
  }
  TempDir root;
};

TEST_F(LdCacheGenerated, ReadsOldNewAndCompatLayouts) {
  for (const char* format : {"old", "new", "compat"}) {
    SCOPED_TRACE(format);
    std::string bytes = generate(format);
    if (bytes.empty()) GTEST_SKIP() << "ldconfig -r needs root here";
    auto entries = parse_ld_cache(bytes, format);
    ASSERT_TRUE(entries) << entries.error().message;
    std::vector<std::pair<std::string, std::string>> got;
    for (const auto& e : *entries) {
      got.emplace_back(e.soname, e.path);
      EXPECT_EQ(e.flags & kLdCacheTypeMask, kLdCacheElfLibc6);
      EXPECT_EQ(e.hwcap, 0u);
    }
    std::sort(got.begin(), got.end());
    got.erase(std::unique(got.begin(), got.end()), got.end());
    EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{
                       {"libf.so.1", "/opt/lib/libf.so.1"}, {"libg.so.3", "/usr/local/lib/libg.so.3"}}));
  }
}

TEST_F(LdCacheGenerated, EveryTruncationIsAnErrorOrAResultNeverACrash) {
  for (const char* format : {"old", "new", "compat"}) {
    std::string bytes = generate(format);
    if (bytes.empty()) GTEST_SKIP() << "ldconfig -r needs root here";
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      auto entries = parse_ld_cache(std::string_view(bytes).substr(0, n), "c");
      if (!entries) {
        EXPECT_TRUE(entries.error().message.starts_with("c: ")) << entries.error().message;
      }
    }
  }
}

// The host's own cache, checked against what ldconfig -p prints for it.
TEST(LdCache, ParsesTheHostCacheLikeLdconfig) {
  if (!std::filesystem::exists("/etc/ld.so.cache")) GTEST_SKIP() << "no /etc/ld.so.cache";
  auto entries = parse_ld_cache(read_file("/etc/ld.so.cache"), "/etc/ld.so.cache");
  ASSERT_TRUE(entries) << entries.error().message;
  std::istringstream printed(run("ldconfig -p"));
  std::regex line(R"(^\s+(\S+) \(.*\) => (\S+)$)");
  std::vector<std::pair<std::string, std::string>> want, got;
  for (std::string l; std::getline(printed, l);) {
    std::smatch m;
    if (std::regex_match(l, m, line)) want.emplace_back(m[1], m[2]);
  }
  for (const auto& e : *entries) got.emplace_back(e.soname, e.path);
  EXPECT_EQ(got, want);
}

std::string le32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}
std::string be32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[3 - i] = static_cast<char>(v >> (8 * i));
  return s;
}

/// A new-layout cache with one entry, written in either byte order.
std::string new_cache(bool big, std::uint8_t endian_flag) {
  auto u32 = big ? be32 : le32;
  std::string strings = "/lib/libq.so.1";
  std::string out = "glibc-ld.so.cache1.1";
  out += u32(1) + u32(static_cast<std::uint32_t>(strings.size() + 1));
  out += std::string(1, static_cast<char>(endian_flag)) + std::string(3, '\0');
  out += u32(0) + std::string(12, '\0');
  std::uint32_t str_base = 48 + 24;
  out += u32(0x0a03) + u32(str_base + 5) + u32(str_base) + u32(0) + std::string(8, '\0');
  out += strings + '\0';
  return out;
}

TEST(LdCache, ReadsBothByteOrders) {
  for (auto [big, flag] : {std::pair{false, 2}, std::pair{true, 3}, std::pair{false, 0}, std::pair{true, 0}}) {
    auto entries = parse_ld_cache(new_cache(big, static_cast<std::uint8_t>(flag)), "c");
    ASSERT_TRUE(entries) << entries.error().message;
    ASSERT_EQ(entries->size(), 1u);
    EXPECT_EQ((*entries)[0].soname, "libq.so.1");
    EXPECT_EQ((*entries)[0].path, "/lib/libq.so.1");
    EXPECT_EQ((*entries)[0].flags, kLdCacheElfLibc6 | kLdCacheAarch64Lib64);
  }
}

TEST(LdCache, ExactErrors) {
  EXPECT_EQ(parse_ld_cache("", "ld.so.cache").error().message, "ld.so.cache: not an ld.so cache");
  EXPECT_EQ(parse_ld_cache("ld.so-1.7.0", "c").error().message, "c: truncated header");
  EXPECT_EQ(parse_ld_cache("glibc-ld.so.cache1.1" + le32(1), "c").error().message, "c: truncated header");
  std::string cache = new_cache(false, 2);
  std::string many = cache;
  many.replace(20, 4, le32(1000));
  EXPECT_EQ(parse_ld_cache(many, "c").error().message,
            "c: 1000 entries do not fit in " + std::to_string(cache.size()) + " bytes");
  std::string far = cache;
  far.replace(48 + 8, 4, le32(5000));
  EXPECT_EQ(parse_ld_cache(far, "c").error().message, "c: string offset 5000 outside the file");
  std::string open = cache.substr(0, cache.size() - 1);
  EXPECT_EQ(parse_ld_cache(open, "c").error().message, "c: unterminated string at 77");
}

}  // namespace
}  // namespace envlock::scanner
