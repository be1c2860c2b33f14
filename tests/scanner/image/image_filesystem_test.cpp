// Layer semantics of the merged image view, one small image per edge case.

#include "scanner/image/image_filesystem.hpp"

#include <gtest/gtest.h>

#include "base/sha256.hpp"
#include "scanner/support/image_builder.hpp"
#include "scanner/image/wanted_files.hpp"

namespace envlock::scanner {
namespace {

using namespace envlock::testing;

class ImageFs : public ::testing::Test {
 protected:
  // Writes an OCI layout of `layers` (bottom first) and opens it.
  const FileSystem& open(std::vector<Layer> layers, ImageOptions opts = {}) {
    ImageSpec spec;
    spec.layers = std::move(layers);
    built_ = write_oci_layout(layout_, spec);
    auto img = open_image(layout_, opts);
    EXPECT_TRUE(img.has_value()) << (img ? "" : img.error().message);
    image_ = std::move(*img);
    return *image_.fs;
  }
  std::vector<std::string> names(const FileSystem& fs, const std::string& dir) {
    std::vector<std::string> out;
    auto list = fs.list(dir);
    EXPECT_TRUE(list.has_value()) << (list ? "" : list.error().message);
    if (list)
      for (const auto& e : *list) out.push_back(e.name);
    return out;
  }
  std::string error_of(const Result<std::string>& r) { return r ? "(ok)" : r.error().message; }
  std::string prefix() const { return "image:" + layout_ + ":"; }

  TempDir tmp_;
  std::string layout_ = tmp_ / "layout";
  BuiltImage built_;
  OpenedImage image_;
};

const std::string kMeta = "/usr/lib/python3/dist-packages/foo-1.0.dist-info/METADATA";

TEST_F(ImageFs, HeadersOfEverythingContentOfWantedFiles) {
  const auto& fs = open({{{dir("etc"), file("etc/os-release", "ID=debian\n"), file("etc/big.bin", "payload", 0600),
                           file(kMeta.substr(1), "Name: foo\n")}}});
  EXPECT_EQ(names(fs, "/"), (std::vector<std::string>{"etc", "usr"}));
  EXPECT_EQ(names(fs, "/etc"), (std::vector<std::string>{"big.bin", "os-release"}));
  EXPECT_EQ(*fs.read("/etc/os-release"), "ID=debian\n");
  EXPECT_EQ(*fs.read(kMeta), "Name: foo\n");
  auto st = fs.stat("/etc/big.bin");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->type, FileType::kRegular);
  EXPECT_EQ(st->size, 7u);
  EXPECT_EQ(st->mode & 07777, 0600u);
  EXPECT_EQ(st->mtime_ns, 1'700'000'000ll * 1'000'000'000);
  EXPECT_EQ(error_of(fs.read("/etc/big.bin")),
            prefix() + "/etc/big.bin: content not retained while streaming the image (only files "
                       "listed in scanner/image/wanted_files.hpp are kept)");
  EXPECT_EQ(*fs.sha256("/etc/big.bin"), sha256_hex("payload"));
  EXPECT_EQ(*fs.sha256("/etc/os-release"), sha256_hex("ID=debian\n"));
  EXPECT_TRUE(fs.is_dir("/usr/lib/python3"));  // implicit parents
  EXPECT_EQ(error_of(fs.read("/etc/none")), prefix() + "/etc/none: no such file or directory");
  EXPECT_EQ(image_.identity.manifest_digest, built_.manifest_digest);
  EXPECT_EQ(image_.identity.config_digest, built_.config_digest);
  EXPECT_EQ(image_.identity.layers, built_.diff_ids);
  EXPECT_EQ(image_.identity.platform, "linux/amd64");
  EXPECT_EQ(image_.identity.tags, (std::vector<std::string>{"latest"}));
  EXPECT_EQ(image_.env, (std::vector<std::string>{"PATH=/usr/bin"}));
}

TEST_F(ImageFs, WhiteoutHidesALowerFileAndSubtree) {
  const auto& fs = open({
      {{file("a/x", "1"), file("a/y", "2"), file("d/sub/deep", "3"), file("d/keep", "4")}},
      {{whiteout("a", "x"), whiteout("", "d"), file("d/new", "5")}},
  });
  EXPECT_EQ(names(fs, "/a"), (std::vector<std::string>{"y"}));
  EXPECT_FALSE(fs.exists("/a/x"));
  // The whiteout applies only to lower layers: the same layer's d/new stays.
  EXPECT_EQ(names(fs, "/d"), (std::vector<std::string>{"new"}));
}

TEST_F(ImageFs, WhiteoutInUpperLayerBeatsFileInMiddleLayer) {
  const auto& fs = open({
      {{file("f", "bottom")}},
      {{file("f", "middle")}},
      {{whiteout("", "f")}},
  });
  EXPECT_FALSE(fs.exists("/f"));
  EXPECT_EQ(names(fs, "/"), std::vector<std::string>{});
}

TEST_F(ImageFs, OpaqueDirectoryWithFileWhiteoutInTheSameLayer) {
  const auto& fs = open({
      {{file("d/a", "1"), file("d/b", "2"), file("d/sub/c", "3"), file("e/c", "4"), file("e/k", "5")}},
      {{dir("d"), opaque("d"), whiteout("d", "a"), file("d/new", "6"), whiteout("e", "c")}},
  });
  EXPECT_EQ(names(fs, "/d"), (std::vector<std::string>{"new"}));
  EXPECT_EQ(names(fs, "/e"), (std::vector<std::string>{"k"}));
}

TEST_F(ImageFs, OpaqueDirectoryKeepsUpperContent) {
  const auto& fs = open({
      {{file("d/a", "1")}},
      {{opaque("d"), file("d/b", "2")}},
      {{file("d/c", "3")}},
  });
  EXPECT_EQ(names(fs, "/d"), (std::vector<std::string>{"b", "c"}));
}

TEST_F(ImageFs, FileReplacingDirectoryDropsItsChildren) {
  const auto& fs = open({
      {{file("p/q/r", "1"), file("other", "2")}},
      {{file("p", "now a file")}},
  });
  auto st = fs.stat("/p");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->type, FileType::kRegular);
  EXPECT_EQ(fs.stat("/p/q").error().message, prefix() + "/p/q: not a directory");
}

TEST_F(ImageFs, DirectoryReplacingFileAndLowerFileCuttingTheMerge) {
  const auto& fs = open({
      {{file("m/old", "1"), file("n", "file")}},
      {{file("m", "file in the middle")}},
      {{dir("m"), file("m/new", "2"), file("n/inside", "3")}},
  });
  EXPECT_EQ(names(fs, "/m"), (std::vector<std::string>{"new"}));
  EXPECT_EQ(names(fs, "/n"), (std::vector<std::string>{"inside"}));
}

TEST_F(ImageFs, SameLayerLaterMemberWins) {
  const auto& fs = open({{{file("etc/os-release", "ID=one\n"), dir("x"), file("x/child", "c"),
                           file("etc/os-release", "ID=two\n"), file("x", "file now")}}});
  EXPECT_EQ(*fs.read("/etc/os-release"), "ID=two\n");
  EXPECT_TRUE(fs.is_file("/x"));
}

TEST_F(ImageFs, MemberNamesAreNormalized) {
  const auto& fs = open({{{file("./etc/os-release", "ID=a\n"), file("/usr/abs", "1"), file("usr//y/./../z", "2"),
                           file("../../escape", "3"), dir("./")}}});
  EXPECT_EQ(*fs.read("/etc/os-release"), "ID=a\n");
  EXPECT_EQ(names(fs, "/"), (std::vector<std::string>{"escape", "etc", "usr"}));
  EXPECT_EQ(names(fs, "/usr"), (std::vector<std::string>{"abs", "z"}));
}

TEST_F(ImageFs, SymlinksResolveInsideTheImageRoot) {
  const auto& fs = open({{{file("usr/lib/os-release", "ID=x\n"), symlink("etc/os-release", "../usr/lib/os-release"),
                           symlink("lib", "usr/lib"), symlink("usr/lib64", "/usr/lib"),
                           symlink("x/escape", "../../../../../usr/lib/os-release"),
                           symlink("x/abs", "/../../usr/lib"), symlink("loop/a", "b"), symlink("loop/b", "a"),
                           symlink("dangling", "/nowhere")}}});
  EXPECT_EQ(*fs.read("/etc/os-release"), "ID=x\n");
  EXPECT_EQ(*fs.realpath("/lib/os-release"), "/usr/lib/os-release");
  EXPECT_EQ(*fs.realpath("/usr/lib64/os-release"), "/usr/lib/os-release");
  EXPECT_EQ(*fs.realpath("/x/escape"), "/usr/lib/os-release");
  EXPECT_EQ(*fs.realpath("/x/abs/os-release"), "/usr/lib/os-release");
  EXPECT_EQ(*fs.readlink("/lib"), "usr/lib");
  EXPECT_EQ(fs.lstat("/lib")->type, FileType::kSymlink);
  EXPECT_EQ(fs.lstat("/lib")->size, 7u);
  EXPECT_EQ(fs.stat("/lib")->type, FileType::kDirectory);
  EXPECT_EQ(fs.stat("/loop/a").error().message, prefix() + "/loop/a: too many levels of symbolic links");
  EXPECT_EQ(fs.lstat("/loop/a")->type, FileType::kSymlink);
  EXPECT_EQ(fs.stat("/dangling").error().message, prefix() + "/dangling: no such file or directory");
  EXPECT_EQ(fs.readlink("/usr").error().message, prefix() + "/usr: not a symbolic link");
  auto list = fs.list("/lib");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 1u);
}

TEST_F(ImageFs, HardlinkSharesItsTargetsContent) {
  const std::string meta = "/site/foo-1.0.dist-info/METADATA";
  const auto& fs = open({{{file("opt/blob", "Name: foo\n"), hardlink("site/foo-1.0.dist-info/METADATA", "opt/blob"),
                           hardlink("./bin/b", "/opt/blob")}}});
  // The target was not wanted by its own path: the layer is re-read for the link.
  EXPECT_EQ(*fs.read(meta), "Name: foo\n");
  EXPECT_EQ(*fs.sha256("/bin/b"), sha256_hex("Name: foo\n"));
  EXPECT_EQ(fs.stat("/bin/b")->ino, fs.stat("/opt/blob")->ino);
  EXPECT_EQ(fs.stat(meta)->size, 10u);
}

TEST_F(ImageFs, HardlinkToATargetHiddenByAnUpperLayer) {
  // conda-style: the package cache is removed in a later layer, the env keeps hardlinks.
  const std::string meta = "/env/lib/foo-1.0.dist-info/METADATA";
  const auto& fs = open({
      {{file("pkgs/foo/METADATA", "Name: foo\n"), file("pkgs/foo/data", "data"),
        hardlink("env/lib/foo-1.0.dist-info/METADATA", "pkgs/foo/METADATA"), hardlink("env/data", "pkgs/foo/data")}},
      {{whiteout("", "pkgs")}},
  });
  EXPECT_FALSE(fs.exists("/pkgs"));
  EXPECT_EQ(*fs.read(meta), "Name: foo\n");
  EXPECT_EQ(*fs.sha256("/env/data"), sha256_hex("data"));
}

TEST_F(ImageFs, HardlinkToALowerLayerGetsItsContent) {
  // A runtime unpacks layer 2 onto layer 1: the link shares the lower file.
  const std::string meta = "/site/foo-1.0.dist-info/METADATA";
  const auto& fs = open({
      {{file("opt/blob", "Name: foo\n"), file("opt/tool", "\x7f" "ELF-ish")}},
      {{hardlink("site/foo-1.0.dist-info/METADATA", "opt/blob"), hardlink("bin/tool", "/opt/tool")}},
  });
  EXPECT_EQ(*fs.read(meta), "Name: foo\n");
  EXPECT_EQ(*fs.sha256("/bin/tool"), sha256_hex("\x7f" "ELF-ish"));
  EXPECT_EQ(fs.stat("/bin/tool")->ino, fs.stat("/opt/tool")->ino);
  EXPECT_EQ(fs.stat(meta)->size, 10u);
}

TEST_F(ImageFs, HardlinkKeepsWhatItsTargetHadWhenItsLayerWasApplied) {
  const auto& fs = open({
      {{file("a", "old"), file("w", "whited"), file("s/t", "deep")}},
      {{hardlink("link-a", "a"), hardlink("link-w", "w"), hardlink("link-t", "s/t")}},
      {{hardlink("chain", "link-a")}},
      {{file("a", "new"), whiteout("", "w"), file("s", "a file now")}},
  });
  EXPECT_EQ(*fs.sha256("/link-a"), sha256_hex("old"));
  EXPECT_EQ(*fs.sha256("/chain"), sha256_hex("old"));
  EXPECT_EQ(*fs.sha256("/a"), sha256_hex("new"));
  EXPECT_EQ(*fs.sha256("/link-w"), sha256_hex("whited"));
  EXPECT_FALSE(fs.exists("/w"));
  EXPECT_EQ(*fs.sha256("/link-t"), sha256_hex("deep"));
  EXPECT_NE(fs.stat("/link-a")->ino, fs.stat("/a")->ino);
}

TEST_F(ImageFs, HardlinkToALowerHardlinkThatAnUpperLayerHides) {
  // The upper layer hides both the lower link and its target: their bytes are fetched for /c.
  const auto& fs = open({
      {{file("c/b", "z"), hardlink("a/a", "c/b")}},
      {{hardlink("c", "a/a"), file("a", "now a file")}},
  });
  EXPECT_EQ(*fs.sha256("/c"), sha256_hex("z"));
  EXPECT_EQ(fs.stat("/c")->size, 1u);
}

TEST_F(ImageFs, HardlinkToALowerSymlinkOrDeviceIsOneToo) {
  const auto& fs = open({
      {{symlink("lib", "usr/lib"), device("dev/null")}},
      {{hardlink("lib2", "lib"), hardlink("null2", "dev/null"), symlink("here", "x"), hardlink("here2", "here")}},
  });
  EXPECT_EQ(*fs.readlink("/lib2"), "usr/lib");
  EXPECT_EQ(fs.lstat("/null2")->type, FileType::kOther);
  EXPECT_EQ(*fs.readlink("/here2"), "x");
}

TEST_F(ImageFs, HardlinkToNothingIsAnError) {
  ImageSpec spec;
  spec.layers = {{{file("a", "1")}}, {{hardlink("bin/x", "nowhere")}}};
  built_ = write_oci_layout(layout_, spec);
  auto img = open_image(layout_, {});
  ASSERT_FALSE(img);
  EXPECT_EQ(img.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(img.error().message, layout_ + ": layer blobs/sha256/" + built_.layer_blobs[1].substr(7) +
                                     ": hardlink /bin/x to /nowhere: no such file in its layer or below "
                                     "(a container runtime refuses to unpack it)");
}

TEST_F(ImageFs, HardlinkToALowerFileThatALayerBetweenRemovesIsAnError) {
  ImageSpec spec;
  spec.layers = {{{file("a", "1"), file("d/b", "2")}}, {{whiteout("", "a"), opaque("d")}}, {{hardlink("x", "a")}}};
  built_ = write_oci_layout(layout_, spec);
  auto img = open_image(layout_, {});
  ASSERT_FALSE(img);
  EXPECT_EQ(img.error().message, layout_ + ": layer blobs/sha256/" + built_.layer_blobs[2].substr(7) +
                                     ": hardlink /x to /a: no such file in its layer or below "
                                     "(a container runtime refuses to unpack it)");
  spec.layers = {{{file("a", "1"), file("d/b", "2")}}, {{whiteout("", "a"), opaque("d")}}, {{hardlink("x", "d/b")}}};
  built_ = write_oci_layout(layout_, spec);
  EXPECT_FALSE(open_image(layout_, {}));
  // The link's own layer removes it from below (whiteouts apply before its entries).
  spec.layers = {{{file("a", "1")}}, {{hardlink("x", "a"), whiteout("", "a")}}};
  built_ = write_oci_layout(layout_, spec);
  img = open_image(layout_, {});
  ASSERT_FALSE(img);
  EXPECT_EQ(img.error().message, layout_ + ": layer blobs/sha256/" + built_.layer_blobs[1].substr(7) +
                                     ": hardlink /x to /a: no such file in its layer or below "
                                     "(a container runtime refuses to unpack it)");
}

TEST_F(ImageFs, HardlinkToItselfOrBelowItselfIsAnError) {
  // Extraction removes the link's path before linking: the target is gone.
  ImageSpec spec;
  spec.layers = {{{file("x", "1")}}, {{hardlink("x", "x")}}};
  built_ = write_oci_layout(layout_, spec);
  auto img = open_image(layout_, {});
  ASSERT_FALSE(img);
  EXPECT_EQ(img.error().message, layout_ + ": layer blobs/sha256/" + built_.layer_blobs[1].substr(7) +
                                     ": hardlink /x to /x: replacing /x removes the target "
                                     "(a container runtime refuses to unpack it)");
  spec.layers = {{{file("c/c", "1"), hardlink("c", "c/c")}}};
  write_oci_layout(layout_, spec);
  EXPECT_FALSE(open_image(layout_, {}));
}

TEST_F(ImageFs, HardlinkToADirectoryIsAnError) {
  ImageSpec spec;
  spec.layers = {{{dir("d")}}, {{hardlink("x", "d")}}};
  built_ = write_oci_layout(layout_, spec);
  auto img = open_image(layout_, {});
  ASSERT_FALSE(img);
  EXPECT_EQ(img.error().message, layout_ + ": layer blobs/sha256/" + built_.layer_blobs[1].substr(7) +
                                     ": hardlink /x to /d: a directory in a layer below");
}

TEST_F(ImageFs, GzipZstdAndPlainLayers) {
  const auto& fs = open({
      {{file("etc/os-release", "ID=plain\n"), file("a", "1")}, Compression::kNone},
      {{file("etc/debian_version", "12.5\n"), file("b", "2")}, Compression::kGzip},
      {{file("etc/os-release", "ID=zstd\n"), file("c", "3")}, Compression::kZstd},
  });
  EXPECT_EQ(*fs.read("/etc/os-release"), "ID=zstd\n");
  EXPECT_EQ(*fs.read("/etc/debian_version"), "12.5\n");
  EXPECT_EQ(names(fs, "/"), (std::vector<std::string>{"a", "b", "c", "etc"}));
}

TEST_F(ImageFs, CorruptedLayerBlobIsAnIntegrityError) {
  ImageSpec spec;
  spec.layers = {{{file("etc/os-release", "ID=debian\n")}, Compression::kGzip}};
  built_ = write_oci_layout(layout_, spec);
  std::string blob_path = layout_ + "/blobs/sha256/" + built_.layer_blobs[0].substr(7);
  std::string bytes = read_file(blob_path);
  bytes[bytes.size() / 2] ^= 0x01;
  write_file(blob_path, bytes);
  auto img = open_image(layout_, {});
  ASSERT_FALSE(img);
  EXPECT_EQ(img.error().kind, ErrorKind::kIntegrity);
  EXPECT_EQ(img.error().message, layout_ + ": layer blobs/sha256/" + built_.layer_blobs[0].substr(7) +
                                     " does not match its digest " + built_.layer_blobs[0] +
                                     " (content is " + digest_of(bytes) + ")");
}

TEST_F(ImageFs, KeptContentIsCapped) {
  ImageOptions opts;
  opts.max_kept_bytes = 16;
  ImageSpec spec;
  spec.layers = {{{file("etc/os-release", "ID=debian\nVERSION_ID=12\n")}}};
  write_oci_layout(layout_, spec);
  auto img = open_image(layout_, opts);
  ASSERT_FALSE(img);
  EXPECT_EQ(img.error().message,
            layout_ + ": keeping /etc/os-release would pass the limit of 16 bytes of file content held in memory");
}

TEST_F(ImageFs, WithoutFileHashingUnwantedFilesHaveNoHash) {
  ImageOptions opts;
  opts.hash_files = false;
  const auto& fs = open({{{file("etc/os-release", "ID=a\n"), file("bin/tool", "xx")}}}, opts);
  EXPECT_EQ(*fs.sha256("/etc/os-release"), sha256_hex("ID=a\n"));
  EXPECT_EQ(error_of(fs.sha256("/bin/tool")),
            prefix() + "/bin/tool: not hashed while streaming the image (file hashing was off)");
}

std::string head_and_sha256(const FileSystem& fs, const std::string& path) {
  auto r = fs.head_and_sha256(path, kBytecodeHeadBytes);
  return r ? r->head + " " + r->sha256 : r.error().message;
}

TEST_F(ImageFs, ByteCodeKeepsItsHeaderAndTheDigestOfItsCode) {
  const std::string cache = "site/foo/__pycache__/";
  const std::string pyc(16, 'h');
  const auto& fs = open({
      {{file(cache + "a.cpython-311.pyc", pyc + "lower code"), file(cache + "b.cpython-311.pyc", pyc + "b"),
        file(cache + "c.cpython-311.pyc", "short"), file("site/foo/a.pyc", pyc + "not in __pycache__"),
        file("opt/blob", pyc + "linked code"), file("opt/other", pyc + "other code")}},
      {{file(cache + "a.cpython-311.pyc", pyc + "upper code"), whiteout(cache.substr(0, cache.size() - 1), "b.cpython-311.pyc"),
        hardlink(cache + "d.cpython-311.pyc", "opt/blob"), hardlink("bin/x", "opt/other"),
        hardlink(cache + "e.cpython-311.pyc", "opt/other"), file("opt/same", pyc + "same layer"),
        hardlink(cache + "f.cpython-311.pyc", "opt/same")}},
  });
  // The top layer's pyc, its code hashed while streaming; nothing else of it kept.
  EXPECT_EQ(head_and_sha256(fs, "/" + cache + "a.cpython-311.pyc"), pyc + " " + sha256_hex("upper code"));
  EXPECT_EQ(error_of(fs.read("/" + cache + "a.cpython-311.pyc")),
            prefix() + "/" + cache +
                "a.cpython-311.pyc: content not retained while streaming the image (only files listed in "
                "scanner/image/wanted_files.hpp are kept)");
  EXPECT_FALSE(fs.exists("/" + cache + "b.cpython-311.pyc"));
  EXPECT_EQ(head_and_sha256(fs, "/" + cache + "c.cpython-311.pyc"), "short " + sha256_hex(""));
  // A hardlink to a lower layer's file gets that file's header and digest.
  EXPECT_EQ(head_and_sha256(fs, "/" + cache + "d.cpython-311.pyc"), pyc + " " + sha256_hex("linked code"));
  // Also when another path links to the same file first, and for a link to a
  // file of its own layer that nothing kept (the layer is read again for it).
  EXPECT_EQ(head_and_sha256(fs, "/" + cache + "e.cpython-311.pyc"), pyc + " " + sha256_hex("other code"));
  EXPECT_EQ(head_and_sha256(fs, "/" + cache + "f.cpython-311.pyc"), pyc + " " + sha256_hex("same layer"));
  // Only __pycache__ holds byte code importlib loads beside a source.
  EXPECT_NE(head_and_sha256(fs, "/site/foo/a.pyc").find("content not retained"), std::string::npos);
}

TEST_F(ImageFs, ByteCodeIsNotHashedWithoutFileHashing) {
  ImageOptions opts;
  opts.hash_files = false;
  const auto& fs = open({{{file("site/__pycache__/a.cpython-311.pyc", std::string(16, 'h') + "code")}}}, opts);
  EXPECT_NE(head_and_sha256(fs, "/site/__pycache__/a.cpython-311.pyc").find("content not retained"),
            std::string::npos);
}

TEST_F(ImageFs, DevicesAndReservedWhiteoutNamesAreHeadersOnly) {
  const auto& fs = open({{{device("dev/null"), file(".wh..wh.plnk/1", "x"), file("etc/.wh..wh.aufs", "")}}});
  EXPECT_EQ(fs.lstat("/dev/null")->type, FileType::kOther);
  EXPECT_EQ(error_of(fs.read("/dev/null")), prefix() + "/dev/null: not a regular file");
  EXPECT_FALSE(fs.exists("/etc/.wh..wh.aufs"));
  EXPECT_FALSE(fs.exists("/.wh..wh.plnk"));
}

}  // namespace
}  // namespace envlock::scanner
