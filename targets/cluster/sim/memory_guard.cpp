#include "memory_guard.h"

#include <algorithm>
#include <cstdio>

namespace halyard::sim {

namespace {

std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

uint32_t symbol_or(const Elf &elf, const char *name, uint32_t fallback) {
    const Symbol *s = elf.symbol(name);
    return s ? s->value : fallback;
}

}  // namespace

void MemoryGuard::Map::mark(uint64_t from, uint64_t to) {
    const uint64_t lo = std::max<uint64_t>(from, base), hi = std::min<uint64_t>(to, (uint64_t)base + size);
    if (lo >= hi) return;
    // Whole words: a word is allocated when any of its bytes is. Whole
    // 64-word chunks at once (an arena of 1 MiB is 4096 stores).
    uint64_t w = (lo - base) >> 2;
    const uint64_t last = (hi - 1 - base) >> 2;
    for (; w <= last && (w & 63); w++) bits[w >> 6] |= 1ull << (w & 63);
    for (; w + 63 <= last; w += 64) bits[w >> 6] = ~0ull;
    for (; w <= last; w++) bits[w >> 6] |= 1ull << (w & 63);
}

MemoryGuard::MemoryGuard(const Elf &elf, const MemoryLayout &layout) : elf_(elf), layout_(layout) {
    const Symbol *stacks = elf.symbol("__stacks_start");
    if (!stacks) return;
    enabled_ = true;
    l1_.base = layout.l1_base;
    l1_.size = layout.l1_size;
    l2_.base = layout.l2_base;
    l2_.size = layout.l2_size;
    wm_.base = layout.wm_base;
    wm_.size = layout.wm_size;
    for (Map *m : {&l1_, &l2_, &wm_}) m->bits.assign(((uint64_t)m->size / 4 + 63) / 64, 0);
    // Sections merged first (sorted by address): each word is marked once,
    // however many sections a file declares.
    uint64_t from = 0, to = 0;
    auto flush = [&] {
        l1_.mark(from, to);
        l2_.mark(from, to);
        wm_.mark(from, to);
    };
    for (const Section &s : elf.sections) {
        const uint64_t lo = s.addr, hi = (uint64_t)s.addr + s.size;
        if (lo > to) {
            flush();
            from = lo;
        }
        to = std::max(to, hi);
    }
    flush();
    stacks_start_ = stacks->value;
    stack_top_ = symbol_or(elf, "__stack_top", layout.l1_base + layout.l1_size);
    l1_.mark(stacks_start_, stack_top_);
    l1_heap_.start = l1_heap_.top = symbol_or(elf, "__l1_heap_start", stacks_start_);
    l1_heap_.end = symbol_or(elf, "__l1_heap_end", stacks_start_);
    l2_heap_.start = l2_heap_.top = symbol_or(elf, "__l2_heap_start", layout.l2_base + layout.l2_size);
    l2_heap_.end = symbol_or(elf, "__l2_heap_end", layout.l2_base + layout.l2_size);
    sp_armed_.assign(layout.cores, false);
}

std::optional<std::string> MemoryGuard::check_sp(int core, uint32_t sp) {
    const uint32_t top = stack_top_ - (uint32_t)core * layout_.stack_size, bottom = top - layout_.stack_size;
    const bool inside = sp >= bottom && sp <= top;  // sp == top: an empty stack
    if (inside) {
        sp_armed_[core] = true;
        return std::nullopt;
    }
    if (!sp_armed_[core]) return std::nullopt;  // not yet set up by crt0
    std::string what = "stack pointer " + hex(sp) + " left the core's stack " + hex(bottom) + ".." + hex(top) + " (" +
                       std::to_string(layout_.stack_size) + " bytes, stack.size)";
    if (sp < bottom) {
        what = "stack overflow: " + what + ", " + std::to_string(bottom - sp) + " bytes below its bottom";
        if (core + 1 < layout_.cores) what += ", into core " + std::to_string(core + 1) + "'s stack";
    }
    sp_armed_[core] = false;  // report once
    return what;
}

std::optional<std::string> MemoryGuard::check_transfer(uint32_t addr, uint32_t len, uint32_t rows, uint32_t stride,
                                                       bool write) const {
    if (rows == 0) rows = 1;
    // Rows that touch or overlap form one span, checked once (a transfer of
    // many rows with stride 0 rereads the same bytes).
    const bool one_span = stride <= len;
    const uint64_t span = one_span ? (uint64_t)(rows - 1) * stride + len : len;
    for (uint64_t r = 0; r < (one_span ? 1 : rows); r++) {
        const uint64_t row = addr + r * stride;
        if (row > 0xffffffffull) break;  // the DMA itself rejects a transfer past the memories
        for (uint64_t a = row & ~3ull; a < row + span && a <= 0xffffffffull; a += 4)
            if (!allowed((uint32_t)a)) return describe_fault((uint32_t)std::max<uint64_t>(a, row), write);
    }
    return std::nullopt;
}

std::string MemoryGuard::describe_fault(uint32_t addr, bool write) const {
    const char *memory = l1_.covers(addr) ? "L1" : wm_.covers(addr) ? "the NPU weight memory" : "L2";
    std::string what = std::string(write ? "store to " : "load from ") + hex(addr) +
                       ", outside every allocated region of " + memory;
    const Heap &heap = l1_.covers(addr) ? l1_heap_ : l2_heap_;
    if (addr >= heap.start && addr < heap.end)
        what += ": in the free part of the heap (allocated " + hex(heap.start) + ".." + hex(heap.top) + ", " +
                std::to_string(addr - heap.top) + " bytes past its top)";
    // Name the allocation it missed: the nearest symbol below, and its section.
    const bool in_used_heap = addr >= heap.start && addr < heap.end && heap.top > heap.start;
    if (const Symbol *s = in_used_heap ? nullptr : elf_.object_near(addr)) {
        const uint32_t end = s->value + s->size;
        what += std::string(addr >= heap.start && addr < heap.end ? "; " : ": ") + std::to_string(addr - end) + " bytes past the end of " + s->name + " (" + hex(s->value) + ", " +
                std::to_string(s->size) + " bytes)";
    }
    const Section *last = nullptr;  // the section that ends nearest below addr
    for (const Section &sec : elf_.sections)
        if ((uint64_t)sec.addr + sec.size <= addr && (!last || sec.addr + sec.size > last->addr + last->size)) last = &sec;
    if (last) what += "; section " + last->name + " ends at " + hex(last->addr + last->size);
    return what;
}

}  // namespace halyard::sim
