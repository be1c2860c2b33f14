// Hardlinks waiting for a lower layer, driven directly: what a layer's final
// state gives them, and what removes their target.

#include "scanner/image/pending_links.hpp"

#include <gtest/gtest.h>

#include <map>

namespace envlock::scanner {
namespace {

// A layer's final state given by hand.
class FakeLayer final : public LayerState {
 public:
  std::map<std::string, LinkedFile> members;
  std::optional<LinkedFile> member(const std::string& path) const override {
    auto it = members.find(path);
    if (it == members.end()) return std::nullopt;
    return it->second;
  }
  bool non_directory(const std::string& path) const override { return members.count(path) > 0; }
};

LayerEntry entry(std::string path, LayerEntryType type) {
  LayerEntry e;
  e.path = std::move(path);
  e.type = type;
  return e;
}

TEST(PendingLinks, AncestorsAreHashedAsTheyAreWalked) {
  std::vector<std::pair<std::string, std::uint64_t>> seen;
  for_each_ancestor("/usr/lib/x.so", [&](std::string_view a, std::uint64_t h) { seen.emplace_back(a, h); });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].first, "/");
  EXPECT_EQ(seen[1].first, "/usr");
  EXPECT_EQ(seen[2].first, "/usr/lib");
  for (const auto& [a, h] : seen) EXPECT_EQ(h, path_hash(a));
}

TEST(PendingLinks, ALowerLayersFileReachesTheLinksNode) {
  LayerTree tree;
  PendingLinks pending(tree);
  tree.begin_layer(0);
  auto placeholder = pending.wait("/opt/t", "img: layer top: hardlink /p to /opt/t", 99);
  TreeNode* p = tree.place("/p", NodeKind::kRegular);
  p->content = placeholder;
  pending.hold(placeholder.get(), "/p");
  EXPECT_TRUE(pending.is_placeholder(placeholder.get()));
  ASSERT_NE(pending.waiting_for("/opt/t"), nullptr);
  EXPECT_EQ(pending.waiting_for("/opt/t")->want_path, "/p");

  tree.begin_layer(1);
  pending.begin_layer();
  pending.note(entry("/opt/t", LayerEntryType::kRegular));
  FakeLayer layer;
  auto content = std::make_shared<FileContent>();
  content->size = 5;
  layer.members["/opt/t"] = {NodeKind::kRegular, content, "", 0755, 7};
  ASSERT_TRUE(pending.settle(layer));
  EXPECT_TRUE(pending.empty());
  EXPECT_EQ(p->content, content);
  EXPECT_EQ(p->mode, 0755u);
  EXPECT_TRUE(pending.finish());
}

TEST(PendingLinks, AWhiteoutBetweenLeavesTheLinkPointingAtNothing) {
  LayerTree tree;
  PendingLinks pending(tree);
  tree.begin_layer(0);
  pending.wait("/opt/d/t", "img: layer top: hardlink /p to /opt/d/t", 99);
  tree.begin_layer(1);
  pending.begin_layer();
  pending.note(entry("/opt/d", LayerEntryType::kWhiteout));
  auto r = pending.settle(FakeLayer{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "img: layer top: hardlink /p to /opt/d/t: no such file in its layer or below "
            "(a container runtime refuses to unpack it)");
}

TEST(PendingLinks, ANonDirectoryParentHidesOnlyWhenItIsTheLayersLastWord) {
  LayerTree tree;
  PendingLinks pending(tree);
  tree.begin_layer(0);
  pending.wait("/a/t", "img: layer top: hardlink /p to /a/t", 99);
  tree.begin_layer(1);
  pending.begin_layer();
  pending.note(entry("/a", LayerEntryType::kRegular));  // later replaced by a directory
  EXPECT_TRUE(pending.settle(FakeLayer{}));
  EXPECT_FALSE(pending.empty());
  tree.begin_layer(2);
  pending.begin_layer();
  pending.note(entry("/a", LayerEntryType::kSymlink));
  FakeLayer file_a;
  file_a.members["/a"] = {NodeKind::kSymlink, nullptr, "elsewhere", 0777, 0};
  EXPECT_FALSE(pending.settle(file_a));
}

}  // namespace
}  // namespace envlock::scanner
