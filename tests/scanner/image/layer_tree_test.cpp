#include "scanner/image/layer_tree.hpp"

#include <gtest/gtest.h>

namespace envlock::scanner {
namespace {

TreeNode* link(LayerTree& t, const std::string& path, const std::string& target) {
  TreeNode* n = t.place(path, NodeKind::kSymlink);
  if (n) n->link = target;
  return n;
}

std::string resolved(const LayerTree& t, const std::string& path, bool follow = true) {
  auto r = t.resolve(path, follow);
  return r ? r->path : r.error().message;
}

TEST(LayerTree, SymlinkChainsStopAtForty) {
  LayerTree t;
  t.begin_layer(0);
  t.place("/end", NodeKind::kRegular);
  for (int i = 0; i < 41; ++i) link(t, "/l" + std::to_string(i), i == 40 ? "end" : "l" + std::to_string(i + 1));
  EXPECT_EQ(resolved(t, "/l1"), "/end");  // 40 links
  EXPECT_EQ(resolved(t, "/l0"), "/l0: too many levels of symbolic links");
  EXPECT_EQ(resolved(t, "/l0", false), "/l0");
}

TEST(LayerTree, DotDotNeverLeavesTheRoot) {
  LayerTree t;
  t.begin_layer(0);
  t.place("/a/b", NodeKind::kDirectory);
  link(t, "/a/b/up", "../../../../..");
  link(t, "/a/b/abs", "/../a/./b");
  EXPECT_EQ(resolved(t, "/../../a/b"), "/a/b");
  EXPECT_EQ(resolved(t, "/a/b/up"), "/");
  EXPECT_EQ(resolved(t, "/a/b/up/a/b/abs/up"), "/");
  EXPECT_EQ(resolved(t, "/a/b/abs"), "/a/b");
  EXPECT_EQ(resolved(t, "a/./b"), "/a/b");
}

TEST(LayerTree, PathsThroughFilesAndMissingEntries) {
  LayerTree t;
  t.begin_layer(0);
  t.place("/f", NodeKind::kRegular);
  link(t, "/empty", "");
  EXPECT_EQ(resolved(t, "/f/x"), "/f/x: not a directory");
  EXPECT_EQ(resolved(t, "/nope/x"), "/nope/x: no such file or directory");
  EXPECT_EQ(resolved(t, "/empty"), "/empty: no such file or directory");
}

TEST(LayerTree, UpperEntriesWinAndWhiteoutsReachOnlyLowerLayers) {
  LayerTree t;
  t.begin_layer(0);
  ASSERT_NE(t.place("/x", NodeKind::kRegular), nullptr);
  t.whiteout("/y");
  ASSERT_NE(t.place("/y", NodeKind::kRegular), nullptr);  // same layer: stays
  t.begin_layer(1);
  EXPECT_EQ(t.place("/x", NodeKind::kDirectory), nullptr);
  EXPECT_EQ(t.place("/x/inside", NodeKind::kRegular), nullptr);
  EXPECT_EQ(t.place("/y", NodeKind::kRegular), nullptr);
  EXPECT_EQ(t.place("/y/z", NodeKind::kRegular), nullptr);
  EXPECT_NE(t.place("/z", NodeKind::kRegular), nullptr);
  EXPECT_EQ(t.entry_count(), 3u);
}

TEST(LayerTree, ImplicitDirectoryTakesTheLowerDirectorysMetadata) {
  LayerTree t;
  t.begin_layer(0);
  t.place("/usr/bin/x", NodeKind::kRegular);
  t.begin_layer(1);
  TreeNode* usr = t.place("/usr", NodeKind::kDirectory);
  ASSERT_NE(usr, nullptr);
  usr->mode = 040700;
  EXPECT_FALSE(usr->implicit);
  EXPECT_EQ(t.place("/usr", NodeKind::kDirectory), nullptr);  // decided now
  // A lower file where the upper layers have a directory cuts off the layers below it.
  EXPECT_EQ(t.place("/usr/bin", NodeKind::kRegular), nullptr);
  t.begin_layer(2);
  EXPECT_EQ(t.place("/usr/bin/old", NodeKind::kRegular), nullptr);
  EXPECT_NE(t.place("/usr/lib/new", NodeKind::kRegular), nullptr);
}

TEST(LayerTree, OpaqueMarkersAndTheRoot) {
  LayerTree t;
  t.begin_layer(0);
  t.opaque("/");
  ASSERT_NE(t.place("/", NodeKind::kDirectory), nullptr);
  t.begin_layer(1);
  EXPECT_EQ(t.place("/anything", NodeKind::kRegular), nullptr);
  EXPECT_EQ(t.place("/", NodeKind::kDirectory), nullptr);
  EXPECT_EQ(t.place("/", NodeKind::kRegular), nullptr);
}

}  // namespace
}  // namespace envlock::scanner
