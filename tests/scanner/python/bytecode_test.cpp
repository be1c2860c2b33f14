#include "scanner/python/bytecode.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "base/sha256.hpp"
#include "scanner/fs/disk_filesystem.hpp"
#include "support/process.hpp"

namespace envlock::scanner {
namespace {

using envlock::testing::TempDir;
using envlock::testing::write_file;

std::string header(std::uint32_t magic, std::uint32_t flags, std::uint32_t w2, std::uint32_t w3) {
  std::string out;
  for (std::uint32_t v : {magic, flags, w2, w3}) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i) & 0xFF));
  }
  return out;
}

FileStat source_stat(std::int64_t mtime_s, std::uint64_t size) {
  FileStat st;
  st.type = FileType::kRegular;
  st.mtime_ns = mtime_s * 1'000'000'000 + 123'456'789;
  st.size = size;
  return st;
}

TEST(Bytecode, TargetFromTheInterpreterVersion) {
  auto t = bytecode_target("cpython", "3.11.7");
  EXPECT_EQ(t.cache_tag, "cpython-311");
  ASSERT_TRUE(t.magic);
  EXPECT_EQ(*t.magic, 0x0A0D0DA7u);  // importlib.util.MAGIC_NUMBER of 3.11: a7 0d 0d 0a
  EXPECT_EQ(*bytecode_target("cpython", "3.8.18").magic, 3413u | 0x0A0D0000u);
  EXPECT_EQ(*bytecode_target("cpython", "3.13.1").magic, 3571u | 0x0A0D0000u);
  // A pre-release or an unlisted version: the tag, but any magic counts.
  EXPECT_FALSE(bytecode_target("cpython", "3.13.0rc1").magic);
  EXPECT_EQ(bytecode_target("cpython", "3.13.0rc1").cache_tag, "cpython-313");
  EXPECT_FALSE(bytecode_target("cpython", "3.15.0").magic);
  EXPECT_EQ(bytecode_target("cpython", "3.12").cache_tag, "cpython-312");
  // Unknown: every tag and magic count.
  EXPECT_EQ(bytecode_target("pypy", "3.10.14").cache_tag, "");
  EXPECT_EQ(bytecode_target("", "").cache_tag, "");
  EXPECT_EQ(bytecode_target("cpython", "x.y").cache_tag, "");
  EXPECT_FALSE(bytecode_target("cpython", "99999.1").magic);
}

TEST(Bytecode, TheLocalInterpretersMagicMatches) {
  // The oracle: what the machine's python3 writes.
  auto r =
      testing::run({"python3", "-c",
                    "import importlib.util as u, sys, platform;"
                    "print(int.from_bytes(u.MAGIC_NUMBER, 'little'), platform.python_version(),"
                    " sys.implementation.cache_tag)"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::uint32_t magic = 0;
  char version[64] = {}, tag[64] = {};
  ASSERT_EQ(std::sscanf(r.out.c_str(), "%u %63s %63s", &magic, version, tag), 3);
  auto t = bytecode_target("cpython", version);
  EXPECT_EQ(t.cache_tag, tag);
  if (t.magic) {
    EXPECT_EQ(*t.magic, magic);
  }
}

TEST(Bytecode, HeaderRules) {
  auto t = bytecode_target("cpython", "3.11.7");
  const std::uint32_t m = *t.magic;
  auto st = source_stat(1'700'000'000, 321);
  auto h = [](std::string bytes) { return *parse_pyc_header(bytes); };
  EXPECT_FALSE(parse_pyc_header(std::string(15, '\0')));
  // Timestamp pyc: mtime seconds and size must both match.
  EXPECT_TRUE(would_load(h(header(m, 0, 1'700'000'000, 321)), st, t));
  EXPECT_FALSE(would_load(h(header(m, 0, 1'700'000'001, 321)), st, t));
  EXPECT_FALSE(would_load(h(header(m, 0, 1'700'000'000, 322)), st, t));
  // Another version's magic, unknown flag bits: Python compiles the source.
  EXPECT_FALSE(would_load(h(header(3531u | 0x0A0D0000u, 0, 1'700'000'000, 321)), st, t));
  EXPECT_FALSE(would_load(h(header(m, 4, 1'700'000'000, 321)), st, t));
  // Hash-based: unchecked always; checked counted as loaded (no SipHash here).
  EXPECT_TRUE(would_load(h(header(m, 1, 0, 0)), st, t));
  EXPECT_TRUE(would_load(h(header(m, 3, 0, 0)), st, t));
  // Unknown target: any magic.
  EXPECT_TRUE(would_load(h(header(0x12345678, 0, 1'700'000'000, 321)), st, BytecodeTarget{}));
  // Sizes and times past 32 bits compare in their low 32 bits, as importlib does.
  auto big = source_stat(0x1'0000'0005, 0x1'0000'0007);
  EXPECT_TRUE(would_load(h(header(m, 0, 5, 7)), big, t));
}

// A module compiled by the real interpreter, then pinned.
TEST(Bytecode, PinsWhatTheInterpreterWouldLoad) {
  TempDir tmp;
  const std::string pkg = tmp / "site/pkg";
  write_file(pkg + "/mod.py", "X = 1\n");
  write_file(pkg + "/other.py", "Y = 2\n");
  auto r =
      testing::run({"python3", "-c",
                    "import py_compile, sys\n"
                    "for f in sys.argv[1:]:\n"
                    "    for o in (-1, 1):\n"
                    "        py_compile.compile(f, doraise=True, optimize=o,\n"
                    "            invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)\n",
                    pkg + "/mod.py", pkg + "/other.py"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto v = testing::run(
      {"python3", "-c",
       "import platform, sys; print(platform.python_version(), sys.implementation.cache_tag)"});
  char version[64] = {}, tag[64] = {};
  ASSERT_EQ(std::sscanf(v.out.c_str(), "%63s %63s", version, tag), 2);
  const std::string cache = pkg + "/__pycache__/";
  // Noise: another tag, a name that is no source's, a stale one.
  write_file(cache + "mod.cpython-20.pyc", header(1, 0, 0, 0) + "x");
  write_file(cache + "gone." + std::string(tag) + ".pyc", header(1, 1, 0, 0) + "x");
  // other.py touched after compiling: its pycs are stale.
  write_file(pkg + "/other.py", "Y = 22\n");

  DiskFileSystem fs("/");
  std::vector<lockfile::Diagnostic> diagnostics;
  auto pins = pin_bytecode(fs, {{pkg + "/mod.py", 7}, {pkg + "/other.py", 8}},
                           bytecode_target("cpython", version), diagnostics);
  EXPECT_TRUE(diagnostics.empty());
  ASSERT_EQ(pins.size(), 2u);
  EXPECT_EQ(pins[0].path, cache + "mod." + tag + ".opt-1.pyc");
  EXPECT_EQ(pins[1].path, cache + "mod." + tag + ".pyc");
  EXPECT_EQ(pins[1].owner, 7u);
  const std::string bytes = testing::read_file(pins[1].path);
  EXPECT_EQ(pins[1].sha256, sha256_hex(bytes.substr(16)));

  // Without a source, nothing is loaded from __pycache__.
  std::filesystem::remove(pkg + "/mod.py");
  EXPECT_TRUE(
      pin_bytecode(fs, {{pkg + "/mod.py", 7}}, bytecode_target("cpython", version), diagnostics)
          .empty());
}

TEST(Bytecode, UnknownTagPinsEveryTag) {
  TempDir tmp;
  write_file(tmp / "a.py", "");
  write_file(tmp / "__pycache__/a.cpython-20.pyc", header(1, 1, 0, 0) + "body");
  write_file(tmp / "__pycache__/a.weird.tag.pyc", header(1, 1, 0, 0) + "body");  // no such tag
  write_file(tmp / "__pycache__/ab.cpython-20.pyc", header(1, 1, 0, 0) + "body");
  DiskFileSystem fs("/");
  std::vector<lockfile::Diagnostic> diagnostics;
  auto pins = pin_bytecode(fs, {{tmp / "a.py", 0}}, BytecodeTarget{}, diagnostics);
  ASSERT_EQ(pins.size(), 1u);
  EXPECT_EQ(pins[0].path, tmp / "__pycache__/a.cpython-20.pyc");
  EXPECT_EQ(pins[0].sha256, sha256_hex("body"));
}

}  // namespace
}  // namespace envlock::scanner
