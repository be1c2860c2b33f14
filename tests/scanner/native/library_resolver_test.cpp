#include "scanner/native/library_resolver.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/support/native_build.hpp"
#include "scanner/support/synthetic_elf.hpp"

namespace envlock::scanner {
namespace {

using native_test::build_elf;
using native_test::compile;
using native_test::run;
using native_test::SynthSpec;
using native_test::TempDir;
using native_test::write_file;
using Pairs = std::vector<std::pair<std::string, std::string>>;

/// A C library named by soname that calls libc (so ldd lists a closure) and
/// every library in `needs` (linked with -l:name from `link_dirs`).
std::string make_lib(const std::string& path, const std::string& soname,
                     const std::vector<std::string>& needs = {}, const std::string& extra = "",
                     const std::string& link_dirs = "") {
  std::string src = "#include <stdio.h>\nvoid f_" + std::to_string(std::hash<std::string>{}(path) % 100000) +
                    "(void) { puts(\"x\"); }\n";
  std::string flags = "-shared -Wl,--no-as-needed -Wl,-soname," + soname + " " + link_dirs;
  for (const auto& n : needs) flags += " -l:" + n;
  return compile(src, path, flags + " " + extra);
}

/// The "name => path" lines of ldd, in its order; "not found" as "".
Pairs ldd(const std::string& path, const std::string& ld_library_path = "") {
  std::string env = "env -i PATH=/usr/bin:/bin ";
  if (!ld_library_path.empty()) env += "LD_LIBRARY_PATH='" + ld_library_path + "' ";
  std::istringstream out(run(env + "ldd '" + path + "' 2>&1"));
  std::regex found(R"(^\s+(\S+) => (\S+) \(0x[0-9a-f]+\)$)");
  std::regex missing(R"(^\s+(\S+) => not found$)");
  Pairs pairs;
  for (std::string line; std::getline(out, line);) {
    std::smatch m;
    if (std::regex_match(line, m, found)) pairs.emplace_back(m[1], m[2]);
    else if (std::regex_match(line, m, missing)) pairs.emplace_back(m[1], "");
  }
  return pairs;
}

/// Our closure in ldd's form: every loaded object but the root and the loader.
Pairs closure(LibraryResolver& resolver, const std::string& path) {
  auto objects = resolver.load_closure(path);
  EXPECT_TRUE(objects) << objects.error().message;
  Pairs pairs;
  if (!objects) return pairs;
  for (std::size_t i = 1; i < objects->size(); ++i) {
    const auto& o = (*objects)[i];
    if (!o.interpreter) pairs.emplace_back(o.name, o.path);
  }
  return pairs;
}

void expect_like_ldd(const std::string& path, const std::string& ld_library_path = "",
                     bool may_be_empty = false) {
  SCOPED_TRACE(path);
  DiskFileSystem fs("/");
  std::vector<std::string> llp;
  if (!ld_library_path.empty()) llp.push_back(ld_library_path);
  LibraryResolver resolver(fs, llp);
  Pairs want = ldd(path, ld_library_path);
  if (!may_be_empty) {
    ASSERT_FALSE(want.empty()) << run("ldd '" + path + "' 2>&1");
  }
  EXPECT_EQ(closure(resolver, path), want);
}

class LibraryResolverHost : public ::testing::Test {
 protected:
  std::string d(const std::string& rel) { return dir / rel; }
  TempDir dir;
};

TEST_F(LibraryResolverHost, RunpathWithOriginAndTheSystemLibraries) {
  ASSERT_EQ(make_lib(d("app/lib/libleaf.so.1"), "libleaf.so.1"), "");
  ASSERT_EQ(make_lib(d("app/lib/libmid.so"), "libmid.so", {"libleaf.so.1"}, "-Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN'",
                     "-L" + d("app/lib")),
            "");
  ASSERT_EQ(make_lib(d("app/top.so"), "top.so", {"libmid.so"}, "-Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/lib'",
                     "-L" + d("app/lib")),
            "");
  expect_like_ldd(d("app/top.so"));
  expect_like_ldd(d("app/lib/libmid.so"));
  expect_like_ldd(d("app/lib/libleaf.so.1"));

  DiskFileSystem fs("/");
  LibraryResolver resolver(fs, {});
  auto objects = resolver.load_closure(d("app/top.so"));
  ASSERT_TRUE(objects);
  EXPECT_EQ((*objects)[0].resolved.at("libmid.so"), d("app/lib/libmid.so"));
  EXPECT_NE((*objects)[0].resolved.at("libc.so.6"), "");
  std::string error;
  const ElfInfo* top = resolver.parsed(d("app/top.so"), &error);
  ASSERT_NE(top, nullptr) << error;
  EXPECT_EQ(resolver.resolve(*top, d("app/top.so"), "libmid.so").value(), d("app/lib/libmid.so"));
  EXPECT_EQ(resolver.resolve(*top, d("app/top.so"), "libnothere.so.9").value(), "");
  EXPECT_EQ(resolver.resolve(*top, d("app/top.so"), "").error().message, d("app/top.so") + ": empty DT_NEEDED name");
}

TEST_F(LibraryResolverHost, EveryObjectOfACxxClosureAgreesWithLdd) {
  ASSERT_EQ(compile("#include <string>\nstd::string g(const char* s) { return std::string(s) + \"x\"; }\n",
                    d("libcxx.so"), "-shared", "c++"),
            "");
  DiskFileSystem fs("/");
  LibraryResolver resolver(fs, {});
  auto objects = resolver.load_closure(d("libcxx.so"));
  ASSERT_TRUE(objects);
  EXPECT_GE(objects->size(), 4u);  // libstdc++, libm, libgcc_s, libc at least
  for (const auto& o : *objects) {
    ASSERT_NE(o.path, "") << o.name;
    expect_like_ldd(o.path, "", true);
  }
}

TEST_F(LibraryResolverHost, RpathComesBeforeLdLibraryPathAndRunpathAfter) {
  ASSERT_EQ(make_lib(d("r/libdep.so"), "libdep.so"), "");
  ASSERT_EQ(make_lib(d("llp/libdep.so"), "libdep.so"), "");
  ASSERT_EQ(make_lib(d("with_rpath.so"), "with_rpath.so", {"libdep.so"},
                     "-Wl,--disable-new-dtags -Wl,-rpath," + d("r"), "-L" + d("r")),
            "");
  ASSERT_EQ(make_lib(d("with_runpath.so"), "with_runpath.so", {"libdep.so"},
                     "-Wl,--enable-new-dtags -Wl,-rpath," + d("r"), "-L" + d("r")),
            "");
  expect_like_ldd(d("with_rpath.so"), d("llp"));
  expect_like_ldd(d("with_runpath.so"), d("llp"));
  expect_like_ldd(d("with_runpath.so"), d("nothing") + ":" + d("llp"));
  EXPECT_EQ(ldd(d("with_rpath.so"), d("llp"))[0].second, d("r/libdep.so"));
  EXPECT_EQ(ldd(d("with_runpath.so"), d("llp"))[0].second, d("llp/libdep.so"));
}

TEST_F(LibraryResolverHost, RpathIsInheritedDownTheChainRunpathIsNot) {
  ASSERT_EQ(make_lib(d("deep/libleaf.so"), "libleaf.so"), "");
  ASSERT_EQ(make_lib(d("mid/libmid.so"), "libmid.so", {"libleaf.so"}, "", "-L" + d("deep")), "");
  for (const char* tags : {"--disable-new-dtags", "--enable-new-dtags"}) {
    std::string top = d(std::string("top") + tags + ".so");
    ASSERT_EQ(make_lib(top, "top.so", {"libmid.so"},
                       std::string("-Wl,") + tags + " -Wl,-rpath," + d("mid") + ":" + d("deep"), "-L" + d("mid")),
              "");
    expect_like_ldd(top);
  }
  // With RUNPATH the leaf is not found: ldd says so, and so do we.
  Pairs runpath = ldd(d("top--enable-new-dtags.so"));
  EXPECT_NE(std::find(runpath.begin(), runpath.end(), std::pair<std::string, std::string>{"libleaf.so", ""}),
            runpath.end());
}

TEST_F(LibraryResolverHost, AlreadyLoadedSonamesAreReused) {
  ASSERT_EQ(make_lib(d("one/libq.so.1"), "libq.so.1"), "");
  ASSERT_EQ(make_lib(d("two/libq.so.1"), "libq.so.1"), "");
  ASSERT_EQ(make_lib(d("two/libmid.so"), "libmid.so", {"libq.so.1"}, "-Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN'",
                     "-L" + d("two")),
            "");
  ASSERT_EQ(make_lib(d("stub/libmissing.so.7"), "libmissing.so.7"), "");
  ASSERT_EQ(make_lib(d("top.so"), "top.so", {"libq.so.1", "libmid.so", "libmissing.so.7"},
                     "-Wl,--enable-new-dtags -Wl,-rpath," + d("one") + ":" + d("two"),
                     "-L" + d("one") + " -L" + d("two") + " -L" + d("stub")),
            "");
  expect_like_ldd(d("top.so"));
  DiskFileSystem fs("/");
  LibraryResolver resolver(fs, {});
  auto objects = resolver.load_closure(d("top.so"));
  ASSERT_TRUE(objects);
  const LoadedObject* mid = nullptr;
  for (const auto& o : *objects)
    if (o.name == "libmid.so") mid = &o;
  ASSERT_NE(mid, nullptr);
  // ld.so reuses the libq.so.1 already loaded from one/, though two/ is in libmid's RUNPATH.
  EXPECT_EQ(mid->resolved.at("libq.so.1"), d("one/libq.so.1"));
  EXPECT_EQ((*objects)[0].resolved.at("libmissing.so.7"), "");
}

TEST_F(LibraryResolverHost, WrongClassAndMachineCandidatesAreSkipped) {
  SynthSpec other_machine;
  other_machine.machine = kEmAarch64;
  other_machine.soname = "libw.so";
  SynthSpec other_class;
  other_class.is64 = sizeof(void*) != 8;
  other_class.machine = kEm386;
  other_class.soname = "libw.so";
  write_file(d("a/libw.so"), build_elf(other_machine));
  write_file(d("b/libw.so"), build_elf(other_class));
  ASSERT_EQ(make_lib(d("c/libw.so"), "libw.so"), "");
  ASSERT_EQ(make_lib(d("top.so"), "top.so", {"libw.so"},
                     "-Wl,--enable-new-dtags -Wl,-rpath," + d("a") + ":" + d("b") + ":" + d("c"), "-L" + d("c")),
            "");
  expect_like_ldd(d("top.so"));
  EXPECT_EQ(ldd(d("top.so"))[0].second, d("c/libw.so"));
}

TEST_F(LibraryResolverHost, ThirtyTwoBitObjectsWhenTheCompilerCanBuildThem) {
  if (!compile("int probe(void) { return 0; }\n", d("m32/probe.so"), "-m32 -shared").empty())
    GTEST_SKIP() << "cc -m32 does not work here";
  ASSERT_EQ(make_lib(d("m32/lib/libdep32.so"), "libdep32.so", {}, "-m32"), "");
  ASSERT_EQ(make_lib(d("m32/top32.so"), "top32.so", {"libdep32.so"},
                     "-m32 -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/lib'", "-L" + d("m32/lib")),
            "");
  DiskFileSystem fs("/");
  LibraryResolver resolver(fs, {});
  const ElfInfo* info = resolver.parsed(d("m32/top32.so"));
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->elf_class, 32);
  expect_like_ldd(d("m32/top32.so"));
}

TEST_F(LibraryResolverHost, PlatformLibAndSymlinkedOrigin) {
  std::string platform = run("uname -m");
  platform.erase(platform.find_last_not_of('\n') + 1);
  std::string multiarch = run("gcc -print-multiarch");
  multiarch.erase(multiarch.find_last_not_of('\n') + 1);
  ASSERT_EQ(make_lib(d("real/" + platform + "/libp.so"), "libp.so"), "");
  ASSERT_EQ(make_lib(d("real/lib/" + multiarch + "/libl.so"), "libl.so"), "");
  ASSERT_EQ(make_lib(d("real/top.so"), "top.so", {"libp.so", "libl.so"},
                     "-Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/${PLATFORM}:$ORIGIN/$LIB'",
                     "-L" + d("real/" + platform) + " -L" + d("real/lib/" + multiarch)),
            "");
  expect_like_ldd(d("real/top.so"));
  // $ORIGIN is the directory of the path as found, not of the symlink target.
  std::filesystem::create_directories(d("elsewhere"));
  std::filesystem::create_symlink(d("real/top.so"), d("elsewhere/top.so"));
  expect_like_ldd(d("elsewhere/top.so"));
}

TEST_F(LibraryResolverHost, NodefaultlibSkipsCacheAndDefaultDirs) {
  ASSERT_EQ(make_lib(d("nodef.so"), "nodef.so", {}, "-Wl,-z,nodefaultlib"), "");
  expect_like_ldd(d("nodef.so"));
  EXPECT_EQ(ldd(d("nodef.so"))[0], (std::pair<std::string, std::string>{"libc.so.6", ""}));
}

// A root (not the host) with its own ld.so.cache, written by ldconfig -r, and
// an absolute symlink that must resolve inside the root.
TEST(LibraryResolverRoot, UsesTheTargetsCacheAndDefaultDirs) {
  TempDir root;
  ASSERT_EQ(make_lib(root / "opt/real/libf.so.1.2", "libf.so.1"), "");
  std::filesystem::create_directories(root / "opt/lib");
  std::filesystem::create_symlink("/opt/real/libf.so.1.2", root / "opt/lib/libf.so.1");
  ASSERT_EQ(make_lib(root / "usr/lib/libdef.so", "libdef.so"), "");
  ASSERT_EQ(make_lib(root / "app/top.so", "top.so", {"libf.so.1.2", "libdef.so", "libc.so.6"}, "",
                     "-L" + (root / "opt/real") + " -L" + (root / "usr/lib") + " -Wl,--no-as-needed"),
            "");
  write_file(root / "etc/ld.so.conf", "/opt/lib\n");
  int status = 0;
  run("ldconfig -X -C /etc/ld.so.cache -f /etc/ld.so.conf -r '" + root.path() + "' 2>&1", &status);
  if (status != 0) GTEST_SKIP() << "ldconfig -r needs root here";

  DiskFileSystem fs(root.path());
  LibraryResolver resolver(fs, {});
  EXPECT_EQ(resolver.cache_error(), "");
  auto objects = resolver.load_closure("/app/top.so");
  ASSERT_TRUE(objects) << objects.error().message;
  const auto& resolved = (*objects)[0].resolved;
  EXPECT_EQ(resolved.at("libf.so.1"), "/opt/lib/libf.so.1");
  EXPECT_EQ(resolved.at("libdef.so"), "/usr/lib/libdef.so");
  EXPECT_EQ(resolved.at("libc.so.6"), "");  // the root has no libc
  EXPECT_EQ(resolver.identity("/opt/lib/libf.so.1"), "/opt/real/libf.so.1.2");
}

TEST(LibraryResolverRoot, ABrokenCacheIsReportedAndSkipped) {
  // No multiarch directory: a 64-bit loader's default directories are /lib64 and /usr/lib64.
  if (sizeof(void*) != 8) GTEST_SKIP() << "needs a 64-bit compiler";
  TempDir root;
  write_file(root / "etc/ld.so.cache", "garbage");
  ASSERT_EQ(make_lib(root / "usr/lib64/libdef.so", "libdef.so"), "");
  ASSERT_EQ(make_lib(root / "top.so", "top.so", {"libdef.so"}, "", "-L" + (root / "usr/lib64")), "");
  DiskFileSystem fs(root.path());
  LibraryResolver resolver(fs, {});
  EXPECT_EQ(resolver.cache_error(), "/etc/ld.so.cache: not an ld.so cache");
  auto objects = resolver.load_closure("/top.so");
  ASSERT_TRUE(objects);
  EXPECT_EQ((*objects)[0].resolved.at("libdef.so"), "/usr/lib64/libdef.so");
  EXPECT_EQ(resolver.find_system("libdef.so", 0, 0), "/usr/lib64/libdef.so");
}

TEST(LibraryResolverRoot, TheRootMustBeElf) {
  TempDir root;
  write_file(root / "x.so", "not elf");
  DiskFileSystem fs(root.path());
  LibraryResolver resolver(fs, {});
  EXPECT_EQ(resolver.load_closure("/x.so").error().message, "/x.so: not an ELF file");
}

}  // namespace
}  // namespace envlock::scanner
