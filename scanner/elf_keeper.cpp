#include "scanner/elf_keeper.hpp"

#include <algorithm>
#include <optional>

namespace envlock::scanner {

namespace {

constexpr std::uint32_t kPtLoad = 1, kPtDynamic = 2, kPtInterp = 3, kPtNote = 4;
constexpr std::uint32_t kPtGnuProperty = 0x6474e553;
constexpr std::uint32_t kPfX = 1;
constexpr std::int64_t kDtNull = 0, kDtStrtab = 5, kDtStrsz = 10;
constexpr std::int64_t kDtVerdef = 0x6ffffffc, kDtVerdefnum = 0x6ffffffd;
constexpr std::int64_t kDtVerneed = 0x6ffffffe, kDtVerneednum = 0x6fffffff;
// Program headers further in than this are not worth planning around.
constexpr std::uint64_t kMaxHeaderBytes = 64ull << 10;
constexpr std::size_t kMaxVersionEntries = 1 << 16;
// Largest single range kept (a dynamic table or string table is far smaller).
constexpr std::uint64_t kMaxRangeBytes = 16ull << 20;

// Bounds-checked, byte-order-aware reads over the pieces kept so far. A read
// that touches bytes not kept sets `hole`.
class SparseBytes {
 public:
  SparseBytes(const std::vector<KeptPiece>& pieces, bool little) : pieces_(pieces), little_(little) {}

  std::uint64_t uint(std::uint64_t off, unsigned width) {
    const KeptPiece* p = find(off, width);
    if (!p) {
      hole = true;
      return 0;
    }
    const auto* b = reinterpret_cast<const unsigned char*>(p->bytes.data() + (off - p->offset));
    std::uint64_t v = 0;
    for (unsigned i = 0; i < width; ++i) {
      unsigned shift = little_ ? 8 * i : 8 * (width - 1 - i);
      v |= std::uint64_t{b[i]} << shift;
    }
    return v;
  }

  bool hole = false;

 private:
  const KeptPiece* find(std::uint64_t off, unsigned width) const {
    for (const auto& p : pieces_) {
      if (off >= p.offset && off - p.offset <= p.bytes.size() &&
          p.bytes.size() - (off - p.offset) >= width)
        return &p;
    }
    return nullptr;
  }

  const std::vector<KeptPiece>& pieces_;
  bool little_;
};

struct Segment {
  std::uint32_t type, flags;
  std::uint64_t offset, vaddr, filesz;
};

struct Header {
  bool is64 = true;
  bool little = true;
  std::uint64_t phoff = 0, phnum = 0, phentsize = 0;
  std::vector<Segment> segments;
};

// Parses the ELF header and program headers; nullopt when malformed or not all there.
std::optional<Header> read_header(SparseBytes& b, std::string_view ident) {
  Header h;
  h.is64 = ident[4] == 2;
  h.little = ident[5] != 2;
  if ((ident[4] != 1 && ident[4] != 2) || (ident[5] != 1 && ident[5] != 2)) return std::nullopt;
  h.phoff = h.is64 ? b.uint(32, 8) : b.uint(28, 4);
  h.phentsize = b.uint(h.is64 ? 54 : 42, 2);
  h.phnum = b.uint(h.is64 ? 56 : 44, 2);
  if (b.hole || h.phnum == 0xffff) return std::nullopt;
  if (h.phnum > 0 && h.phentsize < (h.is64 ? 56u : 32u)) return std::nullopt;
  if (h.phoff > kMaxHeaderBytes || h.phnum * h.phentsize > kMaxHeaderBytes) return std::nullopt;
  for (std::uint64_t i = 0; i < h.phnum; ++i) {
    std::uint64_t ph = h.phoff + i * h.phentsize;
    Segment s{};
    s.type = static_cast<std::uint32_t>(b.uint(ph, 4));
    if (h.is64) {
      s.flags = static_cast<std::uint32_t>(b.uint(ph + 4, 4));
      s.offset = b.uint(ph + 8, 8);
      s.vaddr = b.uint(ph + 16, 8);
      s.filesz = b.uint(ph + 32, 8);
    } else {
      s.offset = b.uint(ph + 4, 4);
      s.vaddr = b.uint(ph + 8, 4);
      s.filesz = b.uint(ph + 16, 4);
      s.flags = static_cast<std::uint32_t>(b.uint(ph + 24, 4));
    }
    if (b.hole) return std::nullopt;
    h.segments.push_back(s);
  }
  return h;
}

std::uint64_t header_end(const Header& h) {
  return std::max<std::uint64_t>(h.is64 ? 64 : 52, h.phoff + h.phnum * h.phentsize);
}

std::optional<std::uint64_t> addr_to_offset(const Header& h, std::uint64_t addr) {
  for (const auto& s : h.segments) {
    if (s.type == kPtLoad && addr >= s.vaddr && addr - s.vaddr < s.filesz)
      return s.offset + (addr - s.vaddr);
  }
  return std::nullopt;
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
  if (head.size() < 64) return;
  SparseBytes b(pieces_, head[5] != 2);
  std::uint64_t phoff = head[4] == 2 ? b.uint(32, 8) : b.uint(28, 4);
  if (phoff > kMaxHeaderBytes) {
    keep_all_ = true;
    return;
  }
  auto h = read_header(b, head);
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
  const std::string ident = pieces_.front().bytes.substr(0, 16);
  SparseBytes b(pieces_, ident[5] != 2);
  auto h = read_header(b, ident);
  if (!h) {
    out.pieces = std::move(pieces_);
    return out;
  }
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
  std::optional<Segment> dynamic;
  for (const auto& s : h->segments) {
    if (s.type == kPtInterp || s.type == kPtNote || s.type == kPtGnuProperty) add(s.offset, s.filesz);
    if (s.type == kPtDynamic && !dynamic) dynamic = s;
  }
  bool parsed = true;
  if (dynamic && dynamic->offset < size_) {
    add(dynamic->offset, dynamic->filesz);
    const std::uint64_t ent = h->is64 ? 16 : 8;
    const std::uint64_t count = std::min({dynamic->filesz, size_ - dynamic->offset, kMaxRangeBytes}) / ent;
    std::optional<std::uint64_t> strtab, strsz, verneed, verdef;
    std::uint64_t verneednum = 0, verdefnum = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
      std::uint64_t e = dynamic->offset + i * ent;
      auto tag = static_cast<std::int64_t>(b.uint(e, ent / 2));
      if (!h->is64) tag = static_cast<std::int32_t>(tag);
      std::uint64_t val = b.uint(e + ent / 2, ent / 2);
      if (b.hole || tag == kDtNull) break;
      if (tag == kDtStrtab) strtab = val;
      if (tag == kDtStrsz) strsz = val;
      if (tag == kDtVerneed) verneed = val;
      if (tag == kDtVerneednum) verneednum = val;
      if (tag == kDtVerdef) verdef = val;
      if (tag == kDtVerdefnum) verdefnum = val;
    }
    if (strtab) {
      if (auto off = addr_to_offset(*h, *strtab)) add(*off, strsz ? *strsz : kMaxRangeBytes);
      else parsed = false;
    }
    // Walk the version chains exactly as far as read_elf does.
    std::size_t entries = 0;
    if (verneed) {
      auto off = addr_to_offset(*h, *verneed);
      if (!off) parsed = false;
      for (std::uint64_t i = 0; off && (verneednum == 0 || i < verneednum); ++i) {
        if (++entries > kMaxVersionEntries) break;
        add(*off, 16);
        std::uint64_t cnt = b.uint(*off + 2, 2), aux = b.uint(*off + 8, 4), next = b.uint(*off + 12, 4);
        if (b.hole) break;
        std::uint64_t a = *off + aux;
        for (std::uint64_t j = 0; j < cnt && entries <= kMaxVersionEntries; ++j, ++entries) {
          add(a, 16);
          std::uint64_t vna_next = b.uint(a + 12, 4);
          if (b.hole || vna_next == 0) break;
          a += vna_next;
        }
        if (b.hole || next == 0) break;
        *off += next;
      }
    }
    if (verdef) {
      auto off = addr_to_offset(*h, *verdef);
      if (!off) parsed = false;
      for (std::uint64_t i = 0; off && (verdefnum == 0 || i < verdefnum); ++i) {
        if (++entries > kMaxVersionEntries) break;
        add(*off, 20);
        std::uint64_t cnt = b.uint(*off + 6, 2), aux = b.uint(*off + 12, 4), next = b.uint(*off + 16, 4);
        if (b.hole) break;
        if (cnt > 0) add(*off + aux, 4);
        if (next == 0) break;
        *off += next;
      }
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
