// Finding the image inside docker-archives, OCI layouts and OCI archives.

#include "scanner/image/image_archive.hpp"

#include <gtest/gtest.h>

#include "scanner/image/image_filesystem.hpp"
#include "scanner/scan.hpp"
#include "scanner/support/image_builder.hpp"

namespace envlock::scanner {
namespace {

using namespace envlock::testing;

ImageSpec one_file_image(const std::string& os_release, std::string arch = "amd64", std::string variant = "") {
  ImageSpec spec;
  spec.layers = {{{file("etc/os-release", os_release)}, Compression::kGzip}};
  spec.architecture = std::move(arch);
  spec.variant = std::move(variant);
  return spec;
}

std::string os_release(const OpenedImage& img) {
  auto r = img.fs->read("/etc/os-release");
  return r ? *r : r.error().message;
}

std::string error_of(const Result<OpenedImage>& r) { return r ? "(ok)" : r.error().message; }

TEST(ImageArchive, DockerArchiveWithTwoTagsNeedsARef) {
  TempDir tmp;
  const std::string tar = tmp / "app.tar";
  auto built = write_docker_archive(tar, {{one_file_image("ID=one\n"), {"app:1.0"}},
                                          {one_file_image("ID=two\n"), {"app:2.0", "registry.example/app:2.0"}}});
  auto none = open_image(tar, {});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(none.error().message,
            tar + " holds 2 images; pick one with --image-ref: app:1.0, app:2.0, registry.example/app:2.0");

  ImageOptions opts;
  opts.ref = "app:2.0";
  auto two = open_image(tar, opts);
  ASSERT_TRUE(two) << two.error().message;
  EXPECT_EQ(os_release(*two), "ID=two\n");
  EXPECT_EQ(two->identity.reference, "app:2.0");
  EXPECT_EQ(two->identity.tags, (std::vector<std::string>{"app:2.0", "registry.example/app:2.0"}));
  EXPECT_EQ(two->identity.config_digest, built[1].config_digest);
  EXPECT_EQ(two->identity.manifest_digest, "");
  EXPECT_EQ(two->identity.layers, built[1].diff_ids);

  opts.ref = built[0].config_digest;  // by image ID
  auto one = open_image(tar, opts);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(os_release(*one), "ID=one\n");

  opts.ref = "docker.io/library/app:1.0";  // Docker's defaults spelled out
  EXPECT_EQ(os_release(*open_image(tar, opts)), "ID=one\n");

  opts.ref = "app:3.0";
  auto unknown = open_image(tar, opts);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(unknown.error().message,
            tar + " has no image app:3.0; available: app:1.0, app:2.0, registry.example/app:2.0");
}

TEST(ImageArchive, DockerArchiveSingleImageAndLayerOrder) {
  TempDir tmp;
  const std::string tar = tmp / "one.tar";
  ImageSpec spec;
  spec.layers = {{{file("etc/os-release", "ID=base\n"), file("gone", "x")}},
                 {{file("etc/os-release", "ID=top\n"), whiteout("", "gone")}}};
  write_docker_archive(tar, {{spec, {"one:latest"}}});
  auto img = open_image(tar, {});
  ASSERT_TRUE(img) << img.error().message;
  EXPECT_EQ(os_release(*img), "ID=top\n");
  EXPECT_FALSE(img->fs->exists("/gone"));
  EXPECT_EQ(img->identity.reference, "one:latest");
  EXPECT_EQ(img->identity.platform, "linux/amd64");
}

TEST(ImageArchive, DockerArchiveCorruptLayerFailsItsDiffId) {
  TempDir tmp;
  const std::string tar = tmp / "bad.tar";
  auto built = write_docker_archive(tar, {{one_file_image("ID=debian\n"), {"bad:1"}}});
  std::string bytes = read_file(tar);
  auto at = bytes.find("ID=debian");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 3] = 'X';
  write_file(tar, bytes);
  auto img = open_image(tar, {});
  ASSERT_FALSE(img);
  EXPECT_EQ(img.error().kind, ErrorKind::kIntegrity);
  EXPECT_NE(img.error().message.find(tar + ": layer layer0/layer.tar: uncompressed content sha256:"),
            std::string::npos)
      << img.error().message;
  EXPECT_NE(img.error().message.find("does not match the diff ID " + built[0].diff_ids[0]), std::string::npos);
}

TEST(ImageArchive, DockerArchiveWithBlobsAndLinkedMembers) {
  // Docker 25+ names layers blobs/sha256/<hex>; older tools link duplicate layers.
  TempDir tmp;
  std::vector<std::pair<std::string, std::string>> blobs;
  ImageSpec spec = one_file_image("ID=blobs\n");
  BuiltImage b = build_image(spec, &blobs);
  std::vector<Member> members;
  for (const auto& [digest, bytes] : blobs) members.push_back(file("blobs/sha256/" + digest.substr(7), bytes));
  members.push_back(symlink("linked/layer.tar", "../blobs/sha256/" + b.layer_blobs[0].substr(7)));
  nlohmann::json manifest = nlohmann::json::array(
      {{{"Config", "blobs/sha256/" + b.config_digest.substr(7)},
        {"RepoTags", {"new:1"}},
        {"Layers", {"blobs/sha256/" + b.layer_blobs[0].substr(7)}}},
       {{"Config", "blobs/sha256/" + b.config_digest.substr(7)},
        {"RepoTags", {"linked:1"}},
        {"Layers", {"linked/layer.tar"}}}});
  members.push_back(file("manifest.json", manifest.dump()));
  const std::string tar = tmp / "new.tar";
  write_file(tar, make_tar(members));
  for (const char* ref : {"new:1", "linked:1"}) {
    ImageOptions opts;
    opts.ref = ref;
    auto img = open_image(tar, opts);
    ASSERT_TRUE(img) << img.error().message;
    EXPECT_EQ(os_release(*img), "ID=blobs\n");
    EXPECT_EQ(img->identity.config_digest, b.config_digest);
  }
  // The blob's name is its digest: a tampered blob fails it.
  std::string bytes = read_file(tar);
  std::string layer = b.layer_bytes[0];
  auto at = bytes.find(layer);
  ASSERT_NE(at, std::string::npos);
  bytes[at + layer.size() / 2] ^= 0x10;
  write_file(tar, bytes);
  ImageOptions opts;
  opts.ref = "new:1";
  auto bad = open_image(tar, opts);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kIntegrity);
  EXPECT_EQ(bad.error().message.rfind(tar + ": layer blobs/sha256/" + b.layer_blobs[0].substr(7) +
                                          " does not match its digest " + b.layer_blobs[0],
                                      0),
            0u)
      << bad.error().message;
}

class OciIndex : public ::testing::Test {
 protected:
  // A layout with one image per platform under one name, plus a second name.
  void SetUp() override {
    std::vector<std::pair<std::string, std::string>> blobs;
    ImageSpec amd64 = one_file_image("ID=amd64\n");
    // Enough for a scan to find Python: an executable on PATH and its standard library.
    amd64.layers[0].members.push_back(file("usr/bin/python3", "", 0755));
    amd64.layers[0].members.push_back(file("usr/lib/python3.11/os.py", ""));
    amd64_ = build_image(amd64, &blobs);
    arm64_ = build_image(one_file_image("ID=arm64\n", "arm64", "v8"), &blobs);
    s390x_ = build_image(one_file_image("ID=s390x\n", "s390x"), &blobs);
    other_ = build_image(one_file_image("ID=other\n"), &blobs);
    std::string nested = index_json({{amd64_.manifest_digest, amd64_.manifest_size, kManifest, "", "linux/amd64"},
                                     {arm64_.manifest_digest, arm64_.manifest_size, kManifest, "", "linux/arm64/v8"},
                                     {s390x_.manifest_digest, s390x_.manifest_size, kManifest, "", "linux/s390x"}});
    nested_digest_ = digest_of(nested);
    blobs.push_back({nested_digest_, nested});
    write_blobs(layout_, blobs);
    write_file(layout_ + "/index.json",
               index_json({{nested_digest_, nested.size(), kIndex, "app:1.0", ""},
                           {other_.manifest_digest, other_.manifest_size, kManifest, "other:2.0", ""}}));
  }
  static constexpr const char* kManifest = "application/vnd.oci.image.manifest.v1+json";
  static constexpr const char* kIndex = "application/vnd.oci.image.index.v1+json";
  TempDir tmp_;
  std::string layout_ = tmp_ / "layout";
  BuiltImage amd64_, arm64_, s390x_, other_;
  std::string nested_digest_;
};

TEST_F(OciIndex, SeveralNamesNeedARef) {
  auto r = open_image(layout_, {});
  EXPECT_EQ(error_of(r), layout_ + " holds 2 images; pick one with --image-ref: app:1.0, other:2.0");
  EXPECT_EQ(r.error().kind, ErrorKind::kUsage);
}

TEST_F(OciIndex, ScanReportsWhatOpeningTheImageChose) {
  ScanRequest req;
  req.kind = TargetKind::kImage;
  req.image = layout_;
  req.image_ref = "app:1.0";
  auto fp = scan(req);
  ASSERT_TRUE(fp) << fp.error().message;
  ASSERT_EQ(fp->diagnostics.size(), 1u);
  EXPECT_EQ(fp->diagnostics[0].subject, "image:" + layout_ + "@app:1.0");
  EXPECT_EQ(fp->diagnostics[0].message, "platform linux/amd64 chosen from 3");
}

TEST_F(OciIndex, PlatformIsChosenFromTheNestedIndex) {
  ImageOptions opts;
  opts.ref = "app:1.0";
  auto img = open_image(layout_, opts);
  ASSERT_TRUE(img) << img.error().message;
  EXPECT_EQ(os_release(*img), "ID=amd64\n");
  EXPECT_EQ(img->identity.manifest_digest, amd64_.manifest_digest);
  EXPECT_EQ(img->identity.platform, "linux/amd64");
  EXPECT_EQ(img->identity.tags, (std::vector<std::string>{"app:1.0"}));
  EXPECT_EQ(img->notes, (std::vector<std::string>{"platform linux/amd64 chosen from 3"}));

  opts.platform = "linux/arm64";
  img = open_image(layout_, opts);
  ASSERT_TRUE(img) << img.error().message;
  EXPECT_EQ(os_release(*img), "ID=arm64\n");
  EXPECT_EQ(img->identity.platform, "linux/arm64/v8");

  opts.platform = "linux/riscv64";
  auto none = open_image(layout_, opts);
  EXPECT_EQ(error_of(none), layout_ + ": blobs/sha256/" + nested_digest_.substr(7) +
                                ": no image for platform linux/riscv64; available: linux/amd64, "
                                "linux/arm64/v8, linux/s390x");
  EXPECT_EQ(none.error().kind, ErrorKind::kUsage);

  opts.platform = "linux";
  EXPECT_EQ(error_of(open_image(layout_, opts)), "invalid platform 'linux' (expected os/arch[/variant])");
}

TEST_F(OciIndex, RefByNameTagOrDigest) {
  ImageOptions opts;
  opts.ref = "other:2.0";
  EXPECT_EQ(os_release(*open_image(layout_, opts)), "ID=other\n");
  opts.ref = other_.manifest_digest;
  EXPECT_EQ(os_release(*open_image(layout_, opts)), "ID=other\n");
  opts.ref = "app@" + nested_digest_;
  EXPECT_EQ(os_release(*open_image(layout_, opts)), "ID=amd64\n");
  opts.ref = "nope";
  EXPECT_EQ(error_of(open_image(layout_, opts)), layout_ + " has no image nope; available: app:1.0, other:2.0");
}

TEST_F(OciIndex, OciArchiveIsATarOfTheLayout) {
  const std::string archive = tmp_ / "app.oci.tar";
  tar_directory(layout_, archive);
  ImageOptions opts;
  opts.ref = "app:1.0";
  opts.platform = "linux/s390x";
  auto img = open_image(archive, opts);
  ASSERT_TRUE(img) << img.error().message;
  EXPECT_EQ(os_release(*img), "ID=s390x\n");
  EXPECT_EQ(img->fs->describe(), "image:" + archive);
}

TEST_F(OciIndex, TopLevelPlatformEntriesOfOneName) {
  write_file(layout_ + "/index.json",
             index_json({{arm64_.manifest_digest, arm64_.manifest_size, kManifest, "multi", "linux/arm64/v8"},
                         {amd64_.manifest_digest, amd64_.manifest_size, kManifest, "multi", "linux/amd64"}}));
  auto img = open_image(layout_, {});
  ASSERT_TRUE(img) << img.error().message;
  EXPECT_EQ(os_release(*img), "ID=amd64\n");
  EXPECT_EQ(img->notes, (std::vector<std::string>{"platform linux/amd64 chosen from 2"}));
}

TEST(ImageArchiveErrors, MalformedManifestNamesMemberAndField) {
  TempDir tmp;
  const std::string layout = tmp / "layout";
  auto built = write_oci_layout(layout, one_file_image("ID=x\n"));
  const std::string manifest_member = "blobs/sha256/" + built.manifest_digest.substr(7);

  write_file(layout + "/index.json", R"({"manifests": [{"digest": 42}]})");
  EXPECT_EQ(error_of(open_image(layout, {})), layout + ": index.json: manifests[0].digest: expected a string");
  write_file(layout + "/index.json", R"({"manifests": [)");
  EXPECT_EQ(error_of(open_image(layout, {})), layout + ": index.json: invalid JSON at byte 16");
  write_file(layout + "/index.json", R"({"manifests": [{"digest": "sha256:../../etc/passwd"}]})");
  EXPECT_EQ(error_of(open_image(layout, {})),
            layout + ": index.json: manifests[0].digest: not a sha256 digest: sha256:../../etc/passwd");

  // A manifest whose layers field is wrong, stored under its true digest.
  std::string bad = R"({"config": {"digest": ")" + built.config_digest + R"(", "size": 1}, "layers": {}})";
  write_file(layout + "/blobs/sha256/" + digest_of(bad).substr(7), bad);
  write_file(layout + "/index.json", index_json({{digest_of(bad), bad.size(), "application/vnd.oci.image.manifest.v1+json", "", ""}}));
  EXPECT_EQ(error_of(open_image(layout, {})),
            layout + ": blobs/sha256/" + digest_of(bad).substr(7) + ": layers: expected an array");
  (void)manifest_member;
}

TEST(ImageArchiveErrors, MissingAndTamperedBlobs) {
  TempDir tmp;
  const std::string layout = tmp / "layout";
  auto built = write_oci_layout(layout, one_file_image("ID=x\n"));
  const std::string layer = layout + "/blobs/sha256/" + built.layer_blobs[0].substr(7);
  std::filesystem::rename(layer, layer + ".moved");
  EXPECT_EQ(error_of(open_image(layout, {})), layout + ": missing blobs/sha256/" + built.layer_blobs[0].substr(7));
  std::filesystem::rename(layer + ".moved", layer);

  const std::string config = layout + "/blobs/sha256/" + built.config_digest.substr(7);
  write_file(config, built.config_json + " ");
  auto r = open_image(layout, {});
  EXPECT_EQ(r.error().kind, ErrorKind::kIntegrity);
  EXPECT_EQ(error_of(r), layout + ": blobs/sha256/" + built.config_digest.substr(7) + " does not match its digest " +
                             built.config_digest + " (content is " + digest_of(built.config_json + " ") + ")");
}

TEST(ImageArchiveErrors, LayoutLinksAreNeverFollowed) {
  // A blob, or the blobs directory, that links to a file of this machine:
  // never read, and its digest never printed.
  TempDir tmp;
  const std::string layout = tmp / "layout";
  auto built = write_oci_layout(layout, one_file_image("ID=x\n"));
  const std::string host = "host file the layout's author wants a digest of\n";
  write_file(tmp / "host", host);
  const std::string config = layout + "/blobs/sha256/" + built.config_digest.substr(7);
  std::filesystem::rename(config, config + ".real");
  std::filesystem::create_symlink(tmp / "host", config);
  auto r = open_image(layout, {});
  EXPECT_EQ(error_of(r), layout + ": blobs/sha256/" + built.config_digest.substr(7) + ": is a symbolic link");
  EXPECT_EQ(error_of(r).find(digest_of(host).substr(7)), std::string::npos);
  std::filesystem::remove(config);
  std::filesystem::rename(config + ".real", config);
  ASSERT_TRUE(open_image(layout, {})) << "the layout itself is fine";

  std::filesystem::rename(layout + "/blobs", tmp / "blobs");
  std::filesystem::create_symlink(tmp / "blobs", layout + "/blobs");
  EXPECT_EQ(error_of(open_image(layout, {})),
            layout + ": blobs/sha256/" + built.manifest_digest.substr(7) + ": passes through a symbolic link");
}

TEST(ImageArchiveErrors, NotAnImage) {
  TempDir tmp;
  write_file(tmp / "x.tar", make_tar({file("hello", "x")}));
  EXPECT_EQ(error_of(open_image(tmp / "x.tar", {})),
            tmp / "x.tar" + ": neither manifest.json (docker-archive) nor index.json (OCI layout) found");
  write_file(tmp / "x.tar.gz", make_tar({file("hello", "x")}, Compression::kGzip));
  EXPECT_EQ(error_of(open_image(tmp / "x.tar.gz", {})),
            tmp / "x.tar.gz" +
                ": compressed image archives are not supported; decompress it first (docker save writes a plain tar)");
  EXPECT_EQ(error_of(open_image(tmp / "absent", {})), tmp / "absent" + ": No such file or directory");
  write_file(tmp / "junk", std::string(2000, 'j'));
  EXPECT_EQ(error_of(open_image(tmp / "junk", {})).rfind(tmp / "junk" + ": not a tar archive or an OCI layout directory", 0),
            0u);
}

TEST(ImageArchiveRefs, Matching) {
  EXPECT_TRUE(ref_matches("app:1.0", "app:1.0"));
  EXPECT_TRUE(ref_matches("docker.io/library/app:latest", "app"));
  EXPECT_TRUE(ref_matches("1.0", "app:1.0"));
  EXPECT_TRUE(ref_matches("localhost:5000/app:1.0", "localhost:5000/app:1.0"));
  EXPECT_FALSE(ref_matches("localhost:5000/app:1.0", "localhost:5000/app:2.0"));
  EXPECT_FALSE(ref_matches("app:1.0", "app:2.0"));
}

}  // namespace
}  // namespace envlock::scanner
