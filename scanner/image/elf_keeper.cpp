#include "scanner/image/elf_keeper.hpp"

#include <algorithm>
#include <optional>

#include "scanner/native/elf_file.hpp"

namespace envlock::scanner {

namespace {

// Program headers further in than this are not worth planning around.
constexpr std::uint64_t kMaxHeaderBytes = 64ull << 10;
// Largest single range kept (a dynamic table or string table is far smaller).
constexpr std::uint64_t kMaxRangeBytes = 16ull << 20;

// The pieces kept so far as a ByteSource: a read that touches bytes not kept
// fails (ElfBytes::bad).
class KeptBytes final : public ByteSource {
 public:
  explicit KeptBytes(const std::vector<KeptPiece>& pieces) : pieces_(pieces) {}

  std::string_view from(std::uint64_t offset) const override {
    for (const auto& p : pieces_) {
      if (offset >= p.offset && offset - p.offset < p.bytes.size())
        return std::string_view(p.bytes).substr(offset - p.offset);
    }
    return {};
  }
  std::uint64_t size() const override {
    return !pieces_.empty() && pieces_.front().offset == 0 ? pieces_.front().bytes.size() : 0;
  }

 private:
  const std::vector<KeptPiece>& pieces_;
};

struct Header {
  ElfIdent ident;
  ElfHeader elf;
  std::vector<ProgramHeader> segments;
};

// Parses the ELF header and program headers from the pieces (the first one
// starts at offset 0 and holds the ELF header); nullopt when malformed or not
// all there.
std::optional<Header> read_header(const std::vector<KeptPiece>& pieces) {
  Header h;
  h.ident = decode_ident(pieces.front().bytes);
  if (!h.ident.known_class() || !h.ident.known_data()) return std::nullopt;
  const KeptBytes source(pieces);
  const ElfBytes b(source, h.ident);
  h.elf = read_elf_header(b);
  if (b.bad || h.elf.phnum == kPnXnum) return std::nullopt;
  if (h.elf.phnum > 0 && h.elf.phentsize < min_phentsize(b)) return std::nullopt;
  if (h.elf.phoff > kMaxHeaderBytes || h.elf.phnum * h.elf.phentsize > kMaxHeaderBytes) return std::nullopt;
  for (std::uint64_t i = 0; i < h.elf.phnum; ++i) {
    h.segments.push_back(read_program_header(b, h.elf.phoff + i * h.elf.phentsize));
    if (b.bad) return std::nullopt;
  }
  return h;
}

std::uint64_t header_end(const Header& h) {
  return std::max<std::uint64_t>(h.ident.header_bytes(), h.elf.phoff + h.elf.phnum * h.elf.phentsize);
}

}  // namespace

ElfKeeper::ElfKeeper(std::uint64_t file_size, std::uint64_t prefix_limit, bool trim)
    : size_(file_size), limit_(std::min(file_size, prefix_limit)) {
  keep_all_ = !trim || limit_ <= kElfKeepWholeBytes;
}

void ElfKeeper::store(std::uint64_t offset, std::string_view bytes) {
  if (bytes.empty()) return;
  held_ += bytes.size();
  if (!pieces_.empty()) {
    auto& last = pieces_.back();
    if (last.offset + last.bytes.size() == offset) {
      last.bytes.append(bytes);
      return;
    }
  }
  pieces_.push_back({offset, std::string(bytes)});
}

void ElfKeeper::feed(std::string_view chunk) {
  if (keep_all_ || !planned_) {
    if (pos_ < limit_) store(pos_, chunk.substr(0, std::min<std::uint64_t>(chunk.size(), limit_ - pos_)));
    pos_ += chunk.size();
    if (!keep_all_ && !planned_) plan();
    return;
  }
  // Planned ranges may lie past the prefix (PT_DYNAMIC after megabytes of code).
  const std::uint64_t begin = pos_, end = pos_ + chunk.size();
  for (const auto& r : keep_) {
    std::uint64_t b = std::max(begin, r.begin), e = std::min(end, r.end);
    if (b < e) store(b, chunk.substr(b - begin, e - b));
  }
  pos_ += chunk.size();
}

// Once the headers are in: keep everything before the first executable
// segment (loader metadata), and the dynamic, interpreter and note segments.
void ElfKeeper::plan() {
  if (pieces_.empty()) return;
  const auto& head = pieces_.front().bytes;
  if (head.size() < kEhdr64Bytes) return;
  const ElfIdent ident = decode_ident(head);
  // An unknown class or byte order never parses: keep the plain prefix.
  if (!ident.known_class() || !ident.known_data()) {
    keep_all_ = true;
    return;
  }
  const KeptBytes source(pieces_);
  if (read_elf_header(ElfBytes(source, ident)).phoff > kMaxHeaderBytes) {
    keep_all_ = true;
    return;
  }
  auto h = read_header(pieces_);
  if (!h) {
    // Not all program headers yet, or malformed: wait a little, then give up trimming.
    if (head.size() >= kMaxHeaderBytes * 2 + 64) keep_all_ = true;
    return;
  }
  planned_ = true;
  std::uint64_t meta_end = limit_;
  for (const auto& s : h->segments) {
    if (s.type == kPtLoad && (s.flags & kPfX) && s.offset >= header_end(*h))
      meta_end = std::min(meta_end, s.offset);
  }
  // An executable segment that starts at 0 (old layouts) holds .dynstr too:
  // meta_end stays at the limit and everything is kept.
  keep_.push_back({0, meta_end});
  for (const auto& s : h->segments) {
    if (s.type == kPtDynamic || s.type == kPtInterp || s.type == kPtNote || s.type == kPtGnuProperty)
      if (s.offset < size_) keep_.push_back({s.offset, s.offset + std::min({s.filesz, size_ - s.offset, kMaxRangeBytes})});
  }
  std::sort(keep_.begin(), keep_.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  std::vector<Range> merged;
  for (const auto& r : keep_) {
    if (!merged.empty() && r.begin <= merged.back().end)
      merged.back().end = std::max(merged.back().end, r.end);
    else
      merged.push_back(r);
  }
  keep_ = std::move(merged);
}

ElfKeeper::Outcome ElfKeeper::finish() {
  Outcome out;
  out.extent = std::min(pos_, limit_);
  if (keep_all_ || !planned_) {
    out.pieces = std::move(pieces_);
    return out;
  }
  auto h = read_header(pieces_);
  if (!h) {
    out.pieces = std::move(pieces_);
    return out;
  }
  const KeptBytes source(pieces_);
  const ElfBytes b(source, h->ident);
  std::vector<Range> need{{0, header_end(*h)}};
  // Ranges in the prefix must be kept for read_elf; past it they are kept when
  // they streamed by (read_at), and missing them is no reason to read again.
  std::vector<Range> beyond;
  auto add = [&](std::uint64_t off, std::uint64_t size) {
    if (off >= size_) return;
    Range r{off, off + std::min({size, size_ - off, kMaxRangeBytes})};
    if (r.begin < limit_) need.push_back({r.begin, std::min(r.end, limit_)});
    if (r.end > limit_) beyond.push_back({std::max(r.begin, limit_), r.end});
  };
  std::optional<ProgramHeader> dynamic;
  for (const auto& s : h->segments) {
    if (s.type == kPtInterp || s.type == kPtNote || s.type == kPtGnuProperty) add(s.offset, s.filesz);
    if (s.type == kPtDynamic && !dynamic) dynamic = s;
  }
  bool parsed = true;
  if (dynamic && dynamic->offset < size_) {
    add(dynamic->offset, dynamic->filesz);
    // The dynamic entries that are here, decoded as read_elf decodes them.
    const std::uint64_t size = std::min({dynamic->filesz, size_ - dynamic->offset, kMaxRangeBytes,
                                         std::uint64_t{b.from(dynamic->offset).size()}});
    DynamicTags tags = read_dynamic_tags(b, dynamic->offset, size, "").value_or(DynamicTags{});
    if (tags.strtab) {
      if (auto off = load_address_to_offset(h->segments, *tags.strtab)) add(*off, tags.strsz ? *tags.strsz : kMaxRangeBytes);
      else parsed = false;
    }
    // The version chains are walked by read_elf's own walk, which names each
    // record before it reads it: what is kept is what the reader reads. Where
    // the walk stops (a record not here, a bad version) the reader stops too.
    VersionVisitor keep;
    keep.record = add;
    if (tags.verneed) {
      auto off = load_address_to_offset(h->segments, *tags.verneed);
      if (off) (void)walk_version_needs(b, *off, tags.verneednum, keep, "");
      else parsed = false;
      b.bad = false;
    }
    if (tags.verdef) {
      auto off = load_address_to_offset(h->segments, *tags.verdef);
      if (off) (void)walk_version_defs(b, *off, tags.verdefnum, keep, "");
      else parsed = false;
      b.bad = false;
    }
  }
  if (!parsed) {
    // read_elf will report the same malformation from whatever it gets; keep what is here.
    out.pieces = std::move(pieces_);
    return out;
  }
  auto by_begin = [](const Range& x, const Range& y) { return x.begin < y.begin; };
  std::sort(need.begin(), need.end(), by_begin);
  std::sort(beyond.begin(), beyond.end(), by_begin);
  bool prefix_complete = true;
  copy_ranges(need, out.pieces, prefix_complete);
  bool ignored = true;
  copy_ranges(beyond, out.pieces, ignored);
  out.complete = prefix_complete;
  for (auto& p : out.pieces) p.bytes.shrink_to_fit();
  pieces_.clear();
  return out;
}

// Copies the parts of `ranges` (sorted) that are kept into `out` (appending,
// merging with the last piece); `complete` turns false at the first gap.
void ElfKeeper::copy_ranges(const std::vector<Range>& ranges, std::vector<KeptPiece>& out, bool& complete) const {
  for (const auto& r : ranges) {
    std::uint64_t at = r.begin;
    if (!out.empty()) at = std::max(at, out.back().offset + out.back().bytes.size());
    while (at < r.end) {
      const KeptPiece* src = nullptr;
      for (const auto& p : pieces_) {
        if (at >= p.offset && at < p.offset + p.bytes.size()) src = &p;
      }
      if (!src) {
        complete = false;
        break;
      }
      std::uint64_t stop = std::min(r.end, src->offset + src->bytes.size());
      std::string_view bytes = std::string_view(src->bytes).substr(at - src->offset, stop - at);
      if (!out.empty() && out.back().offset + out.back().bytes.size() == at)
        out.back().bytes.append(bytes);
      else
        out.push_back({at, std::string(bytes)});
      at = stop;
    }
  }
}

}  // namespace envlock::scanner
