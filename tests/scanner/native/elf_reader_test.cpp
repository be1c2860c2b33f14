#include "scanner/native/elf_reader.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/native/elf_versions.hpp"
#include "scanner/support/native_build.hpp"
#include "scanner/support/synthetic_elf.hpp"
#include "scanner/image/wanted_files.hpp"

namespace envlock::scanner {
namespace {

using native_test::build_elf;
using native_test::compile;
using native_test::read_file;
using native_test::run;
using native_test::SynthSpec;
using native_test::TempDir;
using native_test::write_file;

constexpr const char* kBaseSource = "int base_old(void) { return 1; }\nint base_new(void) { return 2; }\n";
constexpr const char* kBaseMap =
    "BASE_1.0 { global: base_old; local: *; };\nBASE_2.0 { global: base_new; } BASE_1.0;\n";
constexpr const char* kMidSource =
    "#include <stdio.h>\nint base_new(void);\nint mid(void) { puts(\"x\"); return base_new(); }\n";

/// Builds libbase.so.1 (versioned) and libmid.so (needs it, RUNPATH $ORIGIN).
class ElfReaderBuilt : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir / "base.map", kBaseMap);
    ASSERT_EQ(compile(kBaseSource, dir / "libbase.so.1",
                      "-shared -Wl,-soname,libbase.so.1 -Wl,--version-script=" + (dir / "base.map")),
              "");
    ASSERT_EQ(compile(kMidSource, dir / "libmid.so",
                      "-shared -Wl,-soname,libmid.so -L" + dir.path() +
                          " -l:libbase.so.1 -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN:/opt/x'"),
              "");
  }
  TempDir dir;
};

/// What readelf says about an object, to cross-check the reader.
struct ReadelfView {
  std::string soname;
  std::vector<std::string> needed, rpath, runpath, version_needs, version_defs;
};

std::vector<std::string> split_colons(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (true) {
    auto j = s.find(':', i);
    out.push_back(s.substr(i, j == std::string::npos ? std::string::npos : j - i));
    if (j == std::string::npos) return out;
    i = j + 1;
  }
}

ReadelfView readelf(const std::string& path) {
  ReadelfView v;
  std::istringstream dyn(run("readelf -dW '" + path + "'"));
  std::regex entry(R"(\((NEEDED|SONAME|RPATH|RUNPATH)\)\s+\S+ \S+: \[(.*)\])");
  for (std::string line; std::getline(dyn, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, entry)) continue;
    if (m[1] == "NEEDED") v.needed.push_back(m[2]);
    if (m[1] == "SONAME") v.soname = m[2];
    if (m[1] == "RPATH") v.rpath = split_colons(m[2]);
    if (m[1] == "RUNPATH") v.runpath = split_colons(m[2]);
  }
  std::istringstream ver(run("readelf -VW '" + path + "'"));
  std::regex def(R"(Flags: (\S+)\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+))");
  std::regex need(R"(^\s+0x[0-9a-f]+:\s+Name: (\S+)\s+Flags)");
  std::set<std::string> needs, defs;
  for (std::string line; std::getline(ver, line);) {
    std::smatch m;
    if (std::regex_search(line, m, def) && m[1] != "BASE") defs.insert(m[2]);
    else if (std::regex_search(line, m, need)) needs.insert(m[1]);
  }
  v.version_needs.assign(needs.begin(), needs.end());
  v.version_defs.assign(defs.begin(), defs.end());
  return v;
}

void expect_matches_readelf(const std::string& path) {
  SCOPED_TRACE(path);
  auto info = read_elf(read_file(path), path);
  ASSERT_TRUE(info) << info.error().message;
  ReadelfView want = readelf(path);
  EXPECT_EQ(info->soname, want.soname);
  EXPECT_EQ(info->needed, want.needed);
  EXPECT_EQ(info->rpath, want.rpath);
  EXPECT_EQ(info->runpath, want.runpath);
  EXPECT_EQ(info->version_needs, want.version_needs);
  EXPECT_EQ(info->version_defs, want.version_defs);
}

TEST_F(ElfReaderBuilt, ReadsSonameNeededRunpathAndVersions) {
  auto base = read_elf(read_file(dir / "libbase.so.1"), "libbase.so.1");
  ASSERT_TRUE(base) << base.error().message;
  EXPECT_EQ(base->elf_class, sizeof(void*) * 8);
  EXPECT_TRUE(base->little_endian);
  EXPECT_EQ(base->type, 3);
  EXPECT_EQ(base->soname, "libbase.so.1");
  EXPECT_EQ(base->version_defs, (std::vector<std::string>{"BASE_1.0", "BASE_2.0"}));
  EXPECT_TRUE(base->has_dynamic);

  auto mid = read_elf(read_file(dir / "libmid.so"), "libmid.so");
  ASSERT_TRUE(mid) << mid.error().message;
  EXPECT_EQ(mid->soname, "libmid.so");
  EXPECT_EQ(mid->needed, (std::vector<std::string>{"libbase.so.1", "libc.so.6"}));
  EXPECT_EQ(mid->runpath, (std::vector<std::string>{"$ORIGIN", "/opt/x"}));
  EXPECT_TRUE(mid->rpath.empty());
  EXPECT_EQ(mid->version_needs_by_file.at("libbase.so.1"), std::vector<std::string>{"BASE_2.0"});
  EXPECT_NE(highest_version(mid->version_needs, "GLIBC_"), "");
  EXPECT_EQ(mid->interpreter, "");
}

TEST_F(ElfReaderBuilt, AgreesWithReadelf) {
  ASSERT_EQ(compile(kMidSource, dir / "librpath.so",
                    "-shared -L" + dir.path() + " -l:libbase.so.1 -Wl,--disable-new-dtags -Wl,-rpath,/a:/b"),
            "");
  ASSERT_EQ(compile("#include <string>\nstd::string f(const char* s) { return std::string(s) + \"x\"; }\n",
                    dir / "libcxx.so", "-shared", "c++"),
            "");
  ASSERT_EQ(compile("int main(void) { return 0; }\n", dir / "exe", "-pie"), "");
  for (const char* name : {"libbase.so.1", "libmid.so", "librpath.so", "libcxx.so", "exe"})
    expect_matches_readelf(dir / name);
  auto cxx = read_elf(read_file(dir / "libcxx.so"), "libcxx.so");
  ASSERT_TRUE(cxx);
  EXPECT_NE(highest_version(cxx->version_needs, "GLIBCXX_"), "");
  auto exe = read_elf(read_file(dir / "exe"), "exe");
  ASSERT_TRUE(exe);
  EXPECT_FALSE(exe->interpreter.empty());
}

TEST_F(ElfReaderBuilt, WorksWithoutTheSectionHeaders) {
  std::string bytes = read_file(dir / "libmid.so");
  auto full = read_elf(bytes, "libmid.so");
  ASSERT_TRUE(full);
  // A 64-bit little-endian e_shoff; images keep only a prefix of the file.
  std::uint64_t shoff = 0;
  for (int i = 7; i >= 0; --i) shoff = (shoff << 8) | static_cast<std::uint8_t>(bytes[40 + i]);
  ASSERT_GT(shoff, 0u);
  ASSERT_LT(shoff, bytes.size());
  auto cut = read_elf(std::string_view(bytes).substr(0, shoff), "libmid.so");
  ASSERT_TRUE(cut) << cut.error().message;
  EXPECT_EQ(cut->needed, full->needed);
  EXPECT_EQ(cut->runpath, full->runpath);
  EXPECT_EQ(cut->version_needs, full->version_needs);
}

// A program with PT_DYNAMIC past megabytes of read-only data; and glibc's
// libc.so.6, which is a program too, with its PT_INTERP string in .rodata
// megabytes in. Read through the filesystem each must give what the whole
// file gives.
TEST_F(ElfReaderBuilt, ProgramWithInterpreterAndDynamicPastTheFirstRead) {
  std::string exe = dir / "bigpie";
  ASSERT_EQ(compile("#include <stdio.h>\nconst char big[3 << 20] = {1};\n"
                    "int main(void) { return puts(big); }\n",
                    exe, "-fPIE -pie -Wl,-z,separate-code"),
            "");
  std::string bytes = read_file(exe);
  auto whole = read_elf(bytes, "bigpie");
  ASSERT_TRUE(whole) << whole.error().message;
  ASSERT_FALSE(whole->interpreter.empty());
  DiskFileSystem fs(dir.path());
  auto through_fs = read_elf_file(fs, "/bigpie");
  ASSERT_TRUE(through_fs) << through_fs.error().message;
  EXPECT_EQ(through_fs->interpreter, whole->interpreter);
  EXPECT_EQ(through_fs->needed, whole->needed);
  EXPECT_EQ(through_fs->version_needs, whole->version_needs);

  // The C library this test itself runs on.
  std::string libc = run("cc -print-file-name=libc.so.6");
  while (!libc.empty() && libc.back() == '\n') libc.pop_back();
  ASSERT_TRUE(libc.starts_with("/")) << libc;
  std::string libc_bytes = read_file(libc);
  auto libc_whole = read_elf(libc_bytes, libc);
  ASSERT_TRUE(libc_whole) << libc_whole.error().message;
  DiskFileSystem host("/");
  auto libc_fs = read_elf_file(host, libc);
  ASSERT_TRUE(libc_fs) << libc_fs.error().message;
  EXPECT_EQ(libc_fs->interpreter, libc_whole->interpreter);
  EXPECT_EQ(libc_fs->soname, libc_whole->soname);
  EXPECT_EQ(libc_fs->version_defs, libc_whole->version_defs);
}

TEST_F(ElfReaderBuilt, EveryTruncationIsAnErrorOrAResultNeverACrash) {
  std::string bytes = read_file(dir / "libmid.so");
  std::size_t ok = 0;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto info = read_elf(std::string_view(bytes).substr(0, n), "t.so");
    if (info) {
      ++ok;
    } else {
      EXPECT_TRUE(info.error().message.starts_with("t.so: ")) << info.error().message;
    }
  }
  EXPECT_GT(ok, 0u);
}

TEST_F(ElfReaderBuilt, ReadElfFileReadsThroughTheFileSystem) {
  DiskFileSystem fs(dir.path());
  auto info = read_elf_file(fs, "/libmid.so");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->soname, "libmid.so");
  auto missing = read_elf_file(fs, "/nope.so");
  ASSERT_FALSE(missing);
}

// Libraries with megabytes of code keep PT_DYNAMIC (in the RW segment) after
// it: numpy's _multiarray_umath has it at 4.3 MiB, past an image's prefix.
TEST_F(ElfReaderBuilt, DynamicTableBeyondThePrefix) {
  std::string big = dir / "libbig.so";
  ASSERT_EQ(compile("#include <stdio.h>\nconst char big[5 << 20] = {1};\n"
                    "void g(void) { puts(big); }\n",
                    big, "-shared -Wl,--no-as-needed -Wl,-soname,libbig.so -L" + dir.path() + " -l:libbase.so.1"),
            "");
  std::string bytes = read_file(big);
  ASSERT_GT(bytes.size(), kElfPrefixBytes);
  auto range = elf_dynamic_range(bytes.substr(0, 4096));
  ASSERT_TRUE(range);
  ASSERT_GT(range->offset, kElfPrefixBytes);

  std::string_view prefix = std::string_view(bytes).substr(0, kElfPrefixBytes);
  EXPECT_EQ(read_elf(prefix, "libbig.so").error().message,
            "libbig.so: dynamic section beyond the first 4194304 bytes");
  auto windowed = read_elf(prefix, range->offset, std::string_view(bytes).substr(range->offset, range->size),
                           "libbig.so");
  ASSERT_TRUE(windowed) << windowed.error().message;
  EXPECT_EQ(windowed->soname, "libbig.so");
  EXPECT_EQ(windowed->needed, (std::vector<std::string>{"libbase.so.1", "libc.so.6"}));

  DiskFileSystem fs(dir.path());
  auto streamed = read_elf_file(fs, "/libbig.so");
  ASSERT_TRUE(streamed) << streamed.error().message;
  EXPECT_EQ(streamed->needed, windowed->needed);
  EXPECT_EQ(streamed->version_needs, windowed->version_needs);
}

/// A FileSystem that, like an image keeping only ELF prefixes, cannot stream files.
class PrefixOnlyFileSystem final : public FileSystem {
 public:
  explicit PrefixOnlyFileSystem(std::string root) : live_(std::move(root)) {}
  Result<FileStat> stat(std::string_view p) const override { return live_.stat(p); }
  Result<FileStat> lstat(std::string_view p) const override { return live_.lstat(p); }
  Result<std::vector<DirEntry>> list(std::string_view d) const override { return live_.list(d); }
  Result<std::string> read(std::string_view p, std::uint64_t n) const override { return live_.read(p, n); }
  Result<std::string> read_prefix(std::string_view p, std::uint64_t n) const override {
    return live_.read_prefix(p, std::min(n, kElfPrefixBytes));
  }
  Result<std::string> readlink(std::string_view p) const override { return live_.readlink(p); }
  Result<std::string> realpath(std::string_view p) const override { return live_.realpath(p); }
  Result<void> read_chunks(std::string_view p, const std::function<void(const char*, std::size_t)>&) const override {
    return fail(std::string(p) + ": not retained");
  }
  std::string describe() const override { return "prefix-only"; }

 private:
  DiskFileSystem live_;
};

TEST_F(ElfReaderBuilt, WithoutTheWindowTheErrorNamesThePrefix) {
  ASSERT_EQ(compile("const char big[5 << 20] = {1};\nconst char* g(void) { return big; }\n", dir / "libbig.so",
                    "-shared"),
            "");
  PrefixOnlyFileSystem fs(dir.path());
  EXPECT_EQ(read_elf_file(fs, "/libbig.so").error().message,
            "/libbig.so: dynamic section beyond the first 4194304 bytes");
}

/// Counts the bytes read through it: read_elf_file and find_elf_section
/// promise to read parts of large objects, not the whole file.
class CountingFileSystem final : public FileSystem {
 public:
  explicit CountingFileSystem(std::string root) : live_(std::move(root)) {}
  Result<FileStat> stat(std::string_view p) const override { return live_.stat(p); }
  Result<FileStat> lstat(std::string_view p) const override { return live_.lstat(p); }
  Result<std::vector<DirEntry>> list(std::string_view d) const override { return live_.list(d); }
  Result<std::string> read(std::string_view p, std::uint64_t n) const override { return count(live_.read(p, n)); }
  Result<std::string> read_prefix(std::string_view p, std::uint64_t n) const override {
    return count(live_.read_prefix(p, n));
  }
  Result<std::string> read_at(std::string_view p, std::uint64_t offset, std::uint64_t n) const override {
    return count(live_.read_at(p, offset, n));
  }
  Result<std::string> readlink(std::string_view p) const override { return live_.readlink(p); }
  Result<std::string> realpath(std::string_view p) const override { return live_.realpath(p); }
  Result<void> read_chunks(std::string_view p,
                           const std::function<void(const char*, std::size_t)>& sink) const override {
    return live_.read_chunks(p, [&](const char* data, std::size_t n) {
      bytes_read += n;
      sink(data, n);
    });
  }
  std::string describe() const override { return "counting"; }
  mutable std::uint64_t bytes_read = 0;

 private:
  Result<std::string> count(Result<std::string> r) const {
    if (r) bytes_read += r->size();
    return r;
  }
  DiskFileSystem live_;
};

// A library whose string and version tables run past the first read (3000
// exported names, as in libstdc++) and whose PT_DYNAMIC sits after 2 MB of
// code: read_elf_file reads up to the code plus the dynamic window, and gets
// what the whole file gives.
TEST_F(ElfReaderBuilt, TablesPastTheFirstReadDynamicPastTheCode) {
  std::string source = "const char big[2 << 20] = {1};\n";
  for (int i = 0; i < 3000; ++i) {
    source += "int exported_function_with_a_long_name_number_" + std::to_string(i) + "(void) { return big[" +
              std::to_string(i) + "]; }\n";
  }
  write_file(dir / "many.map", "MANY_1.0 { global: *; };\n");
  std::string lib = dir / "libmany.so";
  ASSERT_EQ(compile(source, lib,
                    "-shared -Wl,-soname,libmany.so -Wl,--version-script=" + (dir / "many.map") + " -L" +
                        dir.path() + " -Wl,--no-as-needed -l:libbase.so.1"),
            "");
  std::string bytes = read_file(lib);
  auto whole = read_elf(bytes, "libmany.so");
  ASSERT_TRUE(whole) << whole.error().message;
  ASSERT_FALSE(read_elf(std::string_view(bytes).substr(0, 64 << 10), "libmany.so"));  // tables past 64 KiB

  CountingFileSystem fs(dir.path());
  auto info = read_elf_file(fs, "/libmany.so");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->soname, "libmany.so");
  EXPECT_EQ(info->needed, whole->needed);
  EXPECT_EQ(info->version_defs, (std::vector<std::string>{"MANY_1.0"}));
  EXPECT_EQ(info->version_needs, whole->version_needs);
  EXPECT_LT(fs.bytes_read, bytes.size() / 2);
}

TEST_F(ElfReaderBuilt, FindsSectionsByName) {
  std::string bytes = read_file(dir / "libmid.so");
  CountingFileSystem fs(dir.path());
  auto comment = find_elf_section(fs, "/libmid.so", ".comment");
  EXPECT_TRUE(comment.headers_read);
  ASSERT_TRUE(comment.range);
  EXPECT_TRUE(bytes.substr(comment.range->offset, comment.range->size).starts_with("GCC: ("));
  auto dynamic = find_elf_section(fs, "/libmid.so", ".dynamic");
  ASSERT_TRUE(dynamic.range);
  EXPECT_EQ(dynamic.range->offset, elf_dynamic_range(bytes)->offset);
  EXPECT_LT(fs.bytes_read, bytes.size());

  auto nope = find_elf_section(fs, "/libmid.so", ".nope");
  EXPECT_TRUE(nope.headers_read);
  EXPECT_FALSE(nope.range);
  EXPECT_FALSE(find_elf_section(fs, "/libmid.so", ".dyn").range);  // a prefix of a name is not the name

  // A section without bytes in the file (SHT_NOBITS) has no range.
  ASSERT_EQ(compile("int counter[1000];\nint* f(void) { return counter; }\n", dir / "libbss.so", "-shared"), "");
  auto bss = find_elf_section(fs, "/libbss.so", ".bss");
  EXPECT_TRUE(bss.headers_read);
  EXPECT_FALSE(bss.range);
}

TEST_F(ElfReaderBuilt, SectionHeadersThatCannotBeRead) {
  std::string bytes = read_file(dir / "libmid.so");
  std::uint64_t shoff = 0;
  for (int i = 7; i >= 0; --i) shoff = (shoff << 8) | static_cast<std::uint8_t>(bytes[40 + i]);
  ASSERT_GT(shoff, 0u);
  write_file(dir / "cut.so", bytes.substr(0, shoff + 10));  // the table cut short
  std::string none = bytes;
  for (int i = 40; i < 48; ++i) none[i] = 0;  // e_shoff
  none[60] = none[61] = none[62] = none[63] = 0;  // e_shnum, e_shstrndx
  write_file(dir / "none.so", none);
  std::string bad_names = bytes;
  bad_names[62] = static_cast<char>(0xff);  // e_shstrndx past the table
  bad_names[63] = static_cast<char>(0xfe);
  write_file(dir / "badnames.so", bad_names);
  std::string wide = bytes;
  wide[58] = wide[59] = static_cast<char>(0xff);  // e_shentsize 65535: a 2 MiB table for 32 sections
  wide[60] = 32;
  wide[61] = 0;
  wide[62] = 1;
  wide[63] = 0;
  write_file(dir / "wide.so", wide);
  write_file(dir / "short", "\x7f" "ELF\x02\x01");
  DiskFileSystem fs(dir.path());
  for (const char* file : {"/cut.so", "/none.so", "/badnames.so", "/wide.so", "/short", "/missing.so"}) {
    auto found = find_elf_section(fs, file, ".comment");
    EXPECT_FALSE(found.headers_read) << file;
    EXPECT_FALSE(found.range) << file;
  }
  // A filesystem that can only give prefixes (an image) reads no section headers.
  PrefixOnlyFileSystem prefix_only(dir.path());
  EXPECT_FALSE(find_elf_section(prefix_only, "/libmid.so", ".comment").headers_read);
}

TEST(ElfReader, DynamicRangeNeedsProgramHeaders) {
  EXPECT_FALSE(elf_dynamic_range("not elf"));
  SynthSpec spec;
  spec.needed = {"libc.so.6"};
  std::string elf = build_elf(spec);
  auto range = elf_dynamic_range(elf);
  ASSERT_TRUE(range);
  EXPECT_EQ(range->offset + range->size, elf.size());
  EXPECT_FALSE(elf_dynamic_range(elf.substr(0, 100)));  // the program headers are cut off
  spec.program_dynamic = false;
  EXPECT_FALSE(elf_dynamic_range(build_elf(spec)));
}

struct Layout {
  bool is64, little;
};

class ElfReaderSynthetic : public ::testing::TestWithParam<Layout> {};

TEST_P(ElfReaderSynthetic, ReadsEveryClassAndByteOrder) {
  SynthSpec spec;
  spec.is64 = GetParam().is64;
  spec.little = GetParam().little;
  spec.machine = kEmAarch64;
  spec.soname = "libsynth.so.2";
  spec.needed = {"libz.so.1", "libc.so.6"};
  spec.rpath = "/r1:$ORIGIN/../lib";
  spec.flags_1 = kDf1Nodeflib;
  spec.verneed = {{"libc.so.6", {"GLIBC_2.17", "GLIBC_2.34"}}, {"libz.so.1", {"ZLIB_1.2.9"}}};
  auto info = read_elf(build_elf(spec), "synth");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->elf_class, spec.is64 ? 64 : 32);
  EXPECT_EQ(info->little_endian, spec.little);
  EXPECT_EQ(info->machine, kEmAarch64);
  EXPECT_EQ(info->soname, "libsynth.so.2");
  EXPECT_EQ(info->needed, spec.needed);
  EXPECT_EQ(info->rpath, (std::vector<std::string>{"/r1", "$ORIGIN/../lib"}));
  EXPECT_EQ(info->flags_1, kDf1Nodeflib);
  EXPECT_EQ(info->version_needs, (std::vector<std::string>{"GLIBC_2.17", "GLIBC_2.34", "ZLIB_1.2.9"}));
  EXPECT_EQ(info->version_needs_by_file.at("libz.so.1"), std::vector<std::string>{"ZLIB_1.2.9"});
}

TEST_P(ElfReaderSynthetic, FallsBackToSectionHeadersWithoutPtDynamic) {
  SynthSpec spec;
  spec.is64 = GetParam().is64;
  spec.little = GetParam().little;
  spec.needed = {"libm.so.6"};
  spec.program_dynamic = false;
  auto no_sections = read_elf(build_elf(spec), "synth");
  ASSERT_TRUE(no_sections);
  EXPECT_FALSE(no_sections->has_dynamic);  // looks statically linked
  spec.sections = true;
  auto info = read_elf(build_elf(spec), "synth");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_TRUE(info->has_dynamic);
  EXPECT_EQ(info->needed, spec.needed);
}

INSTANTIATE_TEST_SUITE_P(Layouts, ElfReaderSynthetic,
                         ::testing::Values(Layout{true, true}, Layout{true, false},
                                           Layout{false, true}, Layout{false, false}));

TEST(ElfReader, ExactErrors) {
  EXPECT_EQ(read_elf("", "a.so").error().message, "a.so: not an ELF file");
  EXPECT_EQ(read_elf("#!/bin/sh\n", "a.so").error().message, "a.so: not an ELF file");
  EXPECT_EQ(read_elf(std::string("\x7f" "ELF\x02\x01", 6), "a.so").error().message,
            "a.so: truncated ELF header");
  EXPECT_EQ(read_elf(std::string("\x7f" "ELF\x03\x01", 6) + std::string(60, '\0'), "a.so").error().message,
            "a.so: unsupported ELF class 3");
  EXPECT_EQ(read_elf(std::string("\x7f" "ELF\x02\x07", 6) + std::string(60, '\0'), "a.so").error().message,
            "a.so: unsupported ELF data encoding 7");
  EXPECT_EQ(read_elf(std::string("\x7f" "ELF\x02\x01", 6) + std::string(30, '\0'), "a.so").error().message,
            "a.so: truncated ELF header");

  SynthSpec spec;
  spec.needed = {"libc.so.6"};
  std::string elf = build_elf(spec);
  std::string bad_phoff = elf;
  bad_phoff[32] = '\x70';
  bad_phoff[33] = '\x70';
  EXPECT_EQ(read_elf(bad_phoff, "a.so").error().message,
            "a.so: program headers beyond the first " + std::to_string(elf.size()) + " bytes");
  std::string bad_phentsize = elf;
  bad_phentsize[54] = 8;
  EXPECT_EQ(read_elf(bad_phentsize, "a.so").error().message, "a.so: bad program header size 8");
}

TEST(ElfReader, BadDynamicData) {
  SynthSpec spec;
  spec.needed = {"libc.so.6"};
  std::string elf = build_elf(spec);
  // The last DT_STRTAB/DT_STRSZ pair sits right before DT_NULL: corrupt DT_STRTAB's address.
  std::size_t dyn_end = elf.size() - 16;
  std::size_t strtab_entry = dyn_end - 32;
  ASSERT_EQ(elf[strtab_entry], 5);
  std::string bad = elf;
  bad[strtab_entry + 8 + 4] = 0x7f;
  EXPECT_EQ(read_elf(bad, "a.so").error().message,
            "a.so: DT_STRTAB address 0x7f000100b0 is in no loaded segment");
  // DT_NEEDED pointing past DT_STRSZ.
  bad = elf;
  ASSERT_EQ(bad[dyn_end - 48], 1);
  bad[dyn_end - 48 + 8] = 0x60;
  EXPECT_EQ(read_elf(bad, "a.so").error().message, "a.so: string offset 0x60 outside the string table");
}

TEST(ElfReader, LooksLikeElf) {
  EXPECT_TRUE(looks_like_elf(std::string("\x7f" "ELF\x02", 5)));
  EXPECT_FALSE(looks_like_elf("\x7f" "EL"));
  EXPECT_FALSE(looks_like_elf("MZ\x90"));
}

TEST(ElfReader, MachineNames) {
  EXPECT_EQ(machine_name(kEmX86_64, 64, true), "x86_64");
  EXPECT_EQ(machine_name(kEmAarch64, 64, true), "aarch64");
  EXPECT_EQ(machine_name(kEmPpc64, 64, true), "ppc64le");
  EXPECT_EQ(machine_name(9999, 64, true), "");
}

}  // namespace
}  // namespace envlock::scanner
