#include "elf_loader.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace halyard::sim {

namespace {

constexpr uint32_t kPtLoad = 1;
constexpr uint32_t kShtSymtab = 2;
constexpr uint64_t kPhdrBytes = 32, kShdrBytes = 40, kSymBytes = 16;

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
    // Find "tohost" in the symbol table (an ELF file has at most one).
    r.require_in_file(shoff, shnum * shentsize,
                      "the section header table (e_shoff " + hex(shoff) + ", e_shnum " + std::to_string(shnum) + ")");
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
        static const char kTohost[] = "tohost";
        for (uint64_t s = 0; s + kSymBytes <= symsize; s += kSymBytes) {
            const uint64_t name = r.rd<uint32_t>(symoff + s, "st_name");
            // The name must end inside the string table to be "tohost".
            if (name >= strsize || strsize - name < sizeof kTohost) continue;
            if (std::memcmp(strtab + name, kTohost, sizeof kTohost) == 0) e.tohost = r.rd<uint32_t>(symoff + s + 4, "st_value");
        }
        break;
    }
    return e;
}

Elf load_elf(const std::string &path, uint64_t max_load_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ElfError("cannot open " + path);
    std::vector<uint8_t> f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse_elf(f, path, max_load_bytes);
}

}  // namespace halyard::sim
