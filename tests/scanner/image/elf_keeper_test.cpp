#include "scanner/image/elf_keeper.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "scanner/native/elf_reader.hpp"
#include "scanner/image/image_filesystem.hpp"
#include "scanner/support/image_builder.hpp"
#include "scanner/image/wanted_files.hpp"

namespace envlock::scanner {
namespace {

using namespace envlock::testing;

// Compiles a shared object with 1 MB of code, a soname, an rpath, version
// needs (libc, libm) and version definitions.
std::string build_library(const TempDir& tmp, const std::string& name, const std::string& extra_flags,
                          int code_mb = 1) {
  write_file(tmp / "lib.c",
             "#include <math.h>\n#include <stdio.h>\n"
             "__asm__(\".text\\n.globl pad\\npad: .fill " + std::to_string(code_mb << 20) + ",1,0x90\\n\");\n"
             "double f(double x) { printf(\"%f\", x); return cos(x); }\n");
  write_file(tmp / "lib.map", "V1 { global: f; pad; local: *; };\n");
  std::string out = tmp / name;
  std::string cmd = "cc -shared -fPIC -O0 -o " + out + " " + (tmp / "lib.c") + " -Wl,-soname," + name +
                    " -Wl,-rpath,/opt/lib -Wl,--version-script=" + (tmp / "lib.map") + " " + extra_flags +
                    " -lm 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return read_file(out);
}

std::string assemble(const ElfKeeper::Outcome& o) {
  std::string out(o.extent, '\0');
  for (const auto& p : o.pieces) {
    if (p.offset >= out.size()) break;  // ranges past the prefix
    std::size_t n = std::min(p.bytes.size(), out.size() - p.offset);
    out.replace(p.offset, n, p.bytes, 0, n);
  }
  return out;
}

std::uint64_t kept(const ElfKeeper::Outcome& o) {
  std::uint64_t n = 0;
  for (const auto& p : o.pieces) n += p.bytes.size();
  return n;
}

void expect_same_elf(const std::string& full, const std::string& sparse) {
  auto a = read_elf(full, "x");
  auto b = read_elf(sparse, "x");
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(a->soname, b->soname);
  EXPECT_EQ(a->needed, b->needed);
  EXPECT_EQ(a->rpath, b->rpath);
  EXPECT_EQ(a->runpath, b->runpath);
  EXPECT_EQ(a->version_needs, b->version_needs);
  EXPECT_EQ(a->version_defs, b->version_defs);
  EXPECT_EQ(a->version_needs_by_file, b->version_needs_by_file);
  EXPECT_EQ(a->machine, b->machine);
  EXPECT_FALSE(b->needed.empty());
  EXPECT_FALSE(b->version_needs.empty());
  EXPECT_EQ(b->version_defs, (std::vector<std::string>{"V1"}));
}

ElfKeeper::Outcome keep(const std::string& bytes, std::size_t chunk, bool trim = true) {
  ElfKeeper k(bytes.size(), kElfPrefixBytes, trim);
  for (std::size_t i = 0; i < bytes.size(); i += chunk) k.feed(std::string_view(bytes).substr(i, chunk));
  return k.finish();
}

TEST(ElfKeeper, KeepsOnlyWhatTheReaderNeeds) {
  TempDir tmp;
  std::string lib = build_library(tmp, "libkeep.so.1", "-Wl,-z,separate-code");
  ASSERT_GT(lib.size(), 256u << 10);
  for (std::size_t chunk : {1u << 20, 4096u, 13u}) {
    auto o = keep(lib, chunk);
    EXPECT_TRUE(o.complete);
    EXPECT_EQ(o.extent, lib.size());
    EXPECT_LT(kept(o), lib.size() / 4) << "chunk " << chunk;
    expect_same_elf(lib, assemble(o));
  }
}

TEST(ElfKeeper, OldLayoutKeepsThePlainPrefix) {
  TempDir tmp;
  std::string lib = build_library(tmp, "libold.so", "-Wl,-z,noseparate-code");
  auto o = keep(lib, 65536);
  EXPECT_TRUE(o.complete);
  expect_same_elf(lib, assemble(o));
  EXPECT_EQ(kept(keep(lib, 65536, false)), lib.size());
}

TEST(ElfKeeper, SmallOrMalformedObjectsAreKeptWhole) {
  std::string tiny = std::string("\x7f" "ELF\x02\x01\x01", 7) + std::string(1000, '\0');
  auto o = keep(tiny, 100);
  EXPECT_EQ(kept(o), tiny.size());
  std::string junk = std::string("\x7f" "ELF\x02\x01\x01", 7) + std::string(300000, '\xff');
  o = keep(junk, 4096);
  EXPECT_TRUE(o.complete);
  EXPECT_EQ(assemble(o), junk);
}

TEST(ElfKeeper, ImageServesTheTrimmedObjectToTheElfReader) {
  TempDir tmp;
  std::string lib = build_library(tmp, "libimg.so.2", "");
  ImageSpec spec;
  spec.layers = {{{file("usr/lib/libimg.so.2", lib)}, Compression::kGzip}};
  write_oci_layout(tmp / "layout", spec);
  auto img = open_image(tmp / "layout", {});
  ASSERT_TRUE(img) << img.error().message;
  auto info = read_elf_file(*img->fs, "/usr/lib/libimg.so.2");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->soname, "libimg.so.2");
  auto paths = info->rpath;
  paths.insert(paths.end(), info->runpath.begin(), info->runpath.end());
  EXPECT_EQ(paths, (std::vector<std::string>{"/opt/lib"}));
  EXPECT_EQ(*img->fs->sha256("/usr/lib/libimg.so.2"), sha256_hex(lib));
  EXPECT_EQ(img->fs->read_prefix("/usr/lib/libimg.so.2", 4)->substr(0, 4), "\x7f" "ELF");
  EXPECT_EQ(img->fs->read("/usr/lib/libimg.so.2").error().message,
            "image:" + (tmp / "layout") + ":/usr/lib/libimg.so.2: content not retained while streaming the image "
                                          "(only files listed in scanner/image/wanted_files.hpp are kept)");
}

TEST(ElfKeeper, DynamicTablePastThePrefixIsKeptForReadAt) {
  TempDir tmp;
  std::string lib = build_library(tmp, "libbig.so", "", 6);
  ASSERT_GT(lib.size(), kElfPrefixBytes);
  auto range = elf_dynamic_range(lib.substr(0, 64 << 10));
  ASSERT_TRUE(range);
  ASSERT_GT(range->offset, kElfPrefixBytes);
  ImageSpec spec;
  spec.layers = {{{file("usr/lib/libbig.so", lib)}, Compression::kZstd}};
  write_oci_layout(tmp / "layout", spec);
  auto img = open_image(tmp / "layout", {});
  ASSERT_TRUE(img) << img.error().message;
  const auto& fs = dynamic_cast<const ImageFileSystem&>(*img->fs);
  auto prefix = fs.read_prefix("/usr/lib/libbig.so", kElfPrefixBytes);
  auto window = fs.read_at("/usr/lib/libbig.so", range->offset, range->size);
  ASSERT_TRUE(prefix && window) << (window ? prefix.error().message : window.error().message);
  EXPECT_EQ(*window, lib.substr(range->offset, range->size));
  auto info = read_elf(*prefix, range->offset, *window, "libbig.so");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->soname, "libbig.so");
  EXPECT_FALSE(info->version_needs.empty());
  // The ELF reader asks for that window through the FileSystem interface.
  auto through_fs = read_elf_file(*img->fs, "/usr/lib/libbig.so");
  ASSERT_TRUE(through_fs) << through_fs.error().message;
  EXPECT_EQ(through_fs->needed, info->needed);
  EXPECT_EQ(through_fs->version_needs, info->version_needs);
  EXPECT_EQ(fs.read_at("/usr/lib/libbig.so", kElfPrefixBytes + 10, 4).error().message,
            "image:" + (tmp / "layout") + ":/usr/lib/libbig.so: content not retained while streaming the image "
                                          "(only files listed in scanner/image/wanted_files.hpp are kept)");
}

}  // namespace
}  // namespace envlock::scanner
