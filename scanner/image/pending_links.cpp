#include "scanner/image/pending_links.hpp"

#include "scanner/image/wanted_files.hpp"

namespace envlock::scanner {

std::uint64_t path_hash(std::string_view path) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : path) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::shared_ptr<FileContent> PendingLinks::wait(const std::string& target, std::string where, std::uint64_t ino) {
  auto [it, fresh] = targets_.try_emplace(target);
  Target& t = it->second;
  if (fresh) {
    bytes_ += target.size();
    for_each_ancestor(target, [&](std::string_view, std::uint64_t h) {
      if (ancestors_[h]++ == 0) bytes_ += 48;
    });
  }
  if (!t.links.empty() && t.links.back()->layer == tree_.layer()) return t.links.back()->placeholder;
  auto link = std::make_unique<Link>();
  link->owner = &t;
  link->layer = tree_.layer();
  link->where = std::move(where);
  link->placeholder = std::make_shared<FileContent>();
  link->placeholder->ino = ino;
  bytes_ += link->where.size() + sizeof(Link) + sizeof(FileContent);
  placeholders_[link->placeholder.get()] = link.get();
  t.links.push_back(std::move(link));
  return t.links.back()->placeholder;
}

void PendingLinks::hold(const FileContent* placeholder, std::string path) {
  auto it = placeholders_.find(placeholder);
  if (it != placeholders_.end()) add_holder(*it->second, tree_.layer(), std::move(path), placeholder);
}

void PendingLinks::add_holder(Link& link, int layer, std::string path, const FileContent* holds) {
  bytes_ += path.size() + sizeof(Link::Holder);
  Waiting& w = link.owner->waiting;
  const Want want = wanted_content(path, "");
  const bool whole = want == Want::kWhole;
  // Failing a whole-wanted path, a pyc's: its header and code digest must be taken.
  const bool code = want == Want::kHeadAndDigest && wanted_content(w.want_path, "") == Want::kNothing;
  if (w.want_path.empty() || (whole && !w.wants_whole) || (code && !w.wants_whole)) w.want_path = path;
  w.wants_whole = w.wants_whole || whole;
  link.holders.push_back({layer, std::move(path), holds});
}

const PendingLinks::Waiting* PendingLinks::waiting_for(std::string_view path) const {
  if (targets_.empty()) return nullptr;
  auto it = targets_.find(path);
  return it == targets_.end() || it->second.waiting.want_path.empty() ? nullptr : &it->second.waiting;
}

void PendingLinks::begin_layer() {
  touched_.clear();
  hides_.clear();
  layer_bytes_ = 0;
}

void PendingLinks::note(const LayerEntry& e) {
  if (targets_.empty()) return;
  const std::string& p = e.path;
  const bool above = ancestors_.count(path_hash(p)) > 0;
  auto hide = [&](LayerEntryType type) {
    if (hides_.emplace(p, type).second) layer_bytes_ += p.size();
  };
  switch (e.type) {
    case LayerEntryType::kWhiteout:
      if (above || targets_.count(p)) hide(e.type);
      return;
    case LayerEntryType::kOpaque:
      if (above) hide(e.type);
      return;
    default:
      if (targets_.count(p) && touched_.insert_or_assign(p, e.type == LayerEntryType::kDirectory).second)
        layer_bytes_ += p.size();
      if (above && e.type != LayerEntryType::kDirectory) hide(LayerEntryType::kRegular);
  }
}

Result<void> PendingLinks::settle(const LayerState& state) {
  if (targets_.empty()) return {};
  const int m = tree_.layer();
  // A non-directory at a parent: the target is gone from this layer and below.
  for (const auto& [prefix, type] : hides_) {
    if (type != LayerEntryType::kRegular || !state.non_directory(prefix)) continue;
    if (Link* l = first_under(prefix, false, m - 1)) return dangling(*l);
  }
  for (const auto& [path, was_dir] : touched_) {
    auto it = targets_.find(path);
    if (it == targets_.end()) continue;
    if (was_dir) {
      for (const auto& l : it->second.links)
        if (l->layer < m) return fail(l->where + ": a directory in a layer below");
      continue;
    }
    if (auto found = state.member(path)) resolve(it, m, *found);
  }
  // Whiteouts and opaque markers hide the layers below, also from a hardlink of this layer.
  for (const auto& [prefix, type] : hides_) {
    if (type == LayerEntryType::kRegular) continue;
    if (Link* l = first_under(prefix, type == LayerEntryType::kWhiteout, m)) return dangling(*l);
  }
  return {};
}

Result<void> PendingLinks::finish() const {
  if (targets_.empty()) return {};
  return dangling(*targets_.begin()->second.links.front());
}

// A link of layer `max_layer` or above waiting for `prefix` (when
// `inclusive`) or for a path under it.
PendingLinks::Link* PendingLinks::first_under(const std::string& prefix, bool inclusive, int max_layer) {
  auto check = [&](Target& t) -> Link* {
    for (auto& l : t.links)
      if (l->layer <= max_layer) return l.get();
    return nullptr;
  };
  if (inclusive) {
    if (auto it = targets_.find(prefix); it != targets_.end())
      if (Link* l = check(it->second)) return l;
  }
  const std::string under = prefix == "/" ? "/" : prefix + "/";
  for (auto it = targets_.lower_bound(under); it != targets_.end() && it->first.starts_with(under); ++it)
    if (Link* l = check(it->second)) return l;
  return nullptr;
}

// Gives the links of the layers above `m` waiting for this target what layer `m` has there.
void PendingLinks::resolve(Targets::iterator it, int m, const LinkedFile& found) {
  auto& links = it->second.links;
  Link* next = nullptr;
  if (found.kind == NodeKind::kRegular && found.content) {
    auto p = placeholders_.find(found.content.get());
    if (p != placeholders_.end()) next = p->second;
  }
  for (auto l = links.begin(); l != links.end();) {
    Link& link = **l;
    if (link.layer >= m) {
      ++l;
      continue;
    }
    if (next) {
      // The target is itself a hardlink waiting for a lower layer: so are
      // these (the smaller list moves, so a chain of links stays linear).
      if (next->holders.size() < link.holders.size()) std::swap(next->holders, link.holders);
      Waiting& to = next->owner->waiting;
      const Waiting& from = it->second.waiting;
      if (from.wants_whole && !to.wants_whole) to.want_path = from.want_path;
      if (to.want_path.empty()) to.want_path = from.want_path;
      to.wants_whole = to.wants_whole || from.wants_whole;
      for (auto& h : link.holders) add_holder(*next, h.layer, std::move(h.path), h.holds);
    } else {
      for (const auto& h : link.holders) {
        TreeNode* n = tree_.find_exact(h.path);
        if (!n || n->layer != h.layer || n->content.get() != h.holds) continue;  // replaced since
        n->mode = found.mode;
        n->mtime_ns = found.mtime_ns;
        n->kind = found.kind;
        n->link = found.link;
        n->content = found.kind == NodeKind::kRegular ? found.content : nullptr;
        if (!n->content && n->kind == NodeKind::kRegular) n->content = std::make_shared<FileContent>();
      }
    }
    placeholders_.erase(link.placeholder.get());
    l = links.erase(l);
  }
  if (links.empty()) forget(it);
}

void PendingLinks::forget(Targets::iterator it) {
  for_each_ancestor(it->first, [&](std::string_view, std::uint64_t h) {
    auto a = ancestors_.find(h);
    if (a != ancestors_.end() && --a->second == 0) ancestors_.erase(a);
  });
  targets_.erase(it);
}

tl::unexpected<Error> PendingLinks::dangling(const Link& l) {
  return fail(l.where + ": no such file in its layer or below (a container runtime refuses to unpack it)");
}

}  // namespace envlock::scanner
