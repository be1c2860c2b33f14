#include "scanner/image/layer_tree.hpp"

namespace envlock::scanner {

namespace {

bool is_dir(const TreeNode& n) { return n.kind == NodeKind::kDirectory; }
bool is_non_dir(const TreeNode& n) {
  return n.kind != NodeKind::kDirectory && n.kind != NodeKind::kAbsent;
}

const TreeNode* find_child(const TreeNode& parent, std::string_view name) { return parent.child(name); }

}  // namespace

std::uint64_t FileContent::kept_bytes() const {
  std::uint64_t n = 0;
  for (const auto& p : pieces) n += p.bytes.size();
  return n;
}

std::string FileContent::sha256_hex() const {
  if (!hashed) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(64, '0');
  for (std::size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

void FileContent::set_sha256(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  hashed = hex.size() == 64;
  for (std::size_t i = 0; hashed && i < digest.size(); ++i)
    digest[i] = static_cast<unsigned char>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
}

const TreeNode* TreeNode::child(std::string_view name) const {
  if (!children) return nullptr;
  auto it = children->find(name);
  return it == children->end() ? nullptr : it->second.get();
}

TreeNode* TreeNode::child(std::string_view name) {
  return const_cast<TreeNode*>(static_cast<const TreeNode*>(this)->child(name));
}

std::vector<std::string_view> split_components(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

LayerTree::LayerTree() : root_(std::make_unique<TreeNode>()) {
  root_->kind = NodeKind::kDirectory;
  root_->implicit = true;
  root_->mode = 040755;
  root_->ino = 1;
}

void LayerTree::begin_layer(int index) { layer_ = index; }

// Whether the first `ancestors` components (the parents of the entry) or the
// entry itself are hidden from the current layer by an upper one.
bool LayerTree::hidden(const std::vector<std::string_view>& parts, std::size_t ancestors) const {
  const TreeNode* node = root_.get();
  if (node->opaque_below < layer_) return true;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const TreeNode* child = find_child(*node, parts[i]);
    if (!child) return false;
    if (child->removed_below < layer_) return true;
    if (i == ancestors) return false;  // the entry itself: place() decides
    // A non-directory parent: the path cannot exist below it, whichever layer put it there.
    if (is_non_dir(*child)) return true;
    if (child->opaque_below < layer_) return true;
    node = child;
  }
  return false;
}

TreeNode& LayerTree::insert(TreeNode& parent, std::string_view name) {
  if (!parent.children) parent.children = std::make_unique<Children>();
  auto node = std::make_unique<TreeNode>();
  node->layer = layer_;
  ++nodes_;
  name_bytes_ += name.size();
  return *parent.children->emplace(std::string(name), std::move(node)).first->second;
}

TreeNode* LayerTree::find_exact(std::string_view path) {
  TreeNode* node = root_.get();
  for (auto part : split_components(path)) {
    node = node->child(part);
    if (!node) return nullptr;
  }
  return node;
}

TreeNode* LayerTree::materialize(const std::vector<std::string_view>& parts, std::size_t count) {
  TreeNode* node = root_.get();
  for (std::size_t i = 0; i < count; ++i) {
    TreeNode* child = node->child(parts[i]);
    if (!child) child = &insert(*node, parts[i]);
    if (child->kind == NodeKind::kAbsent) {
      // A whiteout placeholder of this layer (or a new node) becomes a directory.
      child->kind = NodeKind::kDirectory;
      child->implicit = true;
      child->mode = 040755;
      child->layer = layer_;
      child->ino = next_ino_++;
    }
    node = child;
  }
  return node;
}

TreeNode* LayerTree::place(std::string_view path, NodeKind kind) {
  auto parts = split_components(path);
  if (parts.empty()) {
    // The root itself ("./"): only its metadata can change, and the topmost layer's wins.
    if (kind != NodeKind::kDirectory) return nullptr;
    if (!root_->implicit && root_->layer < layer_) return nullptr;
    root_->implicit = false;
    root_->layer = layer_;
    return root_.get();
  }
  const std::size_t last = parts.size() - 1;
  if (hidden(parts, last)) return nullptr;
  TreeNode* parent = materialize(parts, last);
  if (TreeNode* found = parent->child(parts[last])) {
    TreeNode& existing = *found;
    if (existing.kind != NodeKind::kAbsent && existing.layer < layer_) {
      if (existing.implicit && is_dir(existing) && kind == NodeKind::kDirectory) {
        existing.implicit = false;  // lends mode and mtime to the upper implicit directory
        return &existing;
      }
      // An upper entry wins. A lower non-directory under an upper directory
      // ends the merge of that directory here.
      if (is_dir(existing) && kind != NodeKind::kDirectory)
        existing.opaque_below = std::min(existing.opaque_below, layer_);
      return nullptr;
    }
    // Same layer (a later member wins) or a whiteout placeholder of this layer.
    if (kind != NodeKind::kDirectory) existing.children.reset();
    if (existing.kind == NodeKind::kAbsent || kind != existing.kind || kind != NodeKind::kDirectory)
      existing.ino = next_ino_++;
    existing.kind = kind;
    existing.implicit = false;
    existing.layer = layer_;
    existing.content.reset();
    existing.link.clear();
    ++entries_;
    return &existing;
  }
  TreeNode& node = insert(*parent, parts[last]);
  node.kind = kind;
  node.ino = next_ino_++;
  ++entries_;
  return &node;
}

void LayerTree::whiteout(std::string_view path) {
  auto parts = split_components(path);
  if (parts.empty()) return;  // nothing can remove the root
  const std::size_t last = parts.size() - 1;
  if (hidden(parts, last)) return;
  TreeNode* parent = materialize(parts, last);
  TreeNode* found = parent->child(parts[last]);
  TreeNode& node = found ? *found : insert(*parent, parts[last]);
  node.removed_below = std::min(node.removed_below, layer_);
}

void LayerTree::opaque(std::string_view dir) {
  auto parts = split_components(dir);
  // Checking every component as an ancestor also drops a marker whose
  // directory an upper non-directory (or an upper opaque marker) already hides.
  if (hidden(parts, parts.size())) return;
  TreeNode* node = materialize(parts, parts.size());
  node->opaque_below = std::min(node->opaque_below, layer_);
}

Result<Resolved> LayerTree::resolve(std::string_view path, bool follow_last) const {
  auto error = [&](const char* what) { return fail(std::string(path) + ": " + what); };
  std::vector<const TreeNode*> stack{root_.get()};
  std::vector<std::string_view> names;
  // Components still to walk, last first, so a link's target can be pushed in front.
  std::vector<std::string_view> pending;
  auto push_front = [&](std::string_view p) {
    auto parts = split_components(p);
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_back(*it);
  };
  push_front(path);
  int hops = 0;
  while (!pending.empty()) {
    std::string_view part = pending.back();
    pending.pop_back();
    if (part == ".") continue;
    if (part == "..") {
      if (stack.size() > 1) {
        stack.pop_back();
        names.pop_back();
      }
      continue;
    }
    const TreeNode* dir = stack.back();
    if (!is_dir(*dir)) return error("not a directory");
    const TreeNode* child = find_child(*dir, part);
    if (!child || child->kind == NodeKind::kAbsent) return error("no such file or directory");
    if (child->kind == NodeKind::kSymlink && (follow_last || !pending.empty())) {
      if (++hops > kMaxSymlinkHops) return error("too many levels of symbolic links");
      if (child->link.empty()) return error("no such file or directory");
      if (child->link.front() == '/') {
        stack.resize(1);
        names.clear();
      }
      push_front(child->link);
      continue;
    }
    stack.push_back(child);
    names.push_back(part);
  }
  Resolved out;
  out.node = stack.back();
  for (auto n : names) {
    out.path.push_back('/');
    out.path.append(n);
  }
  if (out.path.empty()) out.path = "/";
  return out;
}

}  // namespace envlock::scanner
