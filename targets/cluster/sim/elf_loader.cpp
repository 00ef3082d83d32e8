#include "elf_loader.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

namespace halyard::sim {

namespace {

constexpr uint32_t kPtLoad = 1;
constexpr uint32_t kShtSymtab = 2;
constexpr uint32_t kShfAlloc = 2;
constexpr uint64_t kPhdrBytes = 32, kShdrBytes = 40, kSymBytes = 16;
constexpr uint8_t kSttFunc = 2, kSttSection = 3, kSttFile = 4;
constexpr uint16_t kShnUndef = 0;
constexpr size_t kMaxName = 256;  // longer names are cut (messages only)

// The NUL-terminated string at `off` of a string table of `size` bytes
// (cut at the table's end or at kMaxName characters).
std::string string_at(const char *table, uint64_t size, uint64_t off) {
    std::string s;
    for (uint64_t i = off; i < size && table[i] && s.size() < kMaxName; i++) s += table[i];
    return s;
}

class Reader {
public:
    Reader(const std::vector<uint8_t> &f, const std::string &path) : f_(f), path_(path) {}

    template <typename T> T rd(uint64_t off, const std::string &field) const {
        if (off > f_.size() || f_.size() - off < sizeof(T))
            fail(field + " at byte " + std::to_string(off) + " lies past the end of the file (" + size_text() + ")");
        T v;
        std::memcpy(&v, f_.data() + off, sizeof(T));
        return v;
    }
    // [off, off + len) must lie in the file; `what` names the fields.
    void require_in_file(uint64_t off, uint64_t len, const std::string &what) const {
        if (off > f_.size() || f_.size() - off < len)
            fail(what + " runs past the end of the file (" + size_text() + ")");
    }
    [[noreturn]] void fail(const std::string &what) const { throw ElfError(path_ + ": " + what); }
    std::string size_text() const { return std::to_string(f_.size()) + " bytes"; }

private:
    const std::vector<uint8_t> &f_;
    const std::string &path_;
};

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)v);
    return buf;
}

}  // namespace

Elf parse_elf(const std::vector<uint8_t> &f, const std::string &path, uint64_t max_load_bytes) {
    const Reader r(f, path);
    if (f.size() < 52 || std::memcmp(f.data(), "\x7f" "ELF", 4) != 0 || f[4] != 1 || f[5] != 1)
        throw ElfError(path + ": not a little-endian ELF32 file");
    if (r.rd<uint16_t>(18, "e_machine") != 243) throw ElfError(path + ": not a RISC-V ELF");
    Elf e;
    e.entry = r.rd<uint32_t>(24, "e_entry");
    const uint64_t phoff = r.rd<uint32_t>(28, "e_phoff"), shoff = r.rd<uint32_t>(32, "e_shoff");
    const uint64_t phentsize = r.rd<uint16_t>(42, "e_phentsize"), phnum = r.rd<uint16_t>(44, "e_phnum");
    const uint64_t shentsize = r.rd<uint16_t>(46, "e_shentsize"), shnum = r.rd<uint16_t>(48, "e_shnum");
    // Entries shorter than ELF32's would overlap (e_phentsize 0 repeats one
    // header 65535 times).
    if (phnum && phentsize < kPhdrBytes)
        r.fail("e_phentsize = " + std::to_string(phentsize) + " is smaller than an ELF32 program header (32 bytes)");
    if (shnum && shentsize < kShdrBytes)
        r.fail("e_shentsize = " + std::to_string(shentsize) + " is smaller than an ELF32 section header (40 bytes)");
    r.require_in_file(phoff, phnum * phentsize,
                      "the program header table (e_phoff " + hex(phoff) + ", e_phnum " + std::to_string(phnum) + ")");
    uint64_t loaded = 0;
    for (uint64_t i = 0; i < phnum; i++) {
        const uint64_t p = phoff + i * phentsize;
        if (r.rd<uint32_t>(p, "p_type") != kPtLoad) continue;
        const std::string ph = "program header " + std::to_string(i) + ": ";
        const uint64_t off = r.rd<uint32_t>(p + 4, "p_offset"), paddr = r.rd<uint32_t>(p + 12, "p_paddr");
        const uint64_t filesz = r.rd<uint32_t>(p + 16, "p_filesz"), memsz = r.rd<uint32_t>(p + 20, "p_memsz");
        if (memsz == 0) continue;
        if (filesz > memsz) r.fail(ph + "p_filesz " + std::to_string(filesz) + " exceeds p_memsz " + std::to_string(memsz));
        r.require_in_file(off, filesz, ph + "p_offset " + hex(off) + " + p_filesz " + std::to_string(filesz));
        // Checked before allocating: a header may ask for up to 4 GiB per segment.
        loaded += memsz;
        if (loaded > max_load_bytes)
            r.fail(ph + "p_memsz " + std::to_string(memsz) + " brings the segments to " + std::to_string(loaded) +
                   " bytes, more than the " + std::to_string(max_load_bytes) + " bytes of memory they load into");
        Segment s;
        s.addr = (uint32_t)paddr;
        s.bytes.assign(memsz, 0);
        std::memcpy(s.bytes.data(), f.data() + off, filesz);
        e.segments.push_back(std::move(s));
    }
    r.require_in_file(shoff, shnum * shentsize,
                      "the section header table (e_shoff " + hex(shoff) + ", e_shnum " + std::to_string(shnum) + ")");
    // Section names, for the allocated sections (messages of the memory guard).
    const uint64_t shstrndx = r.rd<uint16_t>(50, "e_shstrndx");
    const char *shstr = nullptr;
    uint64_t shstrsize = 0;
    if (shnum && shstrndx < shnum) {
        const uint64_t sh = shoff + shstrndx * shentsize;
        const uint64_t off = r.rd<uint32_t>(sh + 16, "sh_offset"), size = r.rd<uint32_t>(sh + 20, "sh_size");
        r.require_in_file(off, size, "section " + std::to_string(shstrndx) + " (section names): sh_offset " + hex(off) +
                                         " + sh_size " + std::to_string(size));
        shstr = reinterpret_cast<const char *>(f.data() + off);
        shstrsize = size;
    }
    for (uint64_t i = 0; i < shnum; i++) {
        const uint64_t sh = shoff + i * shentsize;
        const uint32_t flags = r.rd<uint32_t>(sh + 8, "sh_flags");
        const uint64_t addr = r.rd<uint32_t>(sh + 12, "sh_addr"), size = r.rd<uint32_t>(sh + 20, "sh_size");
        if (!(flags & kShfAlloc) || size == 0) continue;
        Section s;
        s.name = shstr ? string_at(shstr, shstrsize, r.rd<uint32_t>(sh, "sh_name")) : "";
        if (s.name.empty()) s.name = "section " + std::to_string(i);
        s.addr = (uint32_t)addr;
        s.size = (uint32_t)std::min<uint64_t>(size, 0xffffffffull - addr);
        e.sections.push_back(std::move(s));
    }
    std::sort(e.sections.begin(), e.sections.end(), [](const Section &a, const Section &b) { return a.addr < b.addr; });
    // The symbol table (an ELF file has at most one): "tohost" and every
    // named symbol with a value.
    for (uint64_t i = 0; i < shnum; i++) {
        const uint64_t sh = shoff + i * shentsize;
        if (r.rd<uint32_t>(sh + 4, "sh_type") != kShtSymtab) continue;
        const std::string sec = "section " + std::to_string(i) + " (symbol table): ";
        const uint64_t symoff = r.rd<uint32_t>(sh + 16, "sh_offset"), symsize = r.rd<uint32_t>(sh + 20, "sh_size");
        const uint64_t link = r.rd<uint32_t>(sh + 24, "sh_link");
        r.require_in_file(symoff, symsize, sec + "sh_offset " + hex(symoff) + " + sh_size " + std::to_string(symsize));
        if (link >= shnum) r.fail(sec + "sh_link " + std::to_string(link) + " names no section (e_shnum " + std::to_string(shnum) + ")");
        const uint64_t strsh = shoff + link * shentsize;
        const uint64_t stroff = r.rd<uint32_t>(strsh + 16, "sh_offset"), strsize = r.rd<uint32_t>(strsh + 20, "sh_size");
        r.require_in_file(stroff, strsize, "section " + std::to_string(link) + " (string table): sh_offset " + hex(stroff) +
                                               " + sh_size " + std::to_string(strsize));
        const char *strtab = reinterpret_cast<const char *>(f.data() + stroff);
        for (uint64_t s = 0; s + kSymBytes <= symsize; s += kSymBytes) {
            const uint64_t name = r.rd<uint32_t>(symoff + s, "st_name");
            if (name == 0 || name >= strsize) continue;
            const uint8_t type = r.rd<uint8_t>(symoff + s + 12, "st_info") & 0xf;
            const uint16_t shndx = r.rd<uint16_t>(symoff + s + 14, "st_shndx");
            if (type == kSttSection || type == kSttFile || shndx == kShnUndef) continue;
            Symbol sym;
            sym.name = string_at(strtab, strsize, name);
            sym.value = r.rd<uint32_t>(symoff + s + 4, "st_value");
            sym.size = r.rd<uint32_t>(symoff + s + 8, "st_size");
            sym.function = type == kSttFunc;
            if (sym.name == "tohost") e.tohost = sym.value;
            e.symbols.push_back(std::move(sym));
        }
        break;
    }
    std::stable_sort(e.symbols.begin(), e.symbols.end(),
                     [](const Symbol &a, const Symbol &b) { return a.value < b.value; });
    return e;
}

const Symbol *Elf::symbol(const std::string &name) const {
    for (const Symbol &s : symbols)
        if (s.name == name) return &s;
    return nullptr;
}

std::string Elf::function_at(uint32_t pc) const {
    const Symbol *best = nullptr;
    for (const Symbol &s : symbols) {
        if (s.value > pc) break;
        if (s.function && pc - s.value < std::max<uint32_t>(s.size, 1)) best = &s;
    }
    char buf[24];
    if (!best) {
        std::snprintf(buf, sizeof buf, "0x%08x", pc);
        return buf;
    }
    std::snprintf(buf, sizeof buf, "+0x%x", pc - best->value);
    return best->name + buf;
}

const Symbol *Elf::object_near(uint32_t addr) const {
    const Symbol *containing = nullptr, *sized_below = nullptr, *below = nullptr;
    for (const Symbol &s : symbols) {
        if (s.value > addr) break;
        if (s.size && addr - s.value < s.size) containing = &s;
        if (s.size) sized_below = &s;
        below = &s;
    }
    return containing ? containing : sized_below ? sized_below : below;
}

Elf load_elf(const std::string &path, uint64_t max_load_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ElfError("cannot open " + path);
    std::vector<uint8_t> f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse_elf(f, path, max_load_bytes);
}

}  // namespace halyard::sim
