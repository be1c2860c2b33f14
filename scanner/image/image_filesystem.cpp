#include "scanner/image/image_filesystem.hpp"

#include "base/sha256.hpp"
#include "scanner/image/image_loader.hpp"

namespace envlock::scanner {

namespace {

FileType file_type(NodeKind kind) {
  switch (kind) {
    case NodeKind::kDirectory: return FileType::kDirectory;
    case NodeKind::kRegular: return FileType::kRegular;
    case NodeKind::kSymlink: return FileType::kSymlink;
    default: return FileType::kOther;
  }
}

FileStat stat_of(const TreeNode& n) {
  FileStat st;
  st.type = file_type(n.kind);
  st.mode = n.mode;
  st.mtime_ns = n.mtime_ns;
  st.ctime_ns = n.mtime_ns;
  st.ino = n.ino;
  if (n.kind == NodeKind::kRegular && n.content) {
    st.size = n.content->size;
    st.ino = n.content->ino;
  } else if (n.kind == NodeKind::kSymlink) {
    st.size = n.link.size();
  }
  return st;
}

// The first `n` bytes the pieces stand for, zeros between them.
std::string assemble(const FileContent& c, std::uint64_t n) {
  if (c.pieces.size() == 1 && c.pieces[0].offset == 0 && c.pieces[0].bytes.size() >= n)
    return c.pieces[0].bytes.substr(0, n);
  std::string out(n, '\0');
  for (const auto& p : c.pieces) {
    if (p.offset >= n) break;
    std::uint64_t len = std::min<std::uint64_t>(p.bytes.size(), n - p.offset);
    out.replace(p.offset, len, p.bytes, 0, len);
  }
  return out;
}

}  // namespace

ImageFileSystem::ImageFileSystem(std::unique_ptr<LayerTree> tree, std::string description)
    : tree_(std::move(tree)), description_(std::move(description)) {}

Result<Resolved> ImageFileSystem::resolve(std::string_view path, bool follow_last) const {
  auto r = tree_->resolve(path, follow_last);
  if (!r) return fail(description_ + ":" + r.error().message);
  return r;
}

tl::unexpected<Error> ImageFileSystem::not_retained(std::string_view path) const {
  return fail(description_ + ":" + std::string(path) +
              ": content not retained while streaming the image (only files listed in "
              "scanner/image/wanted_files.hpp are kept)");
}

Result<const FileContent*> ImageFileSystem::regular(std::string_view path) const {
  Resolved r = ENVLOCK_TRY(resolve(path, true));
  if (r.node->kind != NodeKind::kRegular || !r.node->content)
    return fail(description_ + ":" + std::string(path) + ": not a regular file");
  return r.node->content.get();
}

Result<FileStat> ImageFileSystem::stat(std::string_view path) const {
  Resolved r = ENVLOCK_TRY(resolve(path, true));
  return stat_of(*r.node);
}

Result<FileStat> ImageFileSystem::lstat(std::string_view path) const {
  Resolved r = ENVLOCK_TRY(resolve(path, false));
  return stat_of(*r.node);
}

Result<std::vector<DirEntry>> ImageFileSystem::list(std::string_view dir) const {
  Resolved r = ENVLOCK_TRY(resolve(dir, true));
  if (r.node->kind != NodeKind::kDirectory)
    return fail(description_ + ":" + std::string(dir) + ": not a directory");
  std::vector<DirEntry> out;
  if (!r.node->children) return out;
  out.reserve(r.node->children->size());
  for (const auto& [name, child] : *r.node->children) {
    if (child->kind == NodeKind::kAbsent) continue;
    out.push_back({name, file_type(child->kind)});
  }
  return out;
}

Result<std::string> ImageFileSystem::read(std::string_view path, std::uint64_t max_bytes) const {
  const FileContent* c = ENVLOCK_TRY(regular(path));
  if (c->size > max_bytes)
    return fail(description_ + ":" + std::string(path) + ": larger than " + std::to_string(max_bytes) +
                " bytes");
  if (!c->whole()) return not_retained(path);
  return assemble(*c, c->size);
}

Result<std::string> ImageFileSystem::read_prefix(std::string_view path, std::uint64_t max_bytes) const {
  const FileContent* c = ENVLOCK_TRY(regular(path));
  std::uint64_t n = std::min(max_bytes, c->size);
  if (!c->whole() && c->kept_extent < n) return not_retained(path);
  return assemble(*c, n);
}

Result<std::string> ImageFileSystem::read_at(std::string_view path, std::uint64_t offset,
                                             std::uint64_t size) const {
  const FileContent* c = ENVLOCK_TRY(regular(path));
  if (offset >= c->size) return std::string();
  const std::uint64_t end = offset + std::min(size, c->size - offset);
  for (const auto& p : c->pieces) {
    if (offset >= p.offset && end <= p.offset + p.bytes.size())
      return p.bytes.substr(offset - p.offset, end - offset);
  }
  return not_retained(path);
}

Result<std::string> ImageFileSystem::readlink(std::string_view path) const {
  Resolved r = ENVLOCK_TRY(resolve(path, false));
  if (r.node->kind != NodeKind::kSymlink)
    return fail(description_ + ":" + std::string(path) + ": not a symbolic link");
  return r.node->link;
}

Result<std::string> ImageFileSystem::realpath(std::string_view path) const {
  Resolved r = ENVLOCK_TRY(resolve(path, true));
  return r.path;
}

Result<void> ImageFileSystem::read_chunks(
    std::string_view path, const std::function<void(const char* data, std::size_t size)>& sink) const {
  const FileContent* c = ENVLOCK_TRY(regular(path));
  if (!c->whole()) return not_retained(path);
  if (c->size > 0) sink(c->pieces[0].bytes.data(), c->pieces[0].bytes.size());
  return {};
}

Result<std::string> ImageFileSystem::sha256(std::string_view path) const {
  const FileContent* c = ENVLOCK_TRY(regular(path));
  if (c->hashed) return c->sha256_hex();
  if (c->whole()) return sha256_hex(c->size > 0 ? std::string_view(c->pieces[0].bytes) : "");
  return fail(description_ + ":" + std::string(path) +
              ": not hashed while streaming the image (file hashing was off)");
}

Result<HeadAndDigest> ImageFileSystem::head_and_sha256(std::string_view path, std::uint64_t head_bytes) const {
  const FileContent* c = ENVLOCK_TRY(regular(path));
  const std::uint64_t n = std::min(head_bytes, c->size);
  if (c->tail && c->tail->offset == head_bytes && (c->whole() || c->kept_extent >= n))
    return HeadAndDigest{assemble(*c, n),
                         hex_encode(std::string_view(reinterpret_cast<const char*>(c->tail->digest.data()),
                                                               c->tail->digest.size()))};
  if (!c->whole()) return not_retained(path);
  std::string_view bytes = c->size > 0 ? std::string_view(c->pieces[0].bytes) : std::string_view();
  return HeadAndDigest{std::string(bytes.substr(0, n)), sha256_hex(bytes.substr(n))};
}

Result<OpenedImage> open_image(const std::string& path, const ImageOptions& opts) {
  LocatedImage located = ENVLOCK_TRY(locate_image(path, opts));
  LoadedLayers loaded = ENVLOCK_TRY(load_layers(located, opts));
  OpenedImage out;
  out.fs = std::make_unique<ImageFileSystem>(std::move(loaded.tree), "image:" + path);
  out.identity = std::move(located.identity);
  out.env = std::move(located.env);
  out.notes = std::move(located.notes);
  for (auto& n : loaded.notes) out.notes.push_back(std::move(n));
  return out;
}

}  // namespace envlock::scanner
